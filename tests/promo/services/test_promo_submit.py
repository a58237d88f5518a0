import pytest

from promo.models import Promo, PromoEvent, PromoLine
from promo.services import actions, errors, transitions


def test_supplier_submits_a_draft(world):
    # given a draft of the supplier
    promo = world.promo(Promo.Status.DRAFT)
    # when its supplier user submits it with the version he saw
    transitions.promo_submit(promo=promo, actor=world.supplier_user, version=promo.version, comment="Прошу согласовать")
    # then it is submitted, the version moved on and the event names him and the comment
    promo.refresh_from_db()
    assert promo.status == Promo.Status.SUBMITTED
    assert promo.version == 2
    event = promo.events.get()
    assert (event.kind, event.actor, event.reason) == (PromoEvent.Kind.PROMO_SUBMITTED, world.supplier_user,
                                                        "Прошу согласовать")
    assert (event.from_status, event.to_status) == (Promo.Status.DRAFT, Promo.Status.SUBMITTED)
    last = promo.history.first()
    assert (last.history_user, last.history_change_reason) == (world.supplier_user, "Прошу согласовать")


def test_marketer_submits_on_behalf_of_the_supplier(world):
    # given a draft, when a marketer submits it, then it is submitted
    promo = world.promo(Promo.Status.DRAFT)
    transitions.promo_submit(promo=promo, actor=world.marketer)
    assert Promo.objects.get(pk=promo.pk).status == Promo.Status.SUBMITTED


def test_double_click_submits_once(world):
    # given a draft submitted once with version 1
    promo = world.promo(Promo.Status.DRAFT)
    transitions.promo_submit(promo=promo, actor=world.supplier_user, version=1)
    # when the same click arrives again with the same version
    again = transitions.promo_submit(promo=Promo.objects.get(pk=promo.pk), actor=world.supplier_user, version=1)
    # then nothing changes and there is still one event
    assert again.version == 2
    assert promo.events.count() == 1


def test_stale_version_is_refused_with_who_and_when(world):
    # given a draft the marketer submitted meanwhile
    promo = world.promo(Promo.Status.DRAFT)
    transitions.promo_submit(promo=promo, actor=world.marketer, version=1)
    # when the supplier withdraws it with the version he saw before
    with pytest.raises(errors.StaleVersionError) as caught:
        transitions.promo_withdraw(promo=Promo.objects.get(pk=promo.pk), actor=world.supplier_user, version=1)
    # then he is told to reload, and nothing was written
    assert caught.value.message.startswith("Промо уже изменено")
    assert caught.value.message.endswith("обновите страницу.")
    assert world.marketer.username in caught.value.message
    assert Promo.objects.get(pk=promo.pk).status == Promo.Status.SUBMITTED
    assert promo.events.count() == 1


def test_empty_promo_cannot_be_submitted(world):
    # given a draft without lines
    promo = world.promo(Promo.Status.DRAFT, categories=())
    # when submitted, then it is refused with the constant
    with pytest.raises(errors.IllegalStateError) as caught:
        transitions.promo_submit(promo=promo, actor=world.supplier_user)
    assert caught.value.message == str(actions.NO_LINES)
    assert Promo.objects.get(pk=promo.pk).status == Promo.Status.DRAFT


def test_promo_without_branches_cannot_be_submitted(world):
    promo = world.promo(Promo.Status.DRAFT)
    Promo.objects.filter(pk=promo.pk).update(targeting={})
    with pytest.raises(errors.IllegalStateError) as caught:
        transitions.promo_submit(promo=promo, actor=world.supplier_user)
    assert caught.value.message == str(actions.NO_TARGETING)


@pytest.mark.parametrize("status", [Promo.Status.APPROVED, Promo.Status.WITHDRAWN, Promo.Status.CANCELLED])
def test_illegal_submit_is_refused(world, status):
    # given a promo that is approved or final, when submitted, then the move is refused
    promo = world.promo(status)
    with pytest.raises(errors.IllegalStateError) as caught:
        transitions.promo_submit(promo=promo, actor=world.supplier_user)
    assert caught.value.code == "illegal_move"
    assert caught.value.message == str(actions.ILLEGAL_MOVE % {
        "from": Promo.Status(status).label, "to": Promo.Status.SUBMITTED.label})


def test_rejected_promo_needs_a_new_revision_before_resubmit(world):
    # given a promo rejected by both managers
    promo = world.promo()
    transitions.promo_reject(promo=promo, actor=world.manager_a, reason="Нет маржи")
    transitions.promo_reject(promo=promo, actor=world.manager_b, reason="Нет маржи")
    assert promo.status == Promo.Status.REJECTED
    # when the supplier submits it again unchanged, then it is refused
    with pytest.raises(errors.IllegalStateError) as caught:
        transitions.promo_submit(promo=promo, actor=world.supplier_user)
    assert caught.value.message == str(actions.RESUBMIT_NEEDS_REVISION)
    # when a corrected revision arrives (as a corrected upload makes it), then he may, and
    # every line waits for a fresh decision
    promo.revision += 1
    promo.save(update_fields=["revision"])
    transitions.promo_submit(promo=promo, actor=world.supplier_user)
    assert promo.status == Promo.Status.SUBMITTED
    assert set(promo.lines.values_list("decision", flat=True)) == {PromoLine.Decision.PENDING}
    assert not promo.lines.exclude(decision_reason="").exists()
