"""What list pages write of a promo in each row, worked out once per page (issue 12): its link
from one reversed URL, its mechanic and status in the active language from one translation
of the choices, its period as the template filter ``date:"d.m.Y"`` writes it. A page builds
one :class:`PromoTexts` and asks it per row; the promo list (promo/views/list_rows.py), the
approval queue (promo/views/queue_rows.py), the calendar, the activity log and the home page
use it. tests/promo/views/test_row_texts.py holds it to what
``get_absolute_url``, ``get_<field>_display`` and the filters answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from promo.models import Promo, PromoEvent
from promo.models.promo import promo_code
from promo.services.actions import BULK_ACTIONS

# An id no promo has, reversed in place of the real one and then replaced by it.
_SENTINEL = 987654321987654321


def pk_url(name: str) -> Callable[[int], str]:
    """``pk -> reverse(name, args=[pk])`` for a URL with one integer id, reversed once (a
    ``reverse`` costs about 40 µs; a page of 300 calendar bars asked for 300 of them)."""
    before, found, after = reverse(name, args=[_SENTINEL]).partition(str(_SENTINEL))
    if not found:  # a converter that rewrites the id: reverse each time
        return lambda pk: reverse(name, args=[pk])
    return lambda pk: f"{before}{pk}{after}"


def period_text(start: date, end: date) -> str:
    """«01.03.2026 – 31.03.2026», as ``{{ start|date:"d.m.Y" }} – {{ end|date:"d.m.Y" }}``."""
    return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"


class PromoTexts:
    """Per page: the texts of a promo's row that do not depend on the user's rights."""

    def __init__(self) -> None:
        self.detail_url = pk_url("promo:promo_detail")
        self.mechanics = {key: str(label) for key, label in Promo.Mechanic.choices}
        self.statuses = {key: str(label) for key, label in Promo.Status.choices}

    def url(self, promo: Promo) -> str:
        return self.detail_url(promo.pk)

    def mechanic(self, promo: Promo) -> str:
        return self.mechanics.get(promo.mechanic, promo.mechanic)

    def status(self, promo: Promo) -> str:
        return self.statuses.get(promo.status, promo.status)

    @staticmethod
    def period(promo: Promo) -> str:
        return period_text(promo.start, promo.end)


@dataclass(frozen=True, slots=True)
class PromoRow:
    """The cells every list of promos writes for a row (the promo list's and the queue's rows
    add their own): numbers as text, since an integer in a template is localised each time."""

    promo: Promo
    id: str
    code: str
    version: str
    url: str
    name: str
    actions: str  # the bulk actions its row allows, space-separated in BULK_ACTIONS' order ("" when none)
    supplier: str  # «code name» ("" when the list does not show suppliers)
    mechanic: str
    period: str


def promo_row(texts: PromoTexts, promo: Promo, *, with_supplier: bool = True) -> dict:
    """The :class:`PromoRow` fields of ``promo`` (its ``bulk_actions`` set by the view, its
    ``supplier`` read with it), for a row class that extends it: ``QueueRow(**promo_row(...), ...)``."""
    allowed = getattr(promo, "bulk_actions", ())
    return {
        "promo": promo, "id": str(promo.pk), "code": promo.code, "version": str(promo.version),
        "url": texts.url(promo), "name": promo.name,
        "actions": " ".join(action for action in BULK_ACTIONS if action in allowed),
        "supplier": f"{promo.supplier.code} {promo.supplier.name}" if with_supplier else "",
        "mechanic": texts.mechanic(promo), "period": texts.period(promo),
    }


def in_force_period(promo: Promo) -> tuple[date, date] | None:
    """The period of the approved revision in force when a newer revision of the promo waits
    for a decision or was rejected (the promo's own dates are the newer one's); else None.
    Reads ``force_start``/``force_end`` annotated by :func:`with_force_period`."""
    if promo.status not in Promo.Status.behind_newer():
        return None
    start, end = getattr(promo, "force_start", None), getattr(promo, "force_end", None)
    return (start, end) if start is not None and end is not None else None


def with_force_period(promos):
    """``promos`` with the period and number of their approved revision (``force_start``/
    ``force_end``/``force_number``), what :func:`in_force_period` and :func:`in_force_state` read."""
    return promos.annotate(force_start=F("approved_revision__start"), force_end=F("approved_revision__end"),
                           force_number=F("approved_revision__number"))


def in_force_state(promo: Promo, texts: PromoTexts) -> str:
    """«действует ревизия 1: <dates>; ревизия 2 на согласовании: <dates>» (or «… отклонена …»)
    for a promo whose approved revision is in force while a newer one waits or was rejected
    (:func:`in_force_period`), "" for any other: the calendar's tooltip
    (promo/views/marketer.py) and the home's rows say it in these words."""
    force = in_force_period(promo)
    if force is None:
        return ""
    newer = _("ревизия %(number)s на согласовании: %(period)s") if promo.status == Promo.Status.SUBMITTED else _(
        "ревизия %(number)s отклонена: %(period)s")
    return "; ".join((
        _("действует ревизия %(number)s: %(period)s") % {"number": promo.force_number, "period": period_text(*force)},
        newer % {"number": promo.revision, "period": texts.period(promo)}))


# The promos of one bulk action a row names (the rest as «+N»; the .xlsx names them all).
BULK_SHOWN = 5


def bulk_promo_ids(event: PromoEvent) -> list[int]:
    """The promos a bulk action's one event is about (``payload["promos"]``: a bulk action
    records one event without a promo for its digest), else []."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    ids = payload.get("promos") if event.promo_id is None and payload.get("bulk") else None
    return [pk for pk in ids if isinstance(pk, int)] if isinstance(ids, list) else []


def bulk_codes(events) -> dict[int, list[tuple[str, int]]]:
    """``{event pk: [(code, promo pk), ...]}`` of the bulk events among ``events``, by code: one
    query for all of them (none when there are none). A promo gone since is left out."""
    wanted = {event.pk: bulk_promo_ids(event) for event in events}
    ids = {pk for found in wanted.values() for pk in found}
    if not ids:
        return {}
    present = set(Promo.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return {event_pk: sorted((promo_code(pk), pk) for pk in found if pk in present)
            for event_pk, found in wanted.items() if found}
