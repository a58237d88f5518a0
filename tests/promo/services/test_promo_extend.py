from datetime import timedelta

import pytest
from django.conf import settings

from promo.models import Promo, PromoEvent, PromoLine, SupplierRequest
from promo.services import actions, errors, point_corrections, supplier_requests, transitions

Decision = PromoLine.Decision


def test_extension_goes_back_to_approval_while_the_approved_revision_stays_in_force(world):
    # given an approved promo (revision 1 in force)
    promo = world.promo(Promo.Status.APPROVED)
    in_force, old_end = promo.approved_revision, promo.end
    # when a marketer extends it by a week
    point_corrections.promo_extend(promo=promo, actor=world.marketer, new_end=old_end + timedelta(days=7),
                          reason="Хорошие продажи", version=promo.version)
    # then a new revision with the new end waits for the managers; revision 1 stays in force
    promo.refresh_from_db()
    assert promo.status == Promo.Status.SUBMITTED
    assert promo.revision == 2
    assert promo.approved_revision == in_force
    assert promo.approved_revision.end == old_end
    assert promo.revisions.get(number=2).end == old_end + timedelta(days=7)
    assert promo.revisions.get(number=2).diff["terms"]["end"] == [old_end.isoformat(),
                                                                  (old_end + timedelta(days=7)).isoformat()]
    assert set(promo.lines.values_list("decision", flat=True)) == {Decision.PENDING}
    event = promo.events.get()
    assert (event.kind, event.actor, event.reason) == (PromoEvent.Kind.PROMO_EXTENDED, world.marketer,
                                                        "Хорошие продажи")
    assert event.payload["changes"] == [{"field": "end", "old": old_end.isoformat(),
                                         "new": (old_end + timedelta(days=7)).isoformat()}]
    # and when both managers accept, the new revision goes in force
    transitions.promo_approve(promo=promo, actor=world.manager_a)
    transitions.promo_approve(promo=promo, actor=world.manager_b)
    promo.refresh_from_db()
    assert promo.approved_revision.number == 2
    assert promo.approved_revision.end == old_end + timedelta(days=7)


def test_new_end_must_be_later(world):
    promo = world.promo(Promo.Status.APPROVED)
    with pytest.raises(errors.InvalidError) as caught:
        point_corrections.promo_extend(promo=promo, actor=world.marketer, new_end=promo.end - timedelta(days=1))
    assert caught.value.code == "end_not_later"
    assert caught.value.message == (f"Новая дата окончания {promo.end - timedelta(days=1):%d.%m.%Y} должна быть "
                                    f"позже текущей ({promo.end:%d.%m.%Y}).")


def test_extension_keeps_the_maximum_length(world):
    promo = world.promo(Promo.Status.APPROVED)
    new_end = promo.start + timedelta(days=settings.PROMO_MAX_DAYS)
    with pytest.raises(errors.InvalidError) as caught:
        point_corrections.promo_extend(promo=promo, actor=world.marketer, new_end=new_end)
    assert caught.value.code == "period_too_long"
    assert caught.value.message == (f"Акция длится {settings.PROMO_MAX_DAYS + 1} дн., а допустимо не больше "
                                    f"{settings.PROMO_MAX_DAYS} дн. Разбейте её на части.")
    assert Promo.objects.get(pk=promo.pk).end == promo.end


def test_draft_is_not_extended(world):
    promo = world.promo(Promo.Status.DRAFT)
    with pytest.raises(errors.IllegalStateError) as caught:
        point_corrections.promo_extend(promo=promo, actor=world.marketer, new_end=promo.end + timedelta(days=3))
    assert caught.value.message == str(actions.NOT_IN_FORCE)


def test_supplier_extending_records_a_request_for_the_marketers(world):
    # given an approved promo, when its supplier calls «extend» (the page's and the API's)
    promo = world.promo(Promo.Status.APPROVED)
    request = supplier_requests.promo_extend_or_request(promo=promo, actor=world.supplier_user,
                                                        new_end=promo.end + timedelta(days=5),
                                                        reason="Остатки на складе")
    # then the promo is unchanged and an extension request waits for the marketers
    promo.refresh_from_db()
    assert (promo.status, promo.version) == (Promo.Status.APPROVED, 1)
    assert (request.kind, request.status, request.new_end) == (
        SupplierRequest.Kind.EXTENSION, SupplierRequest.Status.OPEN, promo.end + timedelta(days=5))
    assert promo.events.get().kind == PromoEvent.Kind.EXTENSION_REQUESTED


def test_only_a_marketer_extends(world):
    # given an approved promo, when its supplier calls the extension service itself
    promo = world.promo(Promo.Status.APPROVED)
    with pytest.raises(errors.NotAllowedError) as caught:
        point_corrections.promo_extend(promo=promo, actor=world.supplier_user, new_end=promo.end + timedelta(days=5))
    # then it is refused: a supplier asks (above), a marketer extends
    assert caught.value.message == str(actions.MARKETER_ONLY)
    assert not promo.events.exists()


def test_category_manager_cannot_extend(world):
    promo = world.promo(Promo.Status.APPROVED)
    with pytest.raises(errors.NotAllowedError) as caught:
        point_corrections.promo_extend(promo=promo, actor=world.manager_a, new_end=promo.end + timedelta(days=3))
    assert caught.value.message == str(actions.MARKETER_ONLY)
