"""Every transition against every role, at the service level (the API test runs the same
table over HTTP): the services check permissions themselves, whatever the caller."""

from datetime import timedelta

import pytest

from branches.models import Region
from branches.targeting import Targeting
from promo.models import Promo, PromoEvent
from promo.services import approval
from promo.services.comments import comment_add
from tests.promo.services.world import MATRIX, matrix_cases


def perform(action: str, world, promo: Promo, actor):
    line = world.line(promo, "a")
    later = promo.end + timedelta(days=7)
    calls = {
        "submit": lambda: approval.promo_submit(promo=promo, actor=actor, version=promo.version),
        "approve": lambda: approval.promo_approve(promo=promo, actor=actor, version=promo.version),
        "reject": lambda: approval.promo_reject(promo=promo, actor=actor, reason="Нет", version=promo.version),
        "decide_line": lambda: approval.line_decide(line=line, actor=actor, decision="accepted",
                                                    version=promo.version),
        "withdraw": lambda: approval.promo_withdraw(promo=promo, actor=actor, version=promo.version),
        "cancel": lambda: approval.promo_cancel(promo=promo, actor=actor, reason="Нет", version=promo.version),
        "extend": lambda: approval.promo_extend(promo=promo, actor=actor, new_end=later, reason="Продажи",
                                                version=promo.version),
        "request_extension": lambda: approval.promo_request_extension(
            promo=promo, actor=actor, new_end=later, reason="Продажи", version=promo.version),
        "request_cancellation": lambda: approval.promo_request_cancellation(
            promo=promo, actor=actor, reason="Нет товара", version=promo.version),
        "correct": lambda: approval.promo_correct(promo=promo, actor=actor, reason="Сдвиг",
                                                  end=promo.end - timedelta(days=1), version=promo.version),
        "correct_line": lambda: approval.line_correct(line=line, actor=actor, reason="Скидка",
                                                      discount_percent=20, version=promo.version),
        "set_targeting": lambda: approval.promo_set_targeting(
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
    with pytest.raises(approval.NotAllowedError) as caught:
        perform(action, world, promo, world.actor(role))
    # then a foreign promo is not found, a visible one is forbidden, and nothing was recorded
    assert (caught.value.code == "not_found") == (expected == "N")
    assert not PromoEvent.objects.filter(promo=promo).exists()
    assert Promo.objects.get(pk=promo.pk).version == 1
