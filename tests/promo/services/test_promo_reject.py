from datetime import timedelta

import pytest

from promo.models import Promo, PromoEvent, PromoLine
from promo.services import errors, point_corrections, transitions

Decision = PromoLine.Decision


def test_reject_needs_a_reason(world):
    # given a submitted promo, when A's manager rejects without a reason
    promo = world.promo()
    with pytest.raises(errors.InvalidError) as caught:
        transitions.promo_reject(promo=promo, actor=world.manager_a, reason="  ")
    # then it is refused and nothing is decided
    assert caught.value.message == str(transitions.REJECT_REASON_REQUIRED)
    assert not promo.lines.exclude(decision=Decision.PENDING).exists()


def test_all_lines_rejected_rejects_the_promo(world):
    # given A's manager rejected his lines
    promo = world.promo()
    transitions.promo_reject(promo=promo, actor=world.manager_a, reason="Нет бюджета")
    assert promo.status == Promo.Status.SUBMITTED
    # when B's manager rejects his
    transitions.promo_reject(promo=promo, actor=world.manager_b, reason="Пересечение акций")
    # then the promo is rejected, each line keeps its own reason, nothing is in force
    promo.refresh_from_db()
    assert promo.status == Promo.Status.REJECTED
    assert promo.approved_revision is None
    assert world.line(promo, "b").decision_reason == "Пересечение акций"
    event = promo.events.order_by("-pk").first()
    assert (event.kind, event.actor, event.reason) == (PromoEvent.Kind.PROMO_REJECTED, world.manager_b,
                                                        "Пересечение акций")


def test_partial_accept_approves_with_the_rejected_line(world):
    # given A's manager accepted his lines
    promo = world.promo()
    transitions.promo_approve(promo=promo, actor=world.manager_a)
    # when B's manager rejects his only line
    transitions.promo_reject(promo=promo, actor=world.manager_b, reason="Ниже закупки")
    # then the promo is approved; the frozen revision carries the rejected line and its reason
    promo.refresh_from_db()
    assert promo.status == Promo.Status.APPROVED
    frozen = {row["article"]: row for row in promo.approved_revision.lines}
    rejected = world.line(promo, "b")
    assert frozen[rejected.product.article]["decision"] == Decision.REJECTED
    assert frozen[rejected.product.article]["decision_reason"] == "Ниже закупки"
    assert promo.events.order_by("-pk").first().kind == PromoEvent.Kind.PROMO_APPROVED


def test_rejected_successor_leaves_the_approved_revision_in_force(world):
    # given an approved promo whose end a marketer moved (a successor revision waits)
    promo = world.promo(Promo.Status.APPROVED)
    in_force = promo.approved_revision
    point_corrections.promo_extend(promo=promo, actor=world.marketer, new_end=promo.end + timedelta(days=7),
                          reason="Продлить на неделю")
    assert promo.status == Promo.Status.SUBMITTED
    # when both managers reject the successor
    transitions.promo_reject(promo=promo, actor=world.manager_a, reason="Не продлеваем")
    transitions.promo_reject(promo=promo, actor=world.manager_b, reason="Не продлеваем")
    # then the newest revision is rejected but the approved one stays in force for exports
    promo.refresh_from_db()
    assert promo.status == Promo.Status.REJECTED
    assert promo.approved_revision == in_force
    assert promo.revision == in_force.number + 1
