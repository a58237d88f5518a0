"""The workflow kernel: what every change to a promo does the same way (STYLE.md §4).

A change of a promo, whichever use case makes it (:mod:`~promo.services.transitions`,
:mod:`~promo.services.supplier_requests`, :mod:`~promo.services.point_corrections`,
:mod:`~promo.services.mass_corrections`, the corrected upload):

1. runs in one transaction and :func:`lock` s the promo row (``select_for_update``) and reloads it;
2. checks the actor's role and the promo's state with the predicates of
   :mod:`promo.services.actions` (the pages and the API offer actions by the same predicates);
3. checks ``version`` with :func:`check_version` (optimistic locking): a stale version raises
   :class:`~promo.services.errors.StaleVersionError` and writes nothing, except a repeat of the
   very same action by the same person (a double click), which returns without change;
4. returns without change if nothing changes;
5. bumps ``promo.version`` and saves with ``update_fields`` (:func:`save_promo`,
   :func:`save_lines`), with the simple-history change reason, and :func:`record` s a
   :class:`~promo.models.PromoEvent` (notifications are queued from the event in the same
   transaction).

A change to the terms (dates, a line, an extension, a corrected upload) puts the changed lines
back to pending (:func:`reset_decisions`), freezes a new revision (:func:`new_revision`) and
sends the promo back to approval (:func:`back_to_approval`), while ``approved_revision`` keeps
pointing at the revision in force, which is what exports read.

Each revision that goes to approval starts its decision clock (:func:`decision_clock`): when it
was sent and the day a decision is due (:mod:`promo.deadlines`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_update_with_history

from promo import deadlines
from promo.models import Promo, PromoEvent, PromoLine, SupplierRequest
from promo.models.requests import CLOSED_ANSWERS
from promo.services.errors import InvalidError, NotFoundError, StaleVersionError
from promo.services.events import event_record
from promo.services.revisions import revision_record

Status = Promo.Status
Decision = PromoLine.Decision

STALE_VERSION = _("Промо уже изменено другим пользователем, обновите страницу.")
STALE_VERSION_BY = _("Промо уже изменено (%(who)s, %(when)s), обновите страницу.")
VERSION_INVALID = _("Неверная версия промо, обновите страницу.")
NOT_VISIBLE = _("Промо не найдено.")
REASON_REQUIRED = _("Укажите причину.")

# The same request from the same person again within this time is a double click or a client's
# retry, not a new one: a comment (promo.services.comments), a supplier's request
# (promo.services.supplier_requests) return the first one. (A change of the promo needs no
# window: its version tells a repeat, see check_version.)
REPEAT_WINDOW = timedelta(seconds=30)

# The line fields a decision sets (and a reset clears).
UNDO_DECISION_FIELDS = [
    "decision", "decision_reason", "below_floor", "decided_by", "decided_at", "updated_at",
]


def user_name(user) -> str:
    if user is None:
        return str(_("система"))
    return user.get_full_name() or user.get_username()


def today_or(today: date | None) -> date:
    return today or timezone.localdate()


def require_reason(text: str, message=REASON_REQUIRED) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidError(message, code="reason_required")
    return text


def status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


def lock(promo: Promo) -> Promo:
    """Lock the promo row until the transaction ends and reload it (the caller's instance)."""
    try:
        promo.refresh_from_db(from_queryset=Promo.objects.select_for_update())
    except Promo.DoesNotExist:
        raise NotFoundError(NOT_VISIBLE) from None
    return promo


def stale_error(promo: Promo) -> StaleVersionError:
    """The stale message, naming who changed the promo last and when, if the history knows."""
    last = promo.history.select_related("history_user").order_by("-history_date", "-history_id").first()
    if last is None or last.history_user is None:
        return StaleVersionError(STALE_VERSION)
    when = timezone.localtime(last.history_date).strftime("%d.%m.%Y %H:%M")
    return StaleVersionError(STALE_VERSION_BY % {"who": user_name(last.history_user), "when": when})


def as_version(version) -> int | None:
    if version is None or version == "":
        return None
    try:
        return int(version)
    except (TypeError, ValueError):
        raise InvalidError(VERSION_INVALID, code="version_invalid") from None


def check_version(promo: Promo, *, actor, version, action: str) -> bool:
    """True if the call may go on. A stale version is refused, unless it is the same person
    repeating the very action that consumed that version (a double click): then False, and
    the caller returns without change."""
    version = as_version(version)
    if version is None or version == promo.version:
        return True
    last = promo.events.order_by("-created_at", "-pk").first()
    if (last is not None and actor is not None and last.actor_id == actor.pk
            and last.payload.get("action") == action and last.payload.get("from_version") == int(version)):
        return False
    raise stale_error(promo)


def save_promo(promo: Promo, *, actor, reason: str, fields: Iterable[str]) -> None:
    """Bump the version and save the named fields, with the actor and the reason in history."""
    promo.version += 1
    promo._history_user = actor
    promo._change_reason = reason
    promo.save(update_fields=sorted({*fields, "version", "updated_at"}))


def save_lines(lines: list[PromoLine], *, actor, reason: str, fields: Iterable[str]) -> None:
    """Save the named fields of ``lines`` in bulk, with history rows."""
    if not lines:
        return
    now = timezone.now()
    for line in lines:
        line.updated_at = now
    bulk_update_with_history(lines, PromoLine, sorted({*fields, "updated_at"}), default_user=actor,
                             default_change_reason=reason)


def record(promo: Promo, *, kind: str, actor, from_status: str, reason: str, action: str,
           from_version: int, payload: dict | None = None, notify: bool = True) -> PromoEvent:
    """The event of a change; ``action`` and ``from_version`` let :func:`check_version` know
    a double click."""
    return event_record(
        kind=kind, actor=actor, promo=promo, from_status=from_status, to_status=promo.status,
        reason=reason, notify=notify,
        payload={"action": action, "from_version": from_version, "version": promo.version,
                 "revision": promo.revision, **(payload or {})},
    )


def reset_decisions(lines: Iterable[PromoLine]) -> list[PromoLine]:
    """Put decided lines back to pending (their terms changed); returns the lines touched, to
    save with :data:`UNDO_DECISION_FIELDS`."""
    touched = []
    for line in lines:
        if line.decision != Decision.PENDING:
            line.decision = Decision.PENDING
            line.decision_reason = ""
            line.below_floor = None
            line.decided_by = None
            line.decided_at = None
            touched.append(line)
    return touched


@lru_cache(maxsize=8)
def _holidays(text: str) -> frozenset[date]:
    return deadlines.parse_holidays(text)


def holidays() -> frozenset[date]:
    """The days off besides weekends (``PROMO_HOLIDAYS``)."""
    return _holidays(settings.PROMO_HOLIDAYS or "")


def decision_due_for(promo: Promo, submitted_on: date) -> date:
    """The decision due date of ``promo``'s revision sent for approval on ``submitted_on``
    (a change of a promo already running: :func:`promo.deadlines.running_change_due`)."""
    in_force = promo.approved_revision if promo.approved_revision_id else None
    if in_force is not None and in_force.start <= submitted_on:
        return deadlines.running_change_due(
            submitted_on=submitted_on, in_force_end=in_force.end, new_end=promo.end,
            working_days=settings.PROMO_DECISION_WORKING_DAYS, buffer_days=settings.PROMO_DECISION_BUFFER_DAYS,
            holidays=holidays())
    return deadlines.decision_due(
        submitted_on=submitted_on, start=promo.start, working_days=settings.PROMO_DECISION_WORKING_DAYS,
        buffer_days=settings.PROMO_DECISION_BUFFER_DAYS, holidays=holidays())


def next_working_day(today: date) -> date:
    return deadlines.next_working_day(today, holidays())


def decision_clock(promo: Promo, *, now: datetime | None = None) -> list[str]:
    """The revision goes to approval now: note when, and the day its decision is due. Returns
    the promo fields it set (to save)."""
    now = now or timezone.now()
    promo.submitted_at = now
    promo.decision_due = decision_due_for(promo, timezone.localdate(now))
    return ["submitted_at", "decision_due"]


def back_to_approval(promo: Promo) -> list[str]:
    """New terms need a decision again: an approved promo, and a rejected one that got a
    corrected upload, go back to submitted (the revision in force, if any, stays in force
    until the new one is decided); a submitted one waits for the decision on its new
    revision. Either way the revision's decision clock starts now. Returns the promo fields
    it changed. The services refuse corrections of a rejected promo before they get here:
    its way on is a corrected sheet."""
    fields = []
    if promo.status in (Status.APPROVED, Status.REJECTED):
        promo.status = Status.SUBMITTED
        fields.append("status")
    if promo.status == Status.SUBMITTED:
        fields += decision_clock(promo)
    return fields


def close_requests(promo: Promo, *, actor) -> int:
    """A promo that became final (cancelled, withdrawn) answers the supplier's open requests:
    nothing is left to extend or cancel. Returns how many it closed."""
    closed = 0
    now = timezone.now()
    for request in SupplierRequest.objects.select_for_update().filter(promo_id=promo.pk,
                                                                      status=SupplierRequest.Status.OPEN):
        request.status = SupplierRequest.Status.DECLINED
        request.answered_by, request.answered_at = actor, now
        request.answer = CLOSED_ANSWERS[promo.status]  # worded for each reader: answer_text
        request._history_user = actor
        request.save(update_fields=["status", "answered_by", "answered_at", "answer", "updated_at"])
        closed += 1
    return closed


def new_revision(promo: Promo, *, actor, reason: str, upload=None):
    """Freeze the changed terms as the next revision (call after the fields are set)."""
    promo.revision += 1
    return revision_record(promo=promo, actor=actor, reason=reason, upload=upload)


def in_force(promo: Promo) -> bool:
    """An approved revision is in force (possibly with a successor waiting or rejected)."""
    if promo.status == Status.APPROVED:
        return True
    return promo.approved_revision_id is not None and promo.status in Status.behind_newer()
