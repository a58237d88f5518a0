from datetime import timedelta

import pytest

from promo.models import Promo, PromoEvent
from promo.services import actions, errors, point_corrections, transitions, workflow
from tests.promo.services.world import TODAY


def test_marketer_cancels_an_approved_promo(world):
    # given an approved promo
    promo = world.promo(Promo.Status.APPROVED)
    # when a marketer cancels it with a reason
    transitions.promo_cancel(promo=promo, actor=world.marketer, reason="Поставщик отказался", version=promo.version)
    # then it is cancelled, no longer running, and the event tells who and why
    promo.refresh_from_db()
    assert promo.status == Promo.Status.CANCELLED
    assert promo.phase(promo.start) is None
    event = promo.events.get()
    assert (event.kind, event.actor, event.reason) == (PromoEvent.Kind.PROMO_CANCELLED, world.marketer,
                                                        "Поставщик отказался")
    assert (event.from_status, event.to_status) == (Promo.Status.APPROVED, Promo.Status.CANCELLED)


def test_cancel_needs_a_reason(world):
    promo = world.promo(Promo.Status.APPROVED)
    with pytest.raises(errors.InvalidError) as caught:
        transitions.promo_cancel(promo=promo, actor=world.marketer, reason="")
    assert caught.value.message == str(workflow.REASON_REQUIRED)
    assert Promo.objects.get(pk=promo.pk).status == Promo.Status.APPROVED


@pytest.mark.parametrize("status", [Promo.Status.DRAFT, Promo.Status.SUBMITTED, Promo.Status.WITHDRAWN])
def test_only_a_promo_in_force_is_cancelled(world, status):
    promo = world.promo(status)
    with pytest.raises(errors.IllegalStateError) as caught:
        transitions.promo_cancel(promo=promo, actor=world.marketer, reason="Нет")
    assert caught.value.message == str(actions.NOT_IN_FORCE)


def test_promo_in_force_with_a_waiting_successor_can_be_cancelled(world):
    # given an approved promo sent back to approval by a correction
    promo = world.promo(Promo.Status.APPROVED)
    point_corrections.promo_correct(promo=promo, actor=world.marketer, reason="Короче", end=promo.end - timedelta(days=2))
    # when a marketer cancels it, then the revision in force is cancelled too
    transitions.promo_cancel(promo=promo, actor=world.marketer, reason="Снимаем акцию")
    assert promo.status == Promo.Status.CANCELLED


def test_finished_promo_is_not_cancelled(world):
    promo = world.promo(Promo.Status.APPROVED, start=TODAY - timedelta(days=30))
    with pytest.raises(errors.IllegalStateError) as caught:
        transitions.promo_cancel(promo=promo, actor=world.marketer, reason="Поздно")
    assert caught.value.message == str(actions.ALREADY_FINISHED)


def test_cancel_twice_changes_nothing(world):
    promo = world.promo(Promo.Status.APPROVED)
    transitions.promo_cancel(promo=promo, actor=world.marketer, reason="Снимаем", version=1)
    transitions.promo_cancel(promo=promo, actor=world.marketer, reason="Снимаем", version=1)
    assert promo.events.count() == 1


@pytest.mark.parametrize("role", ["supplier", "manager"])
def test_only_a_marketer_cancels(world, role):
    promo = world.promo(Promo.Status.APPROVED)
    with pytest.raises(errors.NotAllowedError) as caught:
        transitions.promo_cancel(promo=promo, actor=world.actor(role), reason="Хочу")
    assert caught.value.message == str(actions.MARKETER_ONLY)
