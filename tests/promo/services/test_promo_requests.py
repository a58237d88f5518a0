from datetime import timedelta

import pytest

from promo.models import Promo, PromoEvent
from promo.services import actions, errors, supplier_requests, transitions, workflow


def test_supplier_requests_an_extension(world):
    # given an approved promo
    promo = world.promo(Promo.Status.APPROVED)
    new_end = promo.end + timedelta(days=10)
    # when the supplier asks for an extension with a reason
    event = supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user, new_end=new_end,
                                             reason="Большие остатки", version=promo.version)
    # then an event records the request for the marketers; the promo itself is unchanged
    assert (event.kind, event.actor, event.reason) == (PromoEvent.Kind.EXTENSION_REQUESTED,
                                                        world.supplier_user, "Большие остатки")
    assert event.payload["request"] == {"new_end": new_end.isoformat()}
    assert Promo.objects.get(pk=promo.pk).end == promo.end
    # and the same request again is not recorded twice
    again = supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user, new_end=new_end,
                                             reason="Большие остатки")
    assert again == event
    assert promo.events.count() == 1


def test_supplier_requests_a_cancellation(world):
    promo = world.promo(Promo.Status.APPROVED)
    event = supplier_requests.promo_request_cancellation(promo=promo, actor=world.supplier_user, reason="Нет товара")
    assert (event.kind, event.reason) == (PromoEvent.Kind.CANCELLATION_REQUESTED, "Нет товара")


def test_request_needs_a_reason(world):
    promo = world.promo(Promo.Status.APPROVED)
    with pytest.raises(errors.InvalidError) as caught:
        supplier_requests.promo_request_cancellation(promo=promo, actor=world.supplier_user, reason="")
    assert caught.value.message == str(workflow.REASON_REQUIRED)


def test_request_with_a_stale_version_is_refused(world):
    promo = world.promo(Promo.Status.APPROVED)
    transitions.promo_cancel(promo=promo, actor=world.marketer, reason="Снято")
    with pytest.raises(errors.StaleVersionError):
        supplier_requests.promo_request_cancellation(promo=promo, actor=world.supplier_user, reason="Тоже", version=1)


@pytest.mark.parametrize("role", ["manager", "marketer"])
def test_only_the_supplier_requests(world, role):
    promo = world.promo(Promo.Status.APPROVED)
    with pytest.raises(errors.NotAllowedError) as caught:
        supplier_requests.promo_request_cancellation(promo=promo, actor=world.actor(role), reason="Хочу")
    assert caught.value.message == str(actions.SUPPLIER_ONLY)


def test_draft_has_nothing_to_request(world):
    promo = world.promo(Promo.Status.DRAFT)
    with pytest.raises(errors.IllegalStateError) as caught:
        supplier_requests.promo_request_cancellation(promo=promo, actor=world.supplier_user, reason="Хочу")
    assert caught.value.message == str(actions.NOT_IN_FORCE)
