"""A supplier's requests as records: asking (once per kind while one is open), accepting (which
runs the extension or the cancellation) and declining (with a reason), and who hears of it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from promo.models import OutboxMessage, Promo, PromoEvent, SupplierRequest
from promo.services import actions, errors, supplier_requests, transitions, workflow
from tests.factories import supplier_user

Kind = PromoEvent.Kind
Status = SupplierRequest.Status


def recipients(event) -> set:
    return set(OutboxMessage.objects.filter(event=event).values_list("recipient", flat=True))


def test_supplier_requests_an_extension(world):
    # given an approved promo
    promo = world.promo(Promo.Status.APPROVED)
    new_end = promo.end + timedelta(days=10)
    # when the supplier asks for an extension with a reason
    asked = supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user, new_end=new_end,
                                                      reason="Большие остатки", version=promo.version)
    # then an open request is recorded, with who and when; the promo itself is unchanged
    asked.refresh_from_db()
    assert (asked.kind, asked.status, asked.new_end, asked.reason, asked.requested_by) == (
        SupplierRequest.Kind.EXTENSION, Status.OPEN, new_end, "Большие остатки", world.supplier_user)
    assert asked.created_at is not None and asked.answered_at is None
    assert Promo.objects.get(pk=promo.pk).end == promo.end
    # and its event tells the marketers and the managers of its categories (not the asker)
    event = promo.events.get()
    assert (event.kind, event.actor, event.payload["request_id"]) == (Kind.EXTENSION_REQUESTED,
                                                                      world.supplier_user, asked.pk)
    heard = recipients(event)
    assert {world.marketer.pk, world.manager_a.pk, world.manager_b.pk} <= heard
    assert world.supplier_user.pk not in heard and world.manager_c.pk not in heard


def test_the_same_request_again_at_once_answers_with_the_first(world):
    # given an open extension request, just sent
    promo = world.promo(Promo.Status.APPROVED)
    new_end = promo.end + timedelta(days=10)
    first = supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user, new_end=new_end,
                                                      reason="Спрос")
    # when the supplier's client sends the very same request again (a double click, a retry)
    again = supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user, new_end=new_end,
                                                      reason=" Спрос ")
    # then it answers with the first request, and nothing is recorded or mailed twice
    assert again.pk == first.pk
    assert promo.requests.count() == 1 and promo.events.count() == 1
    # and the same for a cancellation request
    cancel = supplier_requests.promo_request_cancellation(promo=promo, actor=world.supplier_user, reason="Нет товара")
    assert supplier_requests.promo_request_cancellation(
        promo=promo, actor=world.supplier_user, reason="Нет товара").pk == cancel.pk
    assert promo.requests.count() == 2 and promo.events.count() == 2


@pytest.mark.parametrize("change", ["other_date", "other_reason", "later"])
def test_a_second_request_while_one_is_open_is_refused(world, change):
    # given an open extension request
    promo = world.promo(Promo.Status.APPROVED)
    new_end = promo.end + timedelta(days=10)
    supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user, new_end=new_end, reason="Спрос")
    # when the supplier sends another: other terms, or the same ones after the double-click window
    terms = {"new_end": new_end, "reason": "Спрос"}
    if change == "other_date":
        terms["new_end"] = new_end + timedelta(days=1)
    elif change == "other_reason":
        terms["reason"] = "Другая причина"
    wait = workflow.REPEAT_WINDOW + timedelta(seconds=1) if change == "later" else timedelta(0)
    with time_machine.travel(timezone.now() + wait), pytest.raises(errors.IllegalStateError) as caught:
        supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user, **terms)
    # then it is refused with a clear message, and nothing is recorded twice
    assert caught.value.code == "request_open"
    assert caught.value.message.startswith("Запрос на продление уже отправлен")
    assert "ждёт ответа" in caught.value.message
    assert promo.requests.count() == 1 and promo.events.count() == 1
    # and the page no longer offers the request, while a cancellation may still be asked for
    offered = actions.promo_actions(world.supplier_user, Promo.objects.get(pk=promo.pk))
    assert "request_extension" not in offered and "request_cancellation" in offered


def test_a_colleagues_identical_request_is_refused(world):
    # given an open extension request by one of the supplier's users
    promo = world.promo(Promo.Status.APPROVED)
    new_end = promo.end + timedelta(days=10)
    supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user, new_end=new_end, reason="Спрос")
    # when a colleague at the same supplier asks the very same at once, then it is no retry of his: refused
    colleague = supplier_user(world.supplier)
    with pytest.raises(errors.IllegalStateError) as caught:
        supplier_requests.promo_request_extension(promo=promo, actor=colleague, new_end=new_end, reason="Спрос")
    assert caught.value.code == "request_open" and promo.requests.count() == 1


def test_accepting_an_extension_extends_the_promo_and_mails_the_answer_once(world):
    # given an open extension request
    promo = world.promo(Promo.Status.APPROVED)
    new_end = promo.end + timedelta(days=10)
    asked = supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user, new_end=new_end,
                                                      reason="Спрос")
    # when a marketer accepts it
    supplier_requests.request_accept(request=asked, actor=world.marketer, reason="Продлеваем")
    # then the promo is extended as asked (a new revision back to approval, the old one in force)
    promo.refresh_from_db()
    assert (promo.end, promo.status, promo.revision) == (new_end, Promo.Status.SUBMITTED, 2)
    assert promo.approved_revision.number == 1
    asked.refresh_from_db()
    assert (asked.status, asked.answered_by, asked.answer) == (Status.ACCEPTED, world.marketer, "Продлеваем")
    # and one answer reaches the supplier: the extension's own event is not mailed separately
    answer = promo.events.get(kind=Kind.REQUEST_ACCEPTED)
    assert world.supplier_user.pk in recipients(answer)
    assert world.manager_a.pk in recipients(answer)
    assert not OutboxMessage.objects.filter(event__kind=Kind.PROMO_EXTENDED, event__promo=promo).exists()
    text = OutboxMessage.objects.get(event=answer, recipient=world.supplier_user).body_text
    assert f"Запрос поставщика на продление до {new_end:%d.%m.%Y} принят" in text
    assert "Продлеваем" in text
    assert text.count("окончание:") == 1


def test_accepting_a_cancellation_cancels_the_promo(world):
    promo = world.promo(Promo.Status.APPROVED)
    asked = supplier_requests.promo_request_cancellation(promo=promo, actor=world.supplier_user, reason="Нет товара")
    supplier_requests.request_accept(request=asked, actor=world.marketer)
    promo.refresh_from_db()
    assert promo.status == Promo.Status.CANCELLED
    assert promo.events.get(kind=Kind.PROMO_CANCELLED).reason == "По запросу поставщика: Нет товара"
    assert SupplierRequest.objects.get(pk=asked.pk).status == Status.ACCEPTED


def test_declining_needs_a_reason_and_tells_the_supplier(world):
    # given an open cancellation request
    promo = world.promo(Promo.Status.APPROVED)
    asked = supplier_requests.promo_request_cancellation(promo=promo, actor=world.supplier_user, reason="Нет товара")
    # when a manager of its categories declines it without a reason, then with one
    with pytest.raises(errors.InvalidError) as caught:
        supplier_requests.request_decline(request=asked, actor=world.manager_a, reason=" ")
    assert caught.value.message == str(supplier_requests.DECLINE_REASON_REQUIRED)
    assert SupplierRequest.objects.get(pk=asked.pk).status == Status.OPEN
    supplier_requests.request_decline(request=asked, actor=world.manager_a, reason="Акция уже в ценниках")
    # then the request is declined, the promo untouched, the supplier told why
    asked.refresh_from_db()
    assert (asked.status, asked.answered_by, asked.answer) == (Status.DECLINED, world.manager_a,
                                                               "Акция уже в ценниках")
    assert Promo.objects.get(pk=promo.pk).status == Promo.Status.APPROVED
    answer = promo.events.get(kind=Kind.REQUEST_DECLINED)
    text = OutboxMessage.objects.get(event=answer, recipient=world.supplier_user).body_text
    assert "Запрос поставщика на отмену отклонён." in text and "Акция уже в ценниках" in text
    # and the supplier may ask again
    supplier_requests.promo_request_cancellation(promo=promo, actor=world.supplier_user, reason="Всё-таки нет")


def test_a_request_is_answered_once(world):
    promo = world.promo(Promo.Status.APPROVED)
    asked = supplier_requests.promo_request_cancellation(promo=promo, actor=world.supplier_user, reason="Нет")
    supplier_requests.request_decline(request=asked, actor=world.marketer, reason="Нет")
    with pytest.raises(errors.IllegalStateError) as caught:
        supplier_requests.request_accept(request=asked, actor=world.marketer)
    assert caught.value.code == "request_answered"
    assert Promo.objects.get(pk=promo.pk).status == Promo.Status.APPROVED


def test_only_a_marketer_accepts_and_strangers_see_nothing(world):
    promo = world.promo(Promo.Status.APPROVED)
    asked = supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user,
                                                      new_end=promo.end + timedelta(days=3), reason="Спрос")
    with pytest.raises(errors.NotAllowedError) as caught:
        supplier_requests.request_accept(request=asked, actor=world.manager_a)
    assert caught.value.message == str(actions.MARKETER_ONLY)
    with pytest.raises(errors.NotAllowedError):
        supplier_requests.request_decline(request=asked, actor=world.supplier_user, reason="Передумал")
    for stranger in (world.other_supplier_user, world.manager_c):
        with pytest.raises(errors.NotFoundError):
            supplier_requests.request_decline(request=asked, actor=stranger, reason="Нет")
    assert SupplierRequest.objects.get(pk=asked.pk).status == Status.OPEN


def test_request_needs_a_reason(world):
    promo = world.promo(Promo.Status.APPROVED)
    with pytest.raises(errors.InvalidError) as caught:
        supplier_requests.promo_request_cancellation(promo=promo, actor=world.supplier_user, reason="")
    assert caught.value.message == str(workflow.REASON_REQUIRED)
    assert not promo.requests.exists()


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


def test_a_promo_that_becomes_final_closes_its_open_requests(world):
    # given an approved promo with an open extension and an open cancellation request
    promo = world.promo(Promo.Status.APPROVED)
    extension = supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user,
                                                          new_end=promo.end + timedelta(days=5), reason="Спрос")
    cancellation = supplier_requests.promo_request_cancellation(promo=promo, actor=world.supplier_user,
                                                                reason="Нет товара")
    # when the marketer accepts the cancellation
    supplier_requests.request_accept(request=cancellation, actor=world.marketer)
    # then the cancellation is accepted and the extension closed: nothing waits any more
    assert SupplierRequest.objects.get(pk=cancellation.pk).status == Status.ACCEPTED
    closed = SupplierRequest.objects.get(pk=extension.pk)
    assert (closed.status, closed.answer, closed.answered_by) == (
        Status.DECLINED, "Промо отменено: запрос закрыт.", world.marketer)
    assert not SupplierRequest.objects.open().filter(promo=promo).exists()


def test_a_withdrawal_closes_the_open_request_too(world):
    promo = world.promo(Promo.Status.SUBMITTED)
    asked = supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user,
                                                      new_end=promo.end + timedelta(days=5), reason="Спрос")
    transitions.promo_withdraw(promo=promo, actor=world.supplier_user)
    assert SupplierRequest.objects.get(pk=asked.pk).answer == "Промо отозвано: запрос закрыт."


def test_the_reason_stored_for_an_accepted_request_does_not_depend_on_the_acceptors_language(world):
    # given a cancellation request, accepted by a marketer whose pages are in English
    promo = world.promo(Promo.Status.APPROVED)
    asked = supplier_requests.promo_request_cancellation(promo=promo, actor=world.supplier_user, reason="Нет товара")
    with translation.override("en"):
        supplier_requests.request_accept(request=asked, actor=world.marketer)

    # then the cancellation's reason, which the Russian history shows, is in the portal's language
    assert promo.events.get(kind=Kind.PROMO_CANCELLED).reason == "По запросу поставщика: Нет товара"
