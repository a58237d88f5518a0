"""A supplier's requests to the marketers: extend a promo, cancel it. Only a marketer extends
or cancels; the supplier's request is an event for them (and their mail), the promo itself does
not change. A supplier may ask for what a marketer could do now (see
:mod:`promo.services.actions`), and a request to extend keeps the same date rules as the
extension itself."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from promo.models import Promo, PromoEvent
from promo.services.actions import extension_is_request, require_role, require_state
from promo.services.corrections import check_new_end, plain
from promo.services.events import event_record
from promo.services.point_corrections import promo_extend
from promo.services.workflow import as_version, lock, require_reason, stale_error, today_or

Kind = PromoEvent.Kind


def _request(promo: Promo, *, actor, action: str, kind: str, reason: str, version, payload: dict,
             today: date | None = None, new_end: date | None = None) -> PromoEvent:
    """Record a supplier's request to the marketers; the promo itself does not change. The
    same request again (nothing happened since) returns the first one."""
    with transaction.atomic():
        lock(promo)
        standing = require_role(action, promo=promo, actor=actor)
        if as_version(version) not in (None, promo.version):
            raise stale_error(promo)
        require_state(action, promo=promo, standing=standing, today=today)
        if new_end is not None:
            check_new_end(promo, new_end, today_or(today))
        reason = require_reason(reason)
        last = promo.events.order_by("-created_at", "-pk").first()
        if (last is not None and last.kind == kind and last.actor_id == actor.pk
                and last.reason == reason and last.payload.get("request") == payload.get("request")):
            return last
        return event_record(kind=kind, actor=actor, promo=promo, from_status=promo.status,
                            to_status=promo.status, reason=reason,
                            payload={"version": promo.version, "revision": promo.revision, **payload})


def promo_request_extension(*, promo: Promo, actor, new_end: date, reason: str, version: int | None = None,
                            today: date | None = None) -> PromoEvent:
    """The supplier asks the marketers to extend the promo to ``new_end`` (with a reason)."""
    return _request(promo, actor=actor, action="request_extension", kind=Kind.EXTENSION_REQUESTED,
                    reason=reason, version=version, today=today, new_end=new_end,
                    payload={"request": {"new_end": new_end.isoformat()},
                             "changes": [{"field": "end", "old": plain(promo.end), "new": plain(new_end)}]})


def promo_request_cancellation(*, promo: Promo, actor, reason: str, version: int | None = None,
                               today: date | None = None) -> PromoEvent:
    """The supplier asks the marketers to cancel the promo (with a reason)."""
    return _request(promo, actor=actor, action="request_cancellation", kind=Kind.CANCELLATION_REQUESTED,
                    reason=reason, version=version, today=today, payload={"request": {"cancel": True}})


def promo_extend_or_request(*, promo: Promo, actor, new_end: date, reason: str = "",
                            version: int | None = None, today: date | None = None) -> PromoEvent | None:
    """«Extend» for whoever calls it: a marketer extends (returns None); the promo's supplier
    asks the marketers to (returns the request event); anyone else is refused as by
    :func:`~promo.services.point_corrections.promo_extend`."""
    if extension_is_request(actor, promo):
        return promo_request_extension(promo=promo, actor=actor, new_end=new_end, reason=reason,
                                       version=version, today=today)
    promo_extend(promo=promo, actor=actor, new_end=new_end, reason=reason, version=version, today=today)
    return None
