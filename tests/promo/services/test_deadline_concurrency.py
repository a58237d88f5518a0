"""The daily deadline and date-event runs while a batch changes the same promos, each in a
thread with its own PostgreSQL connection: a run locks every promo it may record an event of
once, in primary-key order (as uploads and mass corrections do), so it waits for a batch and
never deadlocks with it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from promo.models import Promo, PromoEvent
from promo.services.date_events import promo_date_events_record
from promo.services.decision_deadlines import decision_deadlines_record
from promo.services.revisions import revision_record
from promo.services.workflow import next_working_day
from tests.concurrency import run_against_mass_correction
from tests.factories import PromoFactory, PromoLineFactory
from tests.promo.imports.sheets import END, START
from tests.promo.imports.test_import_service import TODAY, products

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_deadline_run_and_a_mass_correction_on_the_same_promos_both_go_through(demo_data, demo_user):
    # given two submitted promos of S001: the older one overdue, the newer one due on the next
    # working day (the run reminds of one and escalates the other)
    marketer = demo_user("marketer")
    a, b = products("S001", 2)
    older = PromoFactory(supplier=a.supplier, start=START, end=END, status=Promo.Status.SUBMITTED,
                         decision_due=TODAY - timedelta(days=1))
    newer = PromoFactory(supplier=a.supplier, start=START, end=END, status=Promo.Status.SUBMITTED,
                         decision_due=next_working_day(TODAY))
    lines = [PromoLineFactory(promo=older, product=a), PromoLineFactory(promo=newer, product=b)]
    assert older.pk < newer.pk

    # when the daily deadline run starts while a mass correction of both waits for the older one
    mass, run = run_against_mass_correction(older, lines, marketer,
                                            lambda: decision_deadlines_record(today=TODAY))

    # then neither was refused by a deadlock: the correction is applied and the run ended
    assert mass.error is None, repr(mass.error)
    assert run.error is None, repr(run.error)
    assert set(Promo.objects.get(pk=older.pk).lines.values_list("discount_percent", flat=True)) == {Decimal("20.00")}
    assert set(Promo.objects.get(pk=newer.pk).lines.values_list("discount_percent", flat=True)) == {Decimal("20.00")}


def test_the_date_event_run_and_a_mass_correction_on_the_same_promos_both_go_through(demo_data, demo_user):
    # given two approved promos of S001: the older one starts today, the newer one tomorrow
    marketer = demo_user("marketer")
    a, b = products("S001", 2)
    promos = []
    for start in (START, START + timedelta(days=1)):
        promo = PromoFactory(supplier=a.supplier, start=start, end=END, status=Promo.Status.APPROVED)
        promos.append(promo)
    older, newer = promos
    lines = [PromoLineFactory(promo=older, product=a), PromoLineFactory(promo=newer, product=b)]
    for promo in promos:
        promo.approved_revision = revision_record(promo=promo)
        promo.save()
    assert older.pk < newer.pk

    # when the date-event run of the start day begins while a mass correction of both waits
    # for the older one
    mass, run = run_against_mass_correction(older, lines, marketer,
                                            lambda: promo_date_events_record(today=START))

    # then neither was refused by a deadlock: the correction is applied, and the run recorded
    # «started» of the older promo and «starts tomorrow» of the newer one
    assert mass.error is None, repr(mass.error)
    assert run.error is None, repr(run.error)
    assert set(Promo.objects.get(pk=newer.pk).lines.values_list("discount_percent", flat=True)) == {Decimal("20.00")}
    assert set(PromoEvent.objects.filter(kind__in=[PromoEvent.Kind.STARTED, PromoEvent.Kind.STARTS_TOMORROW])
               .values_list("kind", "promo_id")) == {(PromoEvent.Kind.STARTED, older.pk),
                                                     (PromoEvent.Kind.STARTS_TOMORROW, newer.pk)}
