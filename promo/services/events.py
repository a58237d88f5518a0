"""Recording business events. Every service that changes a promo calls :func:`event_record`
inside its transaction; the event is handed down to the notifications package
(:func:`promo.notifications.notify_event`), which fills the outbox in that same transaction, so
a change and its e-mails commit or roll back together."""

from __future__ import annotations

from promo.models import PromoEvent
from promo.notifications import notify_event


def event_record(
    *,
    kind: str,
    actor=None,
    promo=None,
    upload=None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    internal: bool = False,
    payload: dict | None = None,
    notify: bool = True,
) -> PromoEvent:
    """Write one event row and queue its notifications (unless ``notify`` is False, e.g.
    per-promo events of a bulk import that is announced once as a digest)."""
    event = PromoEvent.objects.create(
        kind=kind, actor=actor, promo=promo, upload=upload, from_status=from_status,
        to_status=to_status, reason=reason, internal=internal, payload=payload or {},
    )
    if notify:
        notify_event(event)
    return event


def event_notify(event: PromoEvent) -> None:
    """Queue the notifications of an event recorded with ``notify=False`` after all (a bulk
    action that touched one promo of a kind announces that promo's own event)."""
    notify_event(event)
