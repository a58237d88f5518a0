"""The date-based promo events: «starts tomorrow», «started» and «finished», recorded once per
promo and day by a daily beat task (promo/tasks/notifications.py). Recording them is an ordinary
event (:func:`promo.services.events.event_record`), so they are mailed like any other."""

from __future__ import annotations

import operator
from datetime import date, timedelta
from functools import reduce

from django.db import transaction
from django.db.models import Q

from promo.models import Promo, PromoEvent
from promo.services.events import event_record

Kind = PromoEvent.Kind

# A date-based event missed by a day or two (beat was down) is still sent, not older ones.
DATE_EVENT_CATCH_UP_DAYS = 3


def _date_event_plan(today: date) -> list[tuple[str, Q, str]]:
    """(kind, which approved revisions, the boundary date field) of each date-based event."""
    catch_up = timedelta(days=DATE_EVENT_CATCH_UP_DAYS)
    yesterday = today - timedelta(days=1)
    return [
        (Kind.STARTS_TOMORROW, Q(approved_revision__start=today + timedelta(days=1)), "start"),
        (Kind.STARTED, Q(approved_revision__start__range=(today - catch_up, today),
                         approved_revision__end__gte=today), "start"),
        (Kind.FINISHED, Q(approved_revision__end__range=(yesterday - catch_up, yesterday)), "end"),
    ]


def promo_date_events_record(*, today: date) -> list[PromoEvent]:
    """Record «starts tomorrow», «started» and «finished» for promos whose approved revision is
    in force (not cancelled or withdrawn), each once: the event carries the date it is about
    (``payload.date``) and is not recorded again for the same promo, kind and date. Running
    it twice a day, or from two workers at once, records nothing twice (the promo rows are
    locked while checking)."""
    created: list[PromoEvent] = []
    plan = _date_event_plan(today)
    with transaction.atomic():
        # Every promo of the run is locked once, in primary-key order, as every batch of the
        # portal locks them (uploads, mass corrections): one statement per kind would lock them
        # out of that order and deadlock with a batch sharing promos of two kinds.
        locked = list(
            Promo.objects.select_for_update(of=("self",))
            .filter(reduce(operator.or_, (condition for _kind, condition, _boundary in plan)),
                    approved_revision__isnull=False)
            .exclude(status__in=Promo.Status.final())
            .order_by("pk").values_list("pk", flat=True)
        )
        if not locked:
            return created
        for kind, condition, boundary in plan:
            promos = list(Promo.objects.filter(condition, pk__in=locked)
                          .select_related("approved_revision").order_by("pk"))
            if not promos:
                continue
            done = set(PromoEvent.objects.filter(kind=kind, promo__in=promos)
                       .values_list("promo_id", "payload__date"))
            for promo in promos:
                revision = promo.approved_revision
                day = getattr(revision, boundary).isoformat()
                if (promo.pk, day) in done:
                    continue
                created.append(event_record(
                    kind=kind, promo=promo, payload={"date": day, "revision": revision.number},
                ))
    return created
