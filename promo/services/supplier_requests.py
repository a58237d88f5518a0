"""A supplier's requests to the marketers: extend a promo, cancel it; and their answers.

A request is a :class:`~promo.models.SupplierRequest` (open until answered) plus the event that
mails it to the marketers and the managers of the promo's categories. A supplier may ask for
what a marketer could do now (see :mod:`promo.services.actions`), once per kind while a request
is open; a request to extend keeps the same date rules as the extension itself. The same request
again from the same person within ``REPEAT_WINDOW`` (a double click, an API client's retry) answers
with the first one instead of ``request_open``.

Only a marketer extends or cancels, so only a marketer accepts (:func:`request_accept` runs
:func:`~promo.services.point_corrections.promo_extend` or
:func:`~promo.services.transitions.promo_cancel`); a marketer or a manager of the promo's
categories declines, with a reason (:func:`request_decline`). Either answer is one event, mailed
to the supplier (and to the others concerned): the extension or cancellation it ran is told in
the same mail, not in a second one.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from promo.models import Promo, PromoEvent, SupplierRequest
from promo.services.actions import extension_is_request, require_role, require_state
from promo.services.corrections import check_new_end, plain
from promo.services.errors import IllegalStateError
from promo.services.events import event_record
from promo.services.point_corrections import promo_extend
from promo.services.transitions import promo_cancel
from promo.services.workflow import (
    REPEAT_WINDOW,
    as_version,
    lock,
    require_reason,
    stale_error,
    today_or,
    user_name,
)

Kind = PromoEvent.Kind
RequestKind = SupplierRequest.Kind

REQUEST_ANSWERED = _("На этот запрос уже ответили (%(who)s, %(when)s).")
DECLINE_REASON_REQUIRED = _("Укажите, почему запрос отклонён.")
ACCEPT_REASON = _("По запросу поставщика: %(reason)s")


def _request(promo: Promo, *, actor, action: str, kind: str, event_kind: str, reason: str, version,
             today: date | None = None, new_end: date | None = None) -> SupplierRequest:
    """Record a supplier's request to the marketers; the promo itself does not change. While
    a request of the same kind is open, another is refused (``request_open``), unless it is the
    very same one again (:func:`_repeated`): that answers with the first, changing nothing."""
    with transaction.atomic():
        lock(promo)
        standing = require_role(action, promo=promo, actor=actor)
        repeated = _repeated(promo, actor=actor, kind=kind, new_end=new_end, reason=reason)
        if repeated is not None:
            return repeated
        if as_version(version) not in (None, promo.version):
            raise stale_error(promo)
        require_state(action, promo=promo, standing=standing, today=today)
        if new_end is not None:
            check_new_end(promo, new_end, today_or(today))
        reason = require_reason(reason)
        request = SupplierRequest.objects.create(promo=promo, kind=kind, new_end=new_end, reason=reason,
                                                 requested_by=actor)
        payload = {"version": promo.version, "revision": promo.revision, "request_id": request.pk}
        if new_end is not None:
            payload |= {"request": {"new_end": new_end.isoformat()},
                        "changes": [{"field": "end", "old": plain(promo.end), "new": plain(new_end)}]}
        else:
            payload["request"] = {"cancel": True}
        event_record(kind=event_kind, actor=actor, promo=promo, from_status=promo.status, to_status=promo.status,
                     reason=reason, payload=payload)
    return request


def _repeated(promo: Promo, *, actor, kind: str, new_end: date | None, reason: str) -> SupplierRequest | None:
    """The open request this one repeats: the same person, kind, date and reason, asked within
    ``REPEAT_WINDOW`` (the promo is locked, so a retry at the same moment finds it too)."""
    return (SupplierRequest.objects
            .filter(promo=promo, kind=kind, requested_by=actor, new_end=new_end, reason=(reason or "").strip(),
                    status=SupplierRequest.Status.OPEN, created_at__gte=timezone.now() - REPEAT_WINDOW)
            .order_by("-created_at", "-pk").first())


def promo_request_extension(*, promo: Promo, actor, new_end: date, reason: str, version: int | None = None,
                            today: date | None = None) -> SupplierRequest:
    """The supplier asks the marketers to extend the promo to ``new_end`` (with a reason)."""
    return _request(promo, actor=actor, action="request_extension", kind=RequestKind.EXTENSION,
                    event_kind=Kind.EXTENSION_REQUESTED, reason=reason, version=version, today=today,
                    new_end=new_end)


def promo_request_cancellation(*, promo: Promo, actor, reason: str, version: int | None = None,
                               today: date | None = None) -> SupplierRequest:
    """The supplier asks the marketers to cancel the promo (with a reason)."""
    return _request(promo, actor=actor, action="request_cancellation", kind=RequestKind.CANCELLATION,
                    event_kind=Kind.CANCELLATION_REQUESTED, reason=reason, version=version, today=today)


def promo_extend_or_request(*, promo: Promo, actor, new_end: date, reason: str = "",
                            version: int | None = None, today: date | None = None) -> SupplierRequest | None:
    """«Extend» for whoever calls it: a marketer extends (returns None); the promo's supplier
    asks the marketers to (returns the request); anyone else is refused as by
    :func:`~promo.services.point_corrections.promo_extend`."""
    if extension_is_request(actor, promo):
        return promo_request_extension(promo=promo, actor=actor, new_end=new_end, reason=reason,
                                       version=version, today=today)
    promo_extend(promo=promo, actor=actor, new_end=new_end, reason=reason, version=version, today=today)
    return None


def _answering(request: SupplierRequest, *, actor, action: str) -> tuple[Promo, SupplierRequest, object]:
    """Lock the promo and the request, check the actor's role; refuse a request answered
    already. Returns the promo, the fresh request and the actor's standing."""
    promo = lock(Promo.objects.get(pk=request.promo_id))
    fresh = SupplierRequest.objects.select_for_update(of=("self",)).select_related("answered_by").get(pk=request.pk)
    standing = require_role(action, promo=promo, actor=actor)
    if not fresh.is_open:
        when = timezone.localtime(fresh.answered_at).strftime("%d.%m.%Y %H:%M") if fresh.answered_at else ""
        raise IllegalStateError(REQUEST_ANSWERED % {"who": user_name(fresh.answered_by), "when": when},
                                code="request_answered")
    return promo, fresh, standing


def _mark(request: SupplierRequest, *, actor, status: str, answer: str) -> None:
    request.status = status
    request.answered_by = actor
    request.answer = answer
    request.answered_at = timezone.now()
    request._history_user = actor
    request.save(update_fields=["status", "answered_by", "answer", "answered_at", "updated_at"])


def _announce(request: SupplierRequest, promo: Promo, *, actor, kind: str, from_status: str,
              payload: dict | None = None) -> SupplierRequest:
    event_record(kind=kind, actor=actor, promo=promo, from_status=from_status, to_status=promo.status,
                 reason=request.answer, payload={
                     "request_id": request.pk, "request_kind": request.kind,
                     "requested_end": plain(request.new_end), "request_reason": request.reason,
                     "version": promo.version, "revision": promo.revision, **(payload or {})})
    return request


def request_accept(*, request: SupplierRequest, actor, reason: str = "", today: date | None = None) -> SupplierRequest:
    """A marketer grants the request: the promo is extended to the date asked for (a new
    revision that goes to approval) or cancelled (which closes its other open request), and the
    request is accepted, in one transaction. ``reason`` is the marketer's word to the supplier
    (optional: the extension or cancellation then gives the supplier's reason)."""
    action = "accept_extension" if request.kind == RequestKind.EXTENSION else "accept_cancellation"
    with transaction.atomic():
        promo, request, standing = _answering(request, actor=actor, action=action)
        require_state(action, promo=promo, standing=standing, today=today)
        answer = (reason or "").strip()
        # Stored text, read by everyone: in the portal's language, not in the one of whoever
        # happened to accept (an English page left «At the supplier's request» in Russian history).
        with translation.override(settings.LANGUAGE_CODE):
            because = answer or str(ACCEPT_REASON % {"reason": request.reason})
        from_status, old_end = promo.status, promo.end
        _mark(request, actor=actor, status=SupplierRequest.Status.ACCEPTED, answer=answer)
        payload = {}
        if request.kind == RequestKind.EXTENSION:
            promo_extend(promo=promo, actor=actor, new_end=request.new_end, reason=because, today=today,
                         notify=False)
            payload["changes"] = [{"field": "end", "old": plain(old_end), "new": plain(promo.end)}]
        else:
            promo_cancel(promo=promo, actor=actor, reason=because, today=today, notify=False)
        return _announce(request, promo, actor=actor, kind=Kind.REQUEST_ACCEPTED, from_status=from_status,
                         payload=payload)


def request_decline(*, request: SupplierRequest, actor, reason: str) -> SupplierRequest:
    """A marketer or a manager of the promo's categories says no, with a reason; the promo
    does not change."""
    with transaction.atomic():
        promo, request, standing = _answering(request, actor=actor, action="decline_request")
        require_state("decline_request", promo=promo, standing=standing)
        answer = require_reason(reason, DECLINE_REASON_REQUIRED)
        _mark(request, actor=actor, status=SupplierRequest.Status.DECLINED, answer=answer)
        return _announce(request, promo, actor=actor, kind=Kind.REQUEST_DECLINED, from_status=promo.status)
