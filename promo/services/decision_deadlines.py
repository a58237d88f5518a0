"""Reminders and escalation of decision deadlines, recorded by a daily beat task
(promo/tasks/workflow.py; the due dates themselves: :mod:`promo.deadlines`, set by the kernel's
:func:`~promo.services.workflow.decision_clock`).

- ``decision_due``: a submitted revision due on the next working day (or today, when it was sent
  after the run of the day before, so it was not reminded then); the managers whose lines
  still wait (the deciding managers) are reminded;
- ``decision_overdue``: a submitted revision past its due date; the deciding managers (whose
  lines still wait), the marketers and the head of category group (if configured) are told.

Who is told is the routing table's (:mod:`promo.notifications.routing`), each person's settings
respected; a re-run mails nobody twice, since nothing is recorded twice.

Each is recorded once per promo and revision (the event carries the revision it is about; the
promo rows are locked while checking, so two runs at once record nothing twice). The promos'
own events are not mailed one by one: ONE digest event per kind and run lists them, and each
person gets one message with the promos that concern them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from promo.models import Promo, PromoEvent
from promo.services.events import event_record
from promo.services.workflow import next_working_day

Kind = PromoEvent.Kind


@dataclass
class DeadlineReport:
    """What one run recorded: the promos reminded and escalated, and the digest events."""

    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    events: list[PromoEvent] = field(default_factory=list)


def _kind_of(due: date, today: date) -> str | None:
    """Which deadline event a submitted revision due on ``due`` gets today, if any."""
    if due < today:
        return Kind.DECISION_OVERDUE
    # Due on the next working day; or today, for a revision sent after the run of the day
    # before (reminded then, it is not reminded again: once per revision).
    if today <= due <= next_working_day(today):
        return Kind.DECISION_DUE
    return None


def decision_deadlines_record(*, today: date) -> DeadlineReport:
    """Record today's reminders and escalations (see the module docstring)."""
    report = DeadlineReport()
    with transaction.atomic():
        # Every promo of the run is locked once, in primary-key order, as every batch of the
        # portal locks them (uploads, mass corrections): one statement per kind would lock them
        # out of that order and deadlock with a batch sharing promos of both kinds.
        locked = list(Promo.objects.select_for_update()
                      .filter(status=Promo.Status.SUBMITTED, decision_due__lte=next_working_day(today))
                      .order_by("pk"))
        by_kind: dict[str, list[Promo]] = {Kind.DECISION_DUE: [], Kind.DECISION_OVERDUE: []}
        for promo in locked:
            kind = _kind_of(promo.decision_due, today)
            if kind is not None:
                by_kind[kind].append(promo)
        for kind, promos in by_kind.items():
            if not promos:
                continue
            done = set(PromoEvent.objects.filter(kind=kind, promo__in=promos)
                       .values_list("promo_id", "payload__revision"))
            fresh = [promo for promo in promos if (promo.pk, promo.revision) not in done]
            if not fresh:
                continue
            for promo in fresh:
                event_record(kind=kind, promo=promo, from_status=promo.status, to_status=promo.status,
                             payload={"revision": promo.revision, "date": promo.decision_due.isoformat()},
                             notify=False)
            ids = [promo.pk for promo in fresh]
            report.events.append(event_record(kind=kind, payload={
                "promos": ids, "count": len(ids), "date": today.isoformat(),
                "due": {str(promo.pk): promo.decision_due.isoformat() for promo in fresh},
            }))
            (report.reminded if kind == Kind.DECISION_DUE else report.escalated).extend(ids)
    return report
