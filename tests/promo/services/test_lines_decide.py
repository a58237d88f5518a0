import pytest

from promo.models import Promo, PromoEvent, PromoLine
from promo.services import actions, errors, transitions

Decision = PromoLine.Decision


def test_many_lines_in_one_transaction_and_one_event(world):
    # given a promo with three lines, all decided by the manager of A
    promo = world.promo(categories=("a", "a", "a"))
    first, second, third = promo.lines.order_by("pk")
    # when he accepts two and rejects one in one go
    transitions.lines_decide(promo=promo, actor=world.manager_a, version=promo.version, decisions={
        first.pk: ("accepted", ""), second.pk: ("rejected", "Нет в матрице"), third.pk: ("accepted", "")})
    # then the promo is approved with the one rejected line, recorded as one event
    promo.refresh_from_db()
    assert promo.status == Promo.Status.APPROVED
    assert PromoLine.objects.get(pk=second.pk).decision_reason == "Нет в матрице"
    event = promo.events.get()
    assert event.kind == PromoEvent.Kind.PROMO_APPROVED
    assert (event.payload["accepted"], event.payload["rejected"]) == (2, 1)
    # and the rejected line's reason stays with the line: the approval says nothing of its own
    assert event.reason == ""
    assert [(line["line_id"], line["reason"]) for line in event.payload["lines"]
            if line["decision"] == "rejected"] == [(second.pk, "Нет в матрице")]


def test_a_foreign_line_in_the_batch_refuses_the_whole_batch(world):
    # given a promo with lines in A and B
    promo = world.promo(categories=("a", "b"))
    # when A's manager decides both lines
    with pytest.raises(errors.NotAllowedError) as caught:
        transitions.lines_decide(promo=promo, actor=world.manager_a, decisions={
            world.line(promo, "a").pk: ("accepted", ""), world.line(promo, "b").pk: ("accepted", "")})
    # then nothing is decided
    assert caught.value.message == str(actions.NOT_LINE_MANAGER)
    assert not promo.lines.exclude(decision=Decision.PENDING).exists()


def test_a_line_of_another_promo_is_refused(world):
    promo, other = world.promo(), world.promo()
    with pytest.raises(errors.InvalidError) as caught:
        transitions.lines_decide(promo=promo, actor=world.manager_a,
                              decisions={world.line(other).pk: ("accepted", "")})
    assert caught.value.message == str(transitions.LINE_NOT_IN_PROMO)


def test_a_missing_reject_reason_refuses_the_whole_batch(world):
    promo = world.promo(categories=("a", "a"))
    first, second = promo.lines.order_by("pk")
    with pytest.raises(errors.InvalidError) as caught:
        transitions.lines_decide(promo=promo, actor=world.manager_a,
                              decisions={first.pk: ("accepted", ""), second.pk: ("rejected", "")})
    assert caught.value.message == str(transitions.REJECT_REASON_REQUIRED)
    assert not promo.lines.exclude(decision=Decision.PENDING).exists()


def test_an_empty_batch_is_refused(world):
    with pytest.raises(errors.InvalidError) as caught:
        transitions.lines_decide(promo=world.promo(), actor=world.manager_a, decisions={})
    assert caught.value.message == str(transitions.NO_DECISIONS)
