from datetime import timedelta

import pytest

from promo.models import Promo, PromoEvent
from promo.services import actions, errors, point_corrections, transitions


@pytest.mark.parametrize("status", [Promo.Status.DRAFT, Promo.Status.SUBMITTED])
def test_supplier_withdraws_a_promo_not_yet_in_force(world, status):
    # given a draft or a submitted promo
    promo = world.promo(status)
    # when its supplier withdraws it
    transitions.promo_withdraw(promo=promo, actor=world.supplier_user, version=promo.version, reason="Ошибка в ценах")
    # then it is withdrawn, with the reason in the event and in history
    promo.refresh_from_db()
    assert promo.status == Promo.Status.WITHDRAWN
    event = promo.events.get()
    assert (event.kind, event.actor, event.reason) == (PromoEvent.Kind.PROMO_WITHDRAWN, world.supplier_user,
                                                        "Ошибка в ценах")
    assert promo.history.first().history_change_reason == "Ошибка в ценах"


def test_withdraw_again_changes_nothing(world):
    promo = world.promo(Promo.Status.DRAFT)
    transitions.promo_withdraw(promo=promo, actor=world.supplier_user)
    transitions.promo_withdraw(promo=promo, actor=world.supplier_user)
    assert promo.events.count() == 1


def test_promo_in_force_cannot_be_withdrawn(world):
    # given an approved promo, or one whose successor revision waits
    promo = world.promo(Promo.Status.APPROVED)
    with pytest.raises(errors.IllegalStateError) as caught:
        transitions.promo_withdraw(promo=promo, actor=world.supplier_user)
    assert caught.value.message == str(actions.WITHDRAW_IN_FORCE)
    point_corrections.promo_correct(promo=promo, actor=world.marketer, reason="Короче", end=promo.end - timedelta(days=3))
    assert promo.status == Promo.Status.SUBMITTED
    with pytest.raises(errors.IllegalStateError) as caught:
        transitions.promo_withdraw(promo=promo, actor=world.supplier_user)
    # then the supplier is told to ask for a cancellation instead
    assert caught.value.message == str(actions.WITHDRAW_IN_FORCE)


def test_rejected_promo_cannot_be_withdrawn(world):
    promo = world.promo(Promo.Status.REJECTED)
    with pytest.raises(errors.IllegalStateError) as caught:
        transitions.promo_withdraw(promo=promo, actor=world.supplier_user)
    assert caught.value.code == "illegal_move"


def test_category_manager_cannot_withdraw(world):
    promo = world.promo()
    with pytest.raises(errors.NotAllowedError) as caught:
        transitions.promo_withdraw(promo=promo, actor=world.manager_a)
    assert caught.value.message == str(actions.NOT_SUPPLIER_OR_MARKETER)
