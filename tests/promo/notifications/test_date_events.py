"""The daily beat task records «starts tomorrow», «started» and «finished» for promos with an
approved revision in force, each once, and mails them."""

from datetime import date

import pytest

from promo.models import OutboxMessage, Promo, PromoEvent
from promo.services.revisions import revision_record
from promo.tasks.notifications import promo_date_events
from tests.factories import PromoFactory, PromoLineFactory

Kind = PromoEvent.Kind
pytestmark = pytest.mark.django_db


def approved_promo(world, *, start: date, end: date, status=Promo.Status.APPROVED) -> Promo:
    promo = PromoFactory(supplier=world.supplier, start=start, end=end, status=status)
    PromoLineFactory(promo=promo, product__category=world.categories[0])
    promo.approved_revision = revision_record(promo=promo)
    promo.save()
    return promo


def kinds_by_promo() -> set[tuple[str, int, str]]:
    return set(PromoEvent.objects.filter(kind__in=[Kind.STARTS_TOMORROW, Kind.STARTED, Kind.FINISHED])
               .values_list("kind", "promo_id", "payload__date"))


def test_each_date_event_is_recorded_and_mailed_once(world):
    # given promos starting tomorrow, starting today, finished yesterday, one cancelled and one later
    tomorrow = approved_promo(world, start=date(2027, 2, 2), end=date(2027, 2, 10))
    today = approved_promo(world, start=date(2027, 2, 1), end=date(2027, 2, 10))
    finished = approved_promo(world, start=date(2027, 1, 20), end=date(2027, 1, 31))
    approved_promo(world, start=date(2027, 2, 1), end=date(2027, 2, 5), status=Promo.Status.CANCELLED)
    approved_promo(world, start=date(2027, 2, 20), end=date(2027, 2, 25))

    # when the daily task runs twice on 01.02.2027
    assert promo_date_events("2027-02-01") == 3
    assert promo_date_events("2027-02-01") == 0

    # then each event exists once, for the day it is about
    assert kinds_by_promo() == {
        (Kind.STARTS_TOMORROW, tomorrow.pk, "2027-02-02"),
        (Kind.STARTED, today.pk, "2027-02-01"),
        (Kind.FINISHED, finished.pk, "2027-01-31"),
    }
    # and the supplier users, the category's manager and the marketers got one mail each
    started = OutboxMessage.objects.filter(event__kind=Kind.STARTED)
    assert {"author", "colleague", "km1", "marketer"} <= set(started.values_list("recipient__username", flat=True))
    assert started.values("recipient").distinct().count() == started.count()
    message = OutboxMessage.objects.get(event__kind=Kind.STARTS_TOMORROW, recipient=world.author)
    assert message.subject == f"[Промо-портал] Начинается завтра: {tomorrow.code} «{tomorrow.name}»"
    assert "Промо начинается завтра, 02.02.2027." in message.body_text

    # when the next day comes, the promo that was «tomorrow» has started; nothing else repeats
    promo_date_events("2027-02-02")
    assert kinds_by_promo() - {
        (Kind.STARTS_TOMORROW, tomorrow.pk, "2027-02-02"),
        (Kind.STARTED, today.pk, "2027-02-01"),
        (Kind.FINISHED, finished.pk, "2027-01-31"),
    } == {(Kind.STARTED, tomorrow.pk, "2027-02-02")}


def test_an_extended_promo_finishes_on_its_new_end(world):
    # given a promo that finished, was announced, then got a new approved end
    promo = approved_promo(world, start=date(2027, 1, 20), end=date(2027, 1, 31))
    promo_date_events("2027-02-01")
    promo.end = date(2027, 2, 7)
    promo.revision = 2
    promo.approved_revision = revision_record(promo=promo)
    promo.save()

    # when the day after the new end comes
    promo_date_events("2027-02-08")

    # then «finished» is announced again, for the new date
    assert {(kind, day) for kind, pk, day in kinds_by_promo() if pk == promo.pk} >= {
        (Kind.FINISHED, "2027-01-31"), (Kind.FINISHED, "2027-02-07")}
