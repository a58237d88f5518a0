"""Families of event kinds, and which promos an event is about (read from its payload)."""

from __future__ import annotations

from config.parsing import parse_id
from promo.models import PromoEvent

Kind = PromoEvent.Kind

EXPORT_KINDS = frozenset({Kind.EXPORT_FAILED, Kind.EXPORT_WARNINGS})
UPLOAD_KINDS = frozenset({Kind.UPLOAD_IMPORTED, Kind.UPLOAD_REJECTED})
DIGEST_KINDS = frozenset({Kind.UPLOAD_IMPORTED, Kind.MASS_CORRECTED})
DATE_KINDS = frozenset({Kind.STARTS_TOMORROW, Kind.STARTED, Kind.FINISHED})
DEADLINE_KINDS = frozenset({Kind.DECISION_DUE, Kind.DECISION_OVERDUE})


def is_digest(event: PromoEvent) -> bool:
    """One message listing many promos: an import, a mass correction, and the one event of a
    bulk action or of the daily deadline run (no promo of its own, the payload lists them)."""
    if event.kind in DIGEST_KINDS:
        return True
    payload = event.payload if isinstance(event.payload, dict) else {}
    return event.promo_id is None and isinstance(payload.get("promos"), list) and event.kind not in EXPORT_KINDS


def as_pk(item) -> int | None:
    """A promo id from a payload item: ``12``, ``"12"`` or ``{"id": 12, ...}`` (also ``pk``,
    ``promo_id``, ``promo``); anything else is None."""
    if isinstance(item, dict):
        item = next((item[key] for key in ("id", "pk", "promo_id", "promo") if key in item), None)
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        return item
    if isinstance(item, str):
        return parse_id(item)
    return None


def event_promo_ids(event: PromoEvent) -> list[int]:
    """The promos an event is about, in the order the event lists them."""
    items = event.payload.get("promos") if isinstance(event.payload, dict) else None
    ids = [pk for pk in map(as_pk, items) if pk is not None] if isinstance(items, list) else []
    if event.promo_id:
        ids.insert(0, event.promo_id)
    if not ids and event.upload_id and event.kind in UPLOAD_KINDS:
        ids = list(event.upload.promos.order_by("pk").values_list("pk", flat=True))
    return list(dict.fromkeys(ids))
