"""Who is mailed about which event: supplier users, the managers of the lines' categories,
the marketers; never the actor; never a supplier for internal events; opt-outs respected."""

import pytest
from django.db import transaction

from promo.models import NotificationSettings, OutboxMessage, PromoEvent
from promo.notifications import event_recipients, notify_event
from promo.services.events import event_record
from tests.factories import PromoUploadFactory
from tests.promo.notifications.conftest import recipients

Kind = PromoEvent.Kind
pytestmark = pytest.mark.django_db


def test_supplier_submits_colleague_managers_of_its_categories_and_marketers_hear(world, marketers):
    # given a promo with lines in the first two categories
    # when its supplier user submits it
    event = event_record(kind=Kind.PROMO_SUBMITTED, actor=world.author, promo=world.promo,
                         from_status="draft", to_status="submitted")

    # then the colleague, the two managers of those categories and the marketers are mailed,
    # not the author, not the third category's manager, not another supplier's user
    assert recipients(event) == {"colleague", "km1", "km2"} | marketers
    assert {"author", "km3", "foreigner"}.isdisjoint(recipients(event))


def test_manager_decision_reaches_the_supplier_users_and_the_other_manager(world, marketers):
    # when the first category's manager approves
    event = event_record(kind=Kind.PROMO_APPROVED, actor=world.managers[0], promo=world.promo,
                         from_status="submitted", to_status="approved")

    # then both supplier users hear, the other manager too, the deciding manager does not
    assert recipients(event) == {"author", "colleague", "km2"} | marketers


def test_internal_comment_never_goes_to_the_supplier(world, marketers):
    # when a manager writes an internal comment
    event = event_record(kind=Kind.COMMENT_ADDED, actor=world.managers[1], promo=world.promo,
                         reason="Проверить маржу", internal=True, payload={"text": "Проверить маржу"})

    # then only chain staff hear about it
    assert recipients(event) == {"km1"} | marketers


def test_public_comment_reaches_the_supplier(world, marketers):
    event = event_record(kind=Kind.COMMENT_ADDED, actor=world.marketer, promo=world.promo,
                         reason="Уточните период", payload={"text": "Уточните период"})

    assert recipients(event) == {"author", "colleague", "km1", "km2"} | (marketers - {"mkt"})


def test_export_results_go_to_marketers_only(world, marketers):
    # when the nightly export fails (no promo, no actor)
    event = event_record(kind=Kind.EXPORT_FAILED, payload={"run_id": 7, "date": "2027-02-01",
                                                           "reason": "Диск заполнен"})

    # then marketers are told, nobody else
    assert recipients(event) == marketers


def test_rejected_upload_goes_to_the_uploaders_colleagues_and_marketers(world, marketers):
    # given a file of the supplier refused by the importer
    upload = PromoUploadFactory(supplier=world.supplier, uploaded_by=world.author, status="rejected",
                                errors=[{"row": 5, "column": "EAN", "code": "ean", "message": "Неверный EAN"}])

    # when the importer records the rejection
    event = event_record(kind=Kind.UPLOAD_REJECTED, actor=world.author, upload=upload)

    # then the colleague and the marketers hear, no category manager (there are no promos)
    assert recipients(event) == {"colleague"} | marketers


def test_a_switched_off_kind_is_not_mailed_and_other_kinds_still_are(world, marketers):
    # given the colleague switched «submitted» off
    NotificationSettings.objects.create(user=world.colleague, disabled_kinds=[Kind.PROMO_SUBMITTED])

    # when the promo is submitted, then approved
    submitted = event_record(kind=Kind.PROMO_SUBMITTED, actor=world.author, promo=world.promo)
    approved = event_record(kind=Kind.PROMO_APPROVED, actor=world.managers[0], promo=world.promo)

    # then the colleague got the approval only
    assert "colleague" not in recipients(submitted)
    assert "colleague" in recipients(approved)


def test_inactive_users_and_users_without_address_are_skipped(world):
    world.colleague.is_active = False
    world.colleague.save()
    world.managers[1].email = ""
    world.managers[1].save()

    event = event_record(kind=Kind.PROMO_SUBMITTED, actor=world.author, promo=world.promo)

    assert {"colleague", "km2"}.isdisjoint(recipients(event))
    assert "km1" in recipients(event)


def test_an_event_without_notify_mails_nobody(world):
    # given the importer's per-promo events (announced once by the upload's digest)
    event = event_record(kind=Kind.PROMO_CREATED, actor=world.author, promo=world.promo, notify=False)

    assert not OutboxMessage.objects.filter(event=event).exists()


def test_outbox_rows_roll_back_with_the_change(world):
    # when the transaction of the change fails after the event was recorded
    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(kind=Kind.PROMO_SUBMITTED, actor=world.author, promo=world.promo)
        raise RuntimeError("the change failed")

    # then no mail is left queued
    assert not OutboxMessage.objects.exists()


def test_notifying_an_event_twice_queues_each_recipient_once(world, marketers):
    event = event_record(kind=Kind.PROMO_SUBMITTED, actor=world.author, promo=world.promo)

    notify_event(event)

    assert OutboxMessage.objects.filter(event=event).count() == len({"colleague", "km1", "km2"} | marketers)


def test_recipients_cost_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    # given a promo with lines in many categories, each with a manager
    from tests.factories import CategoryFactory, ProductFactory, PromoLineFactory, category_manager

    for index in range(15):
        category = CategoryFactory()
        category_manager(category, username=f"extra-km{index}")
        PromoLineFactory(promo=world.promo, product=ProductFactory(supplier=world.supplier, category=category))
    event = PromoEvent.objects.create(kind=Kind.PROMO_SUBMITTED, actor=world.author, promo=world.promo)

    # when the recipients are worked out, then the number of queries does not grow with them
    with django_assert_max_num_queries(8):
        found = event_recipients(event)
    assert len([r for r in found if r.user.username.startswith("extra-km")]) == 15
