"""Every transition against every role, at the service level (the API test runs the same
table over HTTP): the services check permissions themselves, whatever the caller."""

from datetime import timedelta

import pytest

from branches.models import Region
from branches.targeting import Targeting
from promo.models import Promo, PromoEvent
from promo.services import errors, point_corrections, supplier_requests, transitions
from promo.services.comments import comment_add
from tests.promo.services.world import MATRIX, matrix_cases


def perform(action: str, world, promo: Promo, actor):
    line = world.line(promo, "a")
    later = promo.end + timedelta(days=7)
    calls = {
        "submit": lambda: transitions.promo_submit(promo=promo, actor=actor, version=promo.version),
        "approve": lambda: transitions.promo_approve(promo=promo, actor=actor, version=promo.version),
        "reject": lambda: transitions.promo_reject(promo=promo, actor=actor, reason="Нет", version=promo.version),
        "decide_line": lambda: transitions.line_decide(line=line, actor=actor, decision="accepted",
                                                    version=promo.version),
        "withdraw": lambda: transitions.promo_withdraw(promo=promo, actor=actor, version=promo.version),
        "cancel": lambda: transitions.promo_cancel(promo=promo, actor=actor, reason="Нет", version=promo.version),
        "extend": lambda: point_corrections.promo_extend(promo=promo, actor=actor, new_end=later, reason="Продажи",
                                                version=promo.version),
        "extend_or_request": lambda: supplier_requests.promo_extend_or_request(
            promo=promo, actor=actor, new_end=later, reason="Продажи", version=promo.version),
        "request_extension": lambda: supplier_requests.promo_request_extension(
            promo=promo, actor=actor, new_end=later, reason="Продажи", version=promo.version),
        "request_cancellation": lambda: supplier_requests.promo_request_cancellation(
            promo=promo, actor=actor, reason="Нет товара", version=promo.version),
        "correct": lambda: point_corrections.promo_correct(promo=promo, actor=actor, reason="Сдвиг",
                                                  end=promo.end - timedelta(days=1), version=promo.version),
        "correct_line": lambda: point_corrections.line_correct(line=line, actor=actor, reason="Скидка",
                                                      discount_percent=20, version=promo.version),
        "set_targeting": lambda: point_corrections.promo_set_targeting(
            promo=promo, actor=actor, targeting=Targeting(regions=(Region.objects.first().pk,)),
            version=promo.version),
        "comment": lambda: comment_add(promo=promo, actor=actor, text="Вопрос"),
    }
    return calls[action]()


@pytest.mark.parametrize(("action", "role", "expected"), matrix_cases())
def test_permission_matrix(world, action, role, expected):
    # given a promo in the status the action starts from
    promo = world.promo(MATRIX[action][0])
    # when the role performs the action
    if expected == "+":
        perform(action, world, promo, world.actor(role))
        # then it happened and left an event by that person
        assert PromoEvent.objects.filter(promo=promo, actor=world.actor(role)).exists()
        return
    refusal = errors.NotFoundError if expected == "N" else errors.NotAllowedError
    with pytest.raises(refusal):
        perform(action, world, promo, world.actor(role))
    # then a foreign promo is not found, a visible one is forbidden, and nothing was recorded
    assert not PromoEvent.objects.filter(promo=promo).exists()
    assert Promo.objects.get(pk=promo.pk).version == 1
