"""promo 0013: the decision events recorded before an accept below the floor was stored as facts
keep the note in the manager's language in ``payload.lines[].reason``; the data step gives them
the reason as typed when the note reads back exactly into the facts the same payload line keeps,
so the mail and the history word the override in their reader's language again."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from promo.models import Promo, PromoEvent, PromoLine
from promo.notifications.messages import EventMessages
from tests.factories import PromoFactory, PromoLineFactory

step = importlib.import_module("promo.migrations.0013_old_floor_notes_in_events").notes_to_facts
pytestmark = pytest.mark.django_db

NOTE_RU = "Согласовано ниже порога маржи (-3,25 % при пороге 10,00 %): Стратегический товар; под акцию сети"
NOTE_EN = "Approved below the margin floor (1,281.50 % against 10.00 %): Competitor"
TYPED_RU = "Стратегический товар; под акцию сети"


def old_line(line, note: str, typed: str, margin: str, floor: str) -> dict:
    """A payload line as the decision services wrote it before promo 0012."""
    return {"line_id": line.pk, "article": line.product.article, "name": line.product.name,
            "decision": "accepted", "old_decision": "pending", "reason": note,
            "below_floor": {"margin": margin, "floor": floor, "shortfall": "13.25", "shortfall_rub": "19.05",
                            "reason": typed}}


def test_old_decision_events_get_the_reason_as_typed_and_are_worded_for_each_reader():
    # given a decision event recorded before promo 0012: one line accepted below the floor in
    # Russian, one in English, one whose note does not match its own facts, with the history row
    # of the first line carrying the manager's comment and the note
    promo = PromoFactory(status=Promo.Status.APPROVED)
    first, second, odd = (PromoLineFactory(promo=promo, decision="accepted") for _ in range(3))
    mismatch = "Согласовано ниже порога маржи (-9,99 % при пороге 10,00 %): Другое"
    event = PromoEvent.objects.create(kind=PromoEvent.Kind.PROMO_APPROVED, promo=promo, reason="Беру", payload={
        "lines": [old_line(first, NOTE_RU, TYPED_RU, "-3.2512", "10"),
                  old_line(second, NOTE_EN, "Competitor", "1281.5", "10.00"),
                  old_line(odd, mismatch, "Другое", "-3.25", "10.00")],
        "accepted": 3, "rejected": 0})
    history = PromoLine.history.filter(id=first.pk).latest("history_id")
    history.history_change_reason = f"Беру; {NOTE_RU}"
    history.save()
    with translation.override("en"):
        before = EventMessages(event).render()[1]
    assert NOTE_RU in before  # the Russian note reached English readers as it was

    # when the data step runs
    step(apps, None)

    # then the lines whose note reads back into their facts keep the reason as typed
    event.refresh_from_db()
    reasons = [line["reason"] for line in event.payload["lines"]]
    assert reasons == [TYPED_RU, "Competitor", mismatch]
    assert event.payload["lines"][0]["below_floor"]["margin"] == "-3.2512"  # the facts are untouched
    assert PromoLine.history.filter(id=first.pk).latest("history_id").history_change_reason == f"Беру; {TYPED_RU}"
    # and each reader's mail words the override in their language
    with translation.override("en"):
        english = EventMessages(event).render()[1]
    with translation.override("ru"):
        russian = EventMessages(event).render()[1]
    assert f"Approved below the margin floor (-3.25 % against 10.00 %): {TYPED_RU}" in english
    assert NOTE_RU not in english
    assert f"Согласовано ниже порога маржи (-3,25 % при пороге 10,00 %): {TYPED_RU}" in russian
    assert "Согласовано ниже порога маржи (1281,50 % при пороге 10,00 %): Competitor" in russian
    # and a second run changes nothing more
    step(apps, None)
    event.refresh_from_db()
    assert [line["reason"] for line in event.payload["lines"]] == reasons
