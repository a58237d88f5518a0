"""The data steps of this work's migrations, run on today's models: the suppliers' requests
recorded as events become records (promo/0006), the promos waiting for approval get the
decision clock of their current revision (promo/0007), and an accept below the price floor
written into the reason becomes facts and the reason as typed (promo/0012)."""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.utils import timezone

from promo.models import Promo, PromoEvent, PromoLine, SupplierRequest
from tests.factories import PromoFactory, PromoLineFactory, supplier_user
from tests.factories import marketer as make_marketer

requests_step = importlib.import_module("promo.migrations.0006_supplier_requests").requests_from_events
clocks_step = importlib.import_module("promo.migrations.0007_promo_decision_clock").clocks_for_waiting_promos
floor_step = importlib.import_module("promo.migrations.0012_promoline_below_floor").facts_from_old_notes
Kind = PromoEvent.Kind
pytestmark = pytest.mark.django_db
ZONE = ZoneInfo("Asia/Novosibirsk")


def event(promo, kind, *, actor=None, when, reason="", payload=None, to_status=""):
    row = PromoEvent.objects.create(kind=kind, promo=promo, actor=actor, reason=reason, payload=payload or {},
                                    to_status=to_status)
    PromoEvent.objects.filter(pk=row.pk).update(created_at=when)
    return row


def test_requests_recorded_as_events_become_records():
    # given the events of three promos: an extension asked and granted, an extension asked twice
    # and not answered (the promo still approved: the newer one waits, the older is closed), a
    # cancellation asked and the promo cancelled
    base = datetime(2026, 10, 1, 10, 0, tzinfo=ZONE)
    granted, waiting, cancelled = (PromoFactory(status=status) for status in (
        Promo.Status.SUBMITTED, Promo.Status.APPROVED, Promo.Status.CANCELLED))
    asker = supplier_user(granted.supplier)
    marketer = make_marketer()
    event(granted, Kind.EXTENSION_REQUESTED, actor=asker, when=base, reason="Спрос",
          payload={"request": {"new_end": "2027-05-10"}})
    event(granted, Kind.PROMO_EXTENDED, actor=marketer, when=base + timedelta(days=1), reason="Да",
          payload={"changes": [{"field": "end", "old": "2027-04-30", "new": "2027-05-10"}]})
    event(waiting, Kind.EXTENSION_REQUESTED, actor=asker, when=base, reason="Первый",
          payload={"request": {"new_end": "2027-05-10"}})
    event(waiting, Kind.EXTENSION_REQUESTED, actor=asker, when=base + timedelta(hours=1), reason="Второй",
          payload={"request": {"new_end": "2027-05-12"}})
    event(cancelled, Kind.CANCELLATION_REQUESTED, actor=asker, when=base, reason="Нет товара",
          payload={"request": {"cancel": True}})
    event(cancelled, Kind.PROMO_CANCELLED, actor=marketer, when=base + timedelta(days=2), reason="Снято")
    # when the data step runs
    requests_step(apps, None)

    # then each request event is a record by its author at its time, answered as it was
    rows = {(r.promo_id, r.reason): r for r in SupplierRequest.objects.all()}
    done = rows[(granted.pk, "Спрос")]
    assert (done.kind, done.status, done.new_end, done.requested_by, done.answered_by, done.answer) == (
        "extension", "accepted", date(2027, 5, 10), asker, marketer, "Да")
    assert done.created_at == base
    assert rows[(waiting.pk, "Первый")].status == "declined"
    assert rows[(waiting.pk, "Второй")].status == "open"
    assert rows[(cancelled.pk, "Нет товара")].status == "accepted"
    assert SupplierRequest.objects.count() == 4


def test_waiting_promos_get_the_clock_of_their_current_revision(settings):
    # given a submitted promo in revision 2, its revision sent on Monday 23.11.2026, and a draft
    settings.PROMO_DECISION_WORKING_DAYS, settings.PROMO_DECISION_BUFFER_DAYS = 3, 7
    sent = datetime(2026, 11, 23, 9, 0, tzinfo=ZONE)
    promo = PromoFactory(status=Promo.Status.SUBMITTED, revision=2, start=date(2027, 3, 1))
    event(promo, Kind.PROMO_SUBMITTED, when=sent - timedelta(days=20), payload={"revision": 1},
          to_status="submitted")
    event(promo, Kind.PROMO_CORRECTED, when=sent, payload={"revision": 2}, to_status="submitted")
    draft = PromoFactory(status=Promo.Status.DRAFT)

    # when the data step runs
    clocks_step(apps, None)

    # then the submitted promo's clock is its revision 2's, due Thursday; the draft has none
    promo.refresh_from_db()
    assert timezone.localtime(promo.submitted_at, ZONE) == sent
    assert promo.decision_due == date(2026, 11, 26)
    assert Promo.objects.get(pk=draft.pk).decision_due is None


def test_an_old_below_floor_note_becomes_facts_and_the_reason_as_typed():
    # given lines accepted below the floor before the facts were stored: the note written into
    # the reason in the manager's language (Russian, English), with a history row each; a
    # rejected line whose reason merely quotes the words; an ordinary accepted line
    promo = PromoFactory(status=Promo.Status.SUBMITTED)
    old_ru = PromoLineFactory(promo=promo, decision="accepted", decision_reason=(
        "Согласовано ниже порога маржи (-3,25 % при пороге 10,00 %): Стратегический товар"))
    old_en = PromoLineFactory(promo=promo, decision="accepted", decision_reason=(
        "Approved below the margin floor (1,281.50 % against 10.00 %): Competitor: promo"))
    quoted = PromoLineFactory(promo=promo, decision="rejected", decision_reason=(
        "Согласовано ниже порога маржи (нет): не подходит"))
    plain = PromoLineFactory(promo=promo, decision="accepted", decision_reason="")

    # when the data step runs
    floor_step(apps, None)

    # then the notes are facts, the reasons as typed, in the lines and their history
    def state(line):
        line = PromoLine.objects.get(pk=line.pk)
        return line.decision_reason, line.below_floor

    assert state(old_ru) == ("Стратегический товар", {"margin": "-3.25", "floor": "10.00"})
    assert state(old_en) == ("Competitor: promo", {"margin": "1281.50", "floor": "10.00"})
    assert PromoLine.history.filter(id=old_ru.pk).latest("history_id").below_floor == {"margin": "-3.25",
                                                                                     "floor": "10.00"}
    assert PromoLine.history.filter(id=old_ru.pk).latest("history_id").decision_reason == "Стратегический товар"
    # and what does not read as such a note is left as it is
    assert state(quoted) == ("Согласовано ниже порога маржи (нет): не подходит", None)
    assert state(plain) == ("", None)
