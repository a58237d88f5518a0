"""The approval workflow: every status change, decision and correction of a promo (STYLE.md §4).

States: draft -> submitted -> approved | rejected; approved -> cancelled; draft or submitted ->
withdrawn. Each line is decided by the managers of its product's category; a promo becomes
approved when every line is decided and at least one accepted, rejected when every line is
rejected, and otherwise stays submitted.

A change to the terms of an approved promo (point or mass correction, extension, a corrected
upload) makes a new revision and sends the promo back to submitted; ``approved_revision`` keeps
pointing at the revision in force, which is what exports read. If that successor is rejected
(every line rejected) the promo shows ``rejected`` for the newest revision while the previous
approved revision *stays in force*: exports go on reading it until a new revision is approved,
or a marketer cancels the promo. For the same reason a promo in force cannot be withdrawn by
its supplier (only cancelled by a marketer, on request).

Every service:
1. runs in one transaction and locks the promo row (``select_for_update``) and reloads it;
2. checks the actor's role and object permission itself (views and the API check too);
3. checks ``version`` (optimistic locking): a stale version raises :class:`StaleVersionError`
   and writes nothing, except a repeat of the very same action by the same person (a double
   click), which returns without change;
4. refuses an illegal move with a clear message; returns without change if nothing changes;
5. bumps ``promo.version``, saves with ``update_fields``, records the simple-history change
   reason and a :class:`~promo.models.PromoEvent` (notifications are queued from the event in
   the same transaction).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import NoReturn

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_update_with_history

from branches.targeting import Targeting
from promo import mechanics
from promo.models import Promo, PromoEvent, PromoLine
from promo.services.corrections import (
    CORRECTABLE_LINE_FIELDS,
    FIELD_LABELS,
    LineChange,
    MassCorrectionResult,
    fmt_date,
    line_value_error,
    parse_decimal,
    period_error,
    plain,
)
from promo.services.events import event_record
from promo.services.revisions import revision_freeze_decisions, revision_record
from suppliers.models import Category, Supplier
from suppliers.querysets import CHANGE, DECIDE
from suppliers.roles import is_marketer, is_supplier_user

Status = Promo.Status
Decision = PromoLine.Decision
Kind = PromoEvent.Kind

# Error texts (STYLE.md §3): services raise them, pages and the API show them as they are.
STALE_VERSION = _("Промо уже изменено другим пользователем, обновите страницу.")
STALE_VERSION_BY = _("Промо уже изменено (%(who)s, %(when)s), обновите страницу.")
NOT_VISIBLE = _("Промо не найдено.")
NOT_SUPPLIER_OR_MARKETER = _("Это может сделать только поставщик этого промо или маркетолог.")
SUPPLIER_ONLY = _("Это может сделать только поставщик этого промо.")
MARKETER_ONLY = _("Это может сделать только маркетолог.")
NOT_CATEGORY_MANAGER = _("Вы не согласуете категории товаров этого промо.")
NOT_LINE_MANAGER = _("Решение по этой строке принимает менеджер её категории.")
CORRECTOR_ONLY = _("Корректировать промо может менеджер его категорий или маркетолог.")
LINE_CORRECTOR_ONLY = _("Корректировать строку может менеджер её категории или маркетолог.")
ILLEGAL_MOVE = _("Нельзя перевести промо из статуса «%(from)s» в статус «%(to)s».")
NOT_SUBMITTED = _("Промо не на согласовании (статус «%(status)s»).")
NOT_CORRECTABLE = _("Промо в статусе «%(status)s» нельзя корректировать.")
RESUBMIT_NEEDS_REVISION = _("Отклонённое промо можно отправить снова только после загрузки "
                            "исправленной версии.")
WITHDRAW_IN_FORCE = _("Промо уже согласовано и действует: отозвать его нельзя, запросите отмену.")
NOT_IN_FORCE = _("Отменить или продлить можно только согласованное промо.")
ALREADY_FINISHED = _("Промо уже завершилось.")
EXTEND_NOT_LATER = _("Новая дата окончания должна быть позже текущей (%(end)s).")
REASON_REQUIRED = _("Укажите причину.")
REJECT_REASON_REQUIRED = _("Укажите причину отклонения.")
DECISION_INVALID = _("Решение должно быть «принять» или «отклонить».")
NO_LINES = _("В промо нет ни одной строки.")
NO_DECISIONS = _("Не выбрано ни одной строки.")
NO_TARGETING = _("Не выбран ни один филиал.")
LINE_NOT_IN_PROMO = _("Строка не относится к этому промо.")
NOTHING_TO_CHANGE = _("Укажите, что изменить: сдвиг дат, скидку или компенсацию.")
LINES_NOT_FOUND = _("Часть выбранных строк не найдена или недоступна.")
MASS_CORRECTION_INVALID = _("Корректировка не применена: ошибок — %(count)s. Исправьте и повторите.")
VERSION_INVALID = _("Неверная версия промо, обновите страницу.")
SHIFT_INVALID = _("Сдвиг дат должен быть целым числом дней.")

UNDO_DECISION_FIELDS = ["decision", "decision_reason", "decided_by", "decided_at", "updated_at"]


class ApprovalError(Exception):
    """A refused workflow action: ``code`` for programs, ``message`` (Russian) for people.
    The base class means the input is invalid (the API answers 400)."""

    default_code = "invalid"

    def __init__(self, message, *, code: str | None = None):
        self.message = str(message)
        self.code = code or self.default_code
        super().__init__(self.message)


class StaleVersionError(ApprovalError):
    """Someone changed the promo since the actor saw it (the API answers 409)."""

    default_code = "stale_version"


class NotAllowedError(ApprovalError):
    """The actor's role or grants do not allow this, or the move is illegal in the promo's
    state (the API answers 403)."""

    default_code = "not_allowed"


class MassCorrectionError(ApprovalError):
    """A mass correction broke rules; ``changes`` lists every planned change with its error."""

    default_code = "mass_correction_invalid"

    def __init__(self, message, *, changes: list[LineChange]):
        super().__init__(message)
        self.changes = changes


# --- helpers -------------------------------------------------------------------------------


def _user_name(user) -> str:
    if user is None:
        return str(_("система"))
    return user.get_full_name() or user.get_username()


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _require(text: str, message=REASON_REQUIRED) -> str:
    text = (text or "").strip()
    if not text:
        raise ApprovalError(message, code="reason_required")
    return text


def _status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


def _lock(promo: Promo) -> Promo:
    """Lock the promo row until the transaction ends and reload it (the caller's instance)."""
    try:
        promo.refresh_from_db(from_queryset=Promo.objects.select_for_update())
    except Promo.DoesNotExist:
        raise NotAllowedError(NOT_VISIBLE, code="not_found") from None
    return promo


def _stale_error(promo: Promo) -> StaleVersionError:
    """The stale message, naming who changed the promo last and when, if the history knows."""
    last = promo.history.select_related("history_user").order_by("-history_date", "-history_id").first()
    if last is None or last.history_user is None:
        return StaleVersionError(STALE_VERSION)
    when = timezone.localtime(last.history_date).strftime("%d.%m.%Y %H:%M")
    return StaleVersionError(STALE_VERSION_BY % {"who": _user_name(last.history_user), "when": when})


def _as_version(version) -> int | None:
    if version is None or version == "":
        return None
    try:
        return int(version)
    except (TypeError, ValueError):
        raise ApprovalError(VERSION_INVALID, code="version_invalid") from None


def _check_version(promo: Promo, *, actor, version, action: str) -> bool:
    """True if the call may go on. A stale version is refused, unless it is the same person
    repeating the very action that consumed that version (a double click): then False, and
    the caller returns without change."""
    version = _as_version(version)
    if version is None or version == promo.version:
        return True
    last = promo.events.order_by("-created_at", "-pk").first()
    if (last is not None and actor is not None and last.actor_id == actor.pk
            and last.payload.get("action") == action and last.payload.get("from_version") == int(version)):
        return False
    raise _stale_error(promo)


def _check_visible(promo: Promo, actor) -> None:
    if not Promo.objects.restrict(actor).filter(pk=promo.pk).exists():
        raise NotAllowedError(NOT_VISIBLE, code="not_found")


def _refuse(promo: Promo, actor, message) -> NoReturn:
    """Refuse an action: a promo the actor cannot see is «not found» (a 404, as if it did not
    exist), a visible one is refused with ``message`` (a 403)."""
    _check_visible(promo, actor)
    raise NotAllowedError(message)


def _is_own_supplier(promo: Promo, actor) -> bool:
    return is_supplier_user(actor) and Supplier.objects.restrict(actor, CHANGE).filter(
        pk=promo.supplier_id).exists()


def _decidable(promo: Promo, actor):
    """The promo's lines ``actor`` decides (lines of his categories)."""
    return promo.lines.filter(product__category__in=Category.objects.restrict(actor, DECIDE))


def _in_force(promo: Promo) -> bool:
    """An approved revision is in force (possibly with a successor waiting or rejected)."""
    if promo.status == Status.APPROVED:
        return True
    return promo.approved_revision_id is not None and promo.status in (Status.SUBMITTED, Status.REJECTED)


def _save_promo(promo: Promo, *, actor, reason: str, fields: Iterable[str]) -> None:
    """Bump the version and save the named fields, with the actor and the reason in history."""
    promo.version += 1
    promo._history_user = actor
    promo._change_reason = reason
    promo.save(update_fields=sorted({*fields, "version", "updated_at"}))


def _save_lines(lines: list[PromoLine], *, actor, reason: str, fields: Iterable[str]) -> None:
    if not lines:
        return
    now = timezone.now()
    for line in lines:
        line.updated_at = now
    bulk_update_with_history(lines, PromoLine, sorted({*fields, "updated_at"}), default_user=actor,
                             default_change_reason=reason)


def _record(promo: Promo, *, kind: str, actor, from_status: str, reason: str, action: str,
            from_version: int, payload: dict | None = None, notify: bool = True) -> PromoEvent:
    return event_record(
        kind=kind, actor=actor, promo=promo, from_status=from_status, to_status=promo.status,
        reason=reason, notify=notify,
        payload={"action": action, "from_version": from_version, "version": promo.version,
                 "revision": promo.revision, **(payload or {})},
    )


def _reset_decisions(lines: Iterable[PromoLine]) -> list[PromoLine]:
    """Put decided lines back to pending (their terms changed); returns the lines touched."""
    touched = []
    for line in lines:
        if line.decision != Decision.PENDING:
            line.decision = Decision.PENDING
            line.decision_reason = ""
            line.decided_by = None
            line.decided_at = None
            touched.append(line)
    return touched


def _settle(promo: Promo) -> list[str]:
    """Derive the status from the line decisions; returns the promo fields it changed.
    Approval freezes the decisions into the current revision and puts it in force."""
    counts = promo.lines.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(decision=Decision.PENDING)),
        accepted=Count("pk", filter=Q(decision=Decision.ACCEPTED)),
    )
    if not counts["total"] or counts["pending"]:
        return []
    if counts["accepted"]:
        promo.status = Status.APPROVED
        promo.approved_revision = revision_freeze_decisions(promo=promo)
        return ["status", "approved_revision"]
    # Every line rejected. A previously approved revision stays in force (module docstring).
    promo.status = Status.REJECTED
    return ["status"]


def _new_revision(promo: Promo, *, actor, reason: str) -> None:
    """Freeze the changed terms as the next revision (call after the fields are set)."""
    promo.revision += 1
    revision_record(promo=promo, actor=actor, reason=reason)


# --- submit, decide, withdraw, cancel -----------------------------------------------------


def promo_submit(*, promo: Promo, actor, version: int | None = None, comment: str = "") -> Promo:
    """Send a draft (or a rejected promo that got a corrected revision) for approval. For the
    supplier of the promo or a marketer; every line starts undecided."""
    with transaction.atomic():
        _lock(promo)
        if not (_is_own_supplier(promo, actor) or is_marketer(actor)):
            _refuse(promo, actor, NOT_SUPPLIER_OR_MARKETER)
        if not _check_version(promo, actor=actor, version=version, action="submit"):
            return promo
        if promo.status == Status.SUBMITTED:
            return promo
        # Approved -> submitted is for new revisions (corrections, uploads), not a resubmit.
        if promo.status not in (Status.DRAFT, Status.REJECTED):
            raise NotAllowedError(ILLEGAL_MOVE % {"from": _status_label(promo.status),
                                                  "to": _status_label(Status.SUBMITTED)},
                                  code="illegal_move")
        if promo.status == Status.REJECTED:
            rejected = promo.events.filter(kind=Kind.PROMO_REJECTED).order_by("-created_at", "-pk").first()
            if rejected is not None and rejected.payload.get("revision", 0) >= promo.revision:
                raise NotAllowedError(RESUBMIT_NEEDS_REVISION, code="needs_revision")
        if not promo.lines.exists():
            raise ApprovalError(NO_LINES, code="no_lines")
        if promo.rules.is_empty:
            raise ApprovalError(NO_TARGETING, code="no_targeting")
        from_status, from_version = promo.status, promo.version
        reason = (comment or "").strip()
        _save_lines(_reset_decisions(promo.lines.all()), actor=actor, reason=reason,
                    fields=UNDO_DECISION_FIELDS)
        promo.status = Status.SUBMITTED
        _save_promo(promo, actor=actor, reason=reason, fields=["status"])
        _record(promo, kind=Kind.PROMO_SUBMITTED, actor=actor, from_status=from_status, reason=reason,
                action="submit", from_version=from_version)
    return promo


def _decide(promo: Promo, *, actor, decisions: list[tuple[PromoLine, str, str]], action: str,
            comment: str = "") -> Promo:
    """Apply line decisions of one manager and settle the promo, as one event. ``decisions``
    holds (line, decision, reason) for lines already checked to be his."""
    now = timezone.now()
    changed: list[PromoLine] = []
    details = []
    for line, decision, reason in decisions:
        if line.decision == decision and line.decision_reason == reason:
            continue  # already so: a repeated click decides nothing twice
        details.append({"line_id": line.pk, "article": line.product.article, "name": line.product.name,
                        "decision": decision, "old_decision": line.decision, "reason": reason})
        line.decision, line.decision_reason = decision, reason
        line.decided_by, line.decided_at = actor, now
        changed.append(line)
    if not changed:
        return promo
    from_status, from_version = promo.status, promo.version
    reasons = list(dict.fromkeys(r for _l, d, r in decisions if d == Decision.REJECTED and r))
    reason = "; ".join([comment, *reasons] if comment else reasons)
    _save_lines(changed, actor=actor, reason=reason, fields=UNDO_DECISION_FIELDS)
    fields = _settle(promo)
    _save_promo(promo, actor=actor, reason=reason, fields=fields)
    kind = {Status.APPROVED: Kind.PROMO_APPROVED, Status.REJECTED: Kind.PROMO_REJECTED}.get(
        promo.status if fields else None, Kind.LINE_DECIDED)
    _record(promo, kind=kind, actor=actor, from_status=from_status, reason=reason, action=action,
            from_version=from_version,
            payload={"lines": details,
                     "accepted": sum(1 for d in details if d["decision"] == Decision.ACCEPTED),
                     "rejected": sum(1 for d in details if d["decision"] == Decision.REJECTED)})
    return promo


def _check_decider(promo: Promo, actor) -> None:
    if not _decidable(promo, actor).exists():
        _refuse(promo, actor, NOT_CATEGORY_MANAGER)


def _check_submitted(promo: Promo) -> None:
    if promo.status != Status.SUBMITTED:
        raise NotAllowedError(NOT_SUBMITTED % {"status": _status_label(promo.status)}, code="not_submitted")


def promo_approve(*, promo: Promo, actor, version: int | None = None, comment: str = "") -> Promo:
    """Accept every pending line the manager decides (his categories), then settle the promo."""
    with transaction.atomic():
        _lock(promo)
        _check_decider(promo, actor)
        if not _check_version(promo, actor=actor, version=version, action="approve"):
            return promo
        _check_submitted(promo)
        pending = _decidable(promo, actor).filter(decision=Decision.PENDING).select_related("product")
        return _decide(promo, actor=actor, action="approve", comment=(comment or "").strip(),
                       decisions=[(line, Decision.ACCEPTED, "") for line in pending])


def promo_reject(*, promo: Promo, actor, reason: str, version: int | None = None) -> Promo:
    """Reject every pending line the manager decides, with a reason, then settle the promo."""
    with transaction.atomic():
        _lock(promo)
        _check_decider(promo, actor)
        if not _check_version(promo, actor=actor, version=version, action="reject"):
            return promo
        _check_submitted(promo)
        reason = _require(reason, REJECT_REASON_REQUIRED)
        pending = _decidable(promo, actor).filter(decision=Decision.PENDING).select_related("product")
        return _decide(promo, actor=actor, action="reject",
                       decisions=[(line, Decision.REJECTED, reason) for line in pending])


def _clean_decision(decision: str, reason: str) -> tuple[str, str]:
    if decision not in (Decision.ACCEPTED, Decision.REJECTED):
        raise ApprovalError(DECISION_INVALID, code="decision_invalid")
    reason = (reason or "").strip()
    if decision == Decision.REJECTED:
        _require(reason, REJECT_REASON_REQUIRED)
    else:
        reason = ""
    return decision, reason


def line_decide(*, line: PromoLine, actor, decision: str, reason: str = "",
                version: int | None = None) -> PromoLine:
    """Accept or reject one line (a reject needs a reason); a manager may change his mind while
    the promo is still submitted. Settles the promo when this was the last open line."""
    decision, reason = _clean_decision(decision, reason)
    promo = line.promo
    with transaction.atomic():
        _lock(promo)
        if not _decidable(promo, actor).filter(pk=line.pk).exists():
            _refuse(promo, actor, NOT_LINE_MANAGER)
        if _check_version(promo, actor=actor, version=version, action=f"line_decide:{line.pk}:{decision}"):
            _check_submitted(promo)
            fresh = PromoLine.objects.select_related("product").get(pk=line.pk)
            _decide(promo, actor=actor, action=f"line_decide:{line.pk}:{decision}",
                    decisions=[(fresh, decision, reason)])
    line.refresh_from_db()
    line.promo = promo
    return line


def lines_decide(*, promo: Promo, actor, decisions: dict[int, tuple[str, str]],
                 version: int | None = None) -> Promo:
    """Decide many lines of one promo at once (line id -> (decision, reason)): one
    transaction, one event. Every line must be the manager's, or nothing is decided."""
    if not decisions:
        raise ApprovalError(NO_DECISIONS, code="no_decisions")
    try:
        cleaned = {int(pk): _clean_decision(*value) for pk, value in decisions.items()}
    except (TypeError, ValueError):
        raise ApprovalError(LINES_NOT_FOUND, code="lines_invalid") from None
    action = "lines_decide:" + ",".join(f"{pk}={cleaned[pk][0]}" for pk in sorted(cleaned))
    with transaction.atomic():
        _lock(promo)
        lines = {line.pk: line for line in promo.lines.filter(pk__in=cleaned).select_related("product")}
        if len(lines) != len(cleaned):
            _check_visible(promo, actor)
            raise ApprovalError(LINE_NOT_IN_PROMO, code="line_not_in_promo")
        if _decidable(promo, actor).filter(pk__in=cleaned).count() != len(cleaned):
            _refuse(promo, actor, NOT_LINE_MANAGER)
        if not _check_version(promo, actor=actor, version=version, action=action):
            return promo
        _check_submitted(promo)
        return _decide(promo, actor=actor, action=action,
                       decisions=[(lines[pk], *cleaned[pk]) for pk in sorted(cleaned)])


def promo_withdraw(*, promo: Promo, actor, version: int | None = None, reason: str = "") -> Promo:
    """The supplier takes back a draft or a submitted promo that is not in force yet
    (a marketer may do it on the supplier's behalf)."""
    with transaction.atomic():
        _lock(promo)
        if not (_is_own_supplier(promo, actor) or is_marketer(actor)):
            _refuse(promo, actor, NOT_SUPPLIER_OR_MARKETER)
        if not _check_version(promo, actor=actor, version=version, action="withdraw"):
            return promo
        if promo.status == Status.WITHDRAWN:
            return promo
        if promo.approved_revision_id is not None:
            raise NotAllowedError(WITHDRAW_IN_FORCE, code="in_force")
        if not promo.can_transition_to(Status.WITHDRAWN):
            raise NotAllowedError(ILLEGAL_MOVE % {"from": _status_label(promo.status),
                                                  "to": _status_label(Status.WITHDRAWN)},
                                  code="illegal_move")
        from_status, from_version = promo.status, promo.version
        reason = (reason or "").strip()
        promo.status = Status.WITHDRAWN
        _save_promo(promo, actor=actor, reason=reason, fields=["status"])
        _record(promo, kind=Kind.PROMO_WITHDRAWN, actor=actor, from_status=from_status, reason=reason,
                action="withdraw", from_version=from_version)
    return promo


def promo_cancel(*, promo: Promo, actor, reason: str, version: int | None = None,
                 today: date | None = None) -> Promo:
    """A marketer cancels a promo in force (with a reason); exports drop it from then on."""
    with transaction.atomic():
        _lock(promo)
        if not is_marketer(actor):
            _refuse(promo, actor, MARKETER_ONLY)
        if not _check_version(promo, actor=actor, version=version, action="cancel"):
            return promo
        if promo.status == Status.CANCELLED:
            return promo
        if not _in_force(promo):
            raise NotAllowedError(NOT_IN_FORCE, code="not_in_force")
        if promo.phase(_today(today)) == "finished":
            raise NotAllowedError(ALREADY_FINISHED, code="finished")
        reason = _require(reason)
        from_status, from_version = promo.status, promo.version
        promo.status = Status.CANCELLED
        _save_promo(promo, actor=actor, reason=reason, fields=["status"])
        _record(promo, kind=Kind.PROMO_CANCELLED, actor=actor, from_status=from_status, reason=reason,
                action="cancel", from_version=from_version)
    return promo


# --- extension and the supplier's requests -------------------------------------------------


def _check_new_end(promo: Promo, new_end: date, today: date) -> None:
    if new_end <= promo.end:
        raise ApprovalError(EXTEND_NOT_LATER % {"end": fmt_date(promo.end)}, code="end_not_later")
    error = period_error(start=promo.start, end=new_end, old_start=promo.start, today=today)
    if error:
        raise ApprovalError(error, code="period_invalid")


def promo_extend(*, promo: Promo, actor, new_end: date, version: int | None = None, reason: str = "",
                 today: date | None = None) -> Promo:
    """A marketer moves the end of a submitted or approved promo later. The new end makes a
    new revision that goes to approval again (accepted lines back to pending) while the
    approved revision stays in force. A supplier calling this records an extension request
    for the marketers instead (:func:`promo_request_extension`) and gets the promo unchanged."""
    if not is_marketer(actor) and _is_own_supplier(promo, actor):
        promo_request_extension(promo=promo, actor=actor, new_end=new_end, reason=reason, version=version,
                                today=today)
        promo.refresh_from_db()
        return promo
    today = _today(today)
    with transaction.atomic():
        _lock(promo)
        if not is_marketer(actor):
            _refuse(promo, actor, MARKETER_ONLY)
        action = f"extend:{new_end.isoformat()}"
        if not _check_version(promo, actor=actor, version=version, action=action):
            return promo
        if promo.status not in (Status.SUBMITTED, Status.APPROVED):
            raise NotAllowedError(NOT_IN_FORCE, code="not_in_force")
        if promo.end == new_end:
            return promo
        _check_new_end(promo, new_end, today)
        reason = (reason or "").strip()
        from_status, from_version, old_end = promo.status, promo.version, promo.end
        promo.end = new_end
        promo.status = Status.SUBMITTED
        _save_lines(_reset_decisions(promo.lines.filter(decision=Decision.ACCEPTED)), actor=actor,
                    reason=reason, fields=UNDO_DECISION_FIELDS)
        _new_revision(promo, actor=actor, reason=reason)
        _save_promo(promo, actor=actor, reason=reason, fields=["end", "status", "revision"])
        _record(promo, kind=Kind.PROMO_EXTENDED, actor=actor, from_status=from_status, reason=reason,
                action=action, from_version=from_version,
                payload={"changes": [{"field": "end", "old": plain(old_end), "new": plain(new_end)}]})
    return promo


def _request(promo: Promo, *, actor, kind: str, reason: str, version, payload: dict) -> PromoEvent:
    """Record a supplier's request to the marketers; the promo itself does not change. The
    same request again (nothing happened since) returns the first one."""
    with transaction.atomic():
        _lock(promo)
        if not _is_own_supplier(promo, actor):
            _refuse(promo, actor, SUPPLIER_ONLY)
        if _as_version(version) not in (None, promo.version):
            raise _stale_error(promo)
        if not (_in_force(promo) or promo.status == Status.SUBMITTED):
            raise NotAllowedError(NOT_IN_FORCE, code="not_in_force")
        reason = _require(reason)
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
    _check_new_end(promo, new_end, _today(today))
    return _request(promo, actor=actor, kind=Kind.EXTENSION_REQUESTED, reason=reason, version=version,
                    payload={"request": {"new_end": new_end.isoformat()},
                             "changes": [{"field": "end", "old": plain(promo.end), "new": plain(new_end)}]})


def promo_request_cancellation(*, promo: Promo, actor, reason: str, version: int | None = None) -> PromoEvent:
    """The supplier asks the marketers to cancel the promo (with a reason)."""
    return _request(promo, actor=actor, kind=Kind.CANCELLATION_REQUESTED, reason=reason, version=version,
                    payload={"request": {"cancel": True}})


# --- point corrections and targeting -------------------------------------------------------


CORRECTABLE_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.APPROVED)


def _check_correctable(promo: Promo) -> None:
    if promo.status not in CORRECTABLE_STATUSES:
        raise NotAllowedError(NOT_CORRECTABLE % {"status": _status_label(promo.status)},
                              code="not_correctable")


def _back_to_approval(promo: Promo) -> list[str]:
    """A change to an approved promo needs a decision again; the revision in force stays."""
    if promo.status == Status.APPROVED:
        promo.status = Status.SUBMITTED
        return ["status"]
    return []


def promo_correct(*, promo: Promo, actor, reason: str, version: int | None = None,
                  start: date | None = None, end: date | None = None, today: date | None = None) -> Promo:
    """Correct the dates of a promo (a manager of any of its categories, or a marketer), with
    a reason. New dates make a new revision; accepted lines need a decision again."""
    with transaction.atomic():
        _lock(promo)
        if not (is_marketer(actor) or _decidable(promo, actor).exists()):
            _refuse(promo, actor, CORRECTOR_ONLY)
        new_start, new_end = start or promo.start, end or promo.end
        action = f"correct:{new_start.isoformat()}:{new_end.isoformat()}"
        if not _check_version(promo, actor=actor, version=version, action=action):
            return promo
        _check_correctable(promo)
        if (new_start, new_end) == (promo.start, promo.end):
            return promo
        reason = _require(reason)
        error = period_error(start=new_start, end=new_end, old_start=promo.start, today=_today(today))
        if error:
            raise ApprovalError(error, code="period_invalid")
        from_status, from_version = promo.status, promo.version
        changes = [{"field": name, "old": plain(getattr(promo, name)), "new": plain(value)}
                   for name, value in (("start", new_start), ("end", new_end)) if getattr(promo, name) != value]
        promo.start, promo.end = new_start, new_end
        fields = ["start", "end", "revision", *_back_to_approval(promo)]
        _save_lines(_reset_decisions(promo.lines.filter(decision=Decision.ACCEPTED)), actor=actor,
                    reason=reason, fields=UNDO_DECISION_FIELDS)
        _new_revision(promo, actor=actor, reason=reason)
        _save_promo(promo, actor=actor, reason=reason, fields=fields)
        _record(promo, kind=Kind.PROMO_CORRECTED, actor=actor, from_status=from_status, reason=reason,
                action=action, from_version=from_version, payload={"changes": changes})
    return promo


def _line_plan(line: PromoLine, promo: Promo, changes: dict) -> list[LineChange]:
    """The planned changes of one line (values parsed, rules checked, unchanged ones dropped)."""
    plan = []
    for name, raw in changes.items():
        try:
            value = parse_decimal(raw)
        except ValueError as exc:
            plan.append(LineChange(line=line, promo=promo, field=name, old=getattr(line, name, None),
                                   new=raw, error=str(exc)))
            continue
        old = getattr(line, name, None)
        if name in CORRECTABLE_LINE_FIELDS and old == value:
            continue
        error = line_value_error(mechanic=promo.mechanic, mechanic_label=promo.get_mechanic_display(),
                                 field_name=name, value=value, regular_price=line.regular_price)
        plan.append(LineChange(line=line, promo=promo, field=name, old=old, new=value, error=error))
    return plan


def _apply_line_plan(line: PromoLine, promo: Promo, plan: list[LineChange]) -> list[str]:
    """Set the planned values on the line; a percent line's stored price follows its discount."""
    fields = []
    for change in plan:
        setattr(line, change.field, change.new)
        fields.append(change.field)
    if "discount_percent" in fields and promo.mechanic == Promo.Mechanic.PERCENT and line.promo_price is not None:
        line.promo_price = mechanics.percent_price(line.regular_price, line.discount_percent)
        fields.append("promo_price")
    if _reset_decisions([line]):
        fields += UNDO_DECISION_FIELDS
    return fields


def line_correct(*, line: PromoLine, actor, reason: str, version: int | None = None, **changes) -> PromoLine:
    """Correct the terms of one line (``discount_percent``, ``promo_price``,
    ``compensation_percent``) by a manager of its category or a marketer, with a reason.
    The values follow the import's rules; the corrected line needs a decision again, the
    promo gets a new revision and, if approved, goes back to approval."""
    promo = line.promo
    with transaction.atomic():
        _lock(promo)
        if not (is_marketer(actor) or _decidable(promo, actor).filter(pk=line.pk).exists()):
            _refuse(promo, actor, LINE_CORRECTOR_ONLY)
        terms = ",".join(f"{key}={changes[key]}" for key in sorted(changes))
        action = f"line_correct:{line.pk}:{terms}"
        if _check_version(promo, actor=actor, version=version, action=action):
            _check_correctable(promo)
            fresh = PromoLine.objects.select_related("product").get(pk=line.pk)
            plan = _line_plan(fresh, promo, changes)
            errors = [change.error for change in plan if change.error]
            if errors:
                raise ApprovalError(" ".join(errors), code="value_invalid")
            if plan:
                reason = _require(reason)
                from_status, from_version = promo.status, promo.version
                fields = _apply_line_plan(fresh, promo, plan)
                fresh._history_user, fresh._change_reason = actor, reason
                fresh.save(update_fields=sorted({*fields, "updated_at"}))
                promo_fields = ["revision", *_back_to_approval(promo)]
                _new_revision(promo, actor=actor, reason=reason)
                _save_promo(promo, actor=actor, reason=reason, fields=promo_fields)
                _record(promo, kind=Kind.PROMO_CORRECTED, actor=actor, from_status=from_status,
                        reason=reason, action=action, from_version=from_version,
                        payload={"line_id": fresh.pk, "changes": [c.as_payload() for c in plan]})
    line.refresh_from_db()
    line.promo = promo
    return line


def promo_set_targeting(*, promo: Promo, actor, targeting: Targeting, reason: str = "",
                        version: int | None = None) -> Promo:
    """A marketer sets the branches a promo runs in (rules, not their expansion). Targeting is
    the marketers' call, so it needs no category decision: a new revision is recorded and,
    for an approved promo, put in force at once. If a successor revision is waiting, it gets
    the new rules and the revision in force keeps its own until the successor is decided."""
    with transaction.atomic():
        _lock(promo)
        if not is_marketer(actor):
            _refuse(promo, actor, MARKETER_ONLY)
        new = targeting.to_json()
        action = "targeting:" + str(sorted(new.items()))
        if not _check_version(promo, actor=actor, version=version, action=action):
            return promo
        if promo.is_final:
            raise NotAllowedError(NOT_CORRECTABLE % {"status": _status_label(promo.status)},
                                  code="not_correctable")
        if targeting.is_empty:
            raise ApprovalError(NO_TARGETING, code="no_targeting")
        if Targeting.from_json(promo.targeting) == targeting:
            return promo
        reason = (reason or "").strip()
        from_status, from_version = promo.status, promo.version
        old_text = promo.rules.describe()
        promo.targeting = new
        _new_revision(promo, actor=actor, reason=reason)
        fields = ["targeting", "revision"]
        if promo.status == Status.APPROVED:
            promo.approved_revision = revision_freeze_decisions(promo=promo)
            fields.append("approved_revision")
        _save_promo(promo, actor=actor, reason=reason, fields=fields)
        _record(promo, kind=Kind.TARGETING_CHANGED, actor=actor, from_status=from_status, reason=reason,
                action=action, from_version=from_version,
                payload={"changes": [{"field": "targeting", "old": old_text, "new": targeting.describe()}],
                         "targeting": new})
    return promo


# --- mass corrections ---------------------------------------------------------------------


def _line_ids(lines) -> list[int]:
    """Primary keys of PromoLine objects or ids (ints or digit strings from a form)."""
    try:
        return sorted({int(line) if isinstance(line, int | str) else line.pk for line in lines})
    except (TypeError, ValueError):
        raise ApprovalError(LINES_NOT_FOUND, code="lines_invalid") from None


def _mass_plan(lines: list[PromoLine], promos: dict[int, Promo], *, shift_days, discount_percent,
               compensation_percent, today: date) -> list[LineChange]:
    plan: list[LineChange] = []
    by_promo: dict[int, list[PromoLine]] = {}
    for line in lines:
        by_promo.setdefault(line.promo_id, []).append(line)
    for promo_id in sorted(by_promo):
        promo = promos[promo_id]
        status_error = ""
        if promo.status not in CORRECTABLE_STATUSES:
            status_error = str(NOT_CORRECTABLE % {"status": _status_label(promo.status)})
        if shift_days:
            delta = timedelta(days=int(shift_days))
            start, end = promo.start + delta, promo.end + delta
            error = status_error or period_error(start=start, end=end, old_start=promo.start, today=today)
            plan.append(LineChange(line=None, promo=promo, field="start", old=promo.start, new=start, error=error))
            plan.append(LineChange(line=None, promo=promo, field="end", old=promo.end, new=end, error=error))
        changes = {}
        if discount_percent is not None:
            changes["discount_percent"] = discount_percent
        if compensation_percent is not None:
            changes["compensation_percent"] = compensation_percent
        for line in sorted(by_promo[promo_id], key=lambda row: row.product.article):
            for change in _line_plan(line, promo, changes):
                change.error = status_error or change.error
                plan.append(change)
    return plan


def _mass_input(actor, *, shift_days, discount_percent, compensation_percent) -> dict:
    """Check the role and normalise the form's values (blank means «leave as is»)."""
    if not is_marketer(actor):
        raise NotAllowedError(MARKETER_ONLY)
    blank = (None, "")
    try:
        shift_days = 0 if shift_days in blank else int(shift_days)
    except (TypeError, ValueError):
        raise ApprovalError(SHIFT_INVALID, code="shift_invalid") from None
    values = {
        "shift_days": shift_days,
        "discount_percent": None if discount_percent in blank else discount_percent,
        "compensation_percent": None if compensation_percent in blank else compensation_percent,
    }
    if not shift_days and values["discount_percent"] is None and values["compensation_percent"] is None:
        raise ApprovalError(NOTHING_TO_CHANGE, code="nothing_to_change")
    return values


def mass_correction_preview(*, actor, lines, shift_days: int | None = None, discount_percent=None,
                            compensation_percent=None, today: date | None = None) -> list[LineChange]:
    """What a mass correction would change, with an error per change that breaks a rule.
    Reads only: nothing is written, nothing is sent. ``lines`` are PromoLine objects or ids;
    lines the marketer cannot see are ignored."""
    values = _mass_input(actor, shift_days=shift_days, discount_percent=discount_percent,
                         compensation_percent=compensation_percent)
    rows = list(PromoLine.objects.restrict(actor).filter(pk__in=_line_ids(lines))
                .select_related("promo", "product"))
    promos = {row.promo_id: row.promo for row in rows}
    return _mass_plan(rows, promos, today=_today(today), **values)


def mass_correction_apply(*, actor, line_ids: Iterable[int], reason: str, shift_days: int | None = None,
                          discount_percent=None, compensation_percent=None,
                          versions: dict[int, int] | None = None,
                          today: date | None = None) -> MassCorrectionResult:
    """Apply a mass correction (marketer, with a reason): all or nothing. Every touched promo
    gets one new revision and one ``mass_corrected`` event without its own notification;
    one digest event (no promo; the payload lists every promo and its changes) is what the
    notification layer announces, one message per recipient."""
    values = _mass_input(actor, shift_days=shift_days, discount_percent=discount_percent,
                         compensation_percent=compensation_percent)
    reason = _require(reason)
    ids = _line_ids(line_ids)
    if not ids:
        raise ApprovalError(NO_DECISIONS, code="no_lines")
    versions = {int(k): _as_version(v) for k, v in (versions or {}).items()}
    with transaction.atomic():
        rows = list(PromoLine.objects.restrict(actor).filter(pk__in=ids).select_related("product"))
        if len(rows) != len(ids):
            raise NotAllowedError(LINES_NOT_FOUND, code="lines_not_found")
        # Lock every touched promo in primary-key order, so two batches cannot deadlock.
        promos = {p.pk: p for p in Promo.objects.select_for_update().filter(
            pk__in={row.promo_id for row in rows}).order_by("pk")}
        for promo in promos.values():
            if versions.get(promo.pk) not in (None, promo.version):
                raise _stale_error(promo)
        for row in rows:
            row.promo = promos[row.promo_id]
        plan = _mass_plan(rows, promos, today=_today(today), **values)
        errors = [change for change in plan if change.error]
        if errors:
            raise MassCorrectionError(MASS_CORRECTION_INVALID % {"count": len(errors)}, changes=plan)
        result = MassCorrectionResult(changes=plan)
        digest = []
        for promo_id in sorted({change.promo.pk for change in plan}):
            promo = promos[promo_id]
            changes = [change for change in plan if change.promo.pk == promo_id]
            _mass_apply_promo(promo, changes, actor=actor, reason=reason)
            result.promos.append(promo)
            digest.append({"promo_id": promo.pk, "code": promo.code, "name": promo.name,
                           "supplier_id": promo.supplier_id,
                           "changes": [change.as_payload() for change in changes]})
        if digest:
            result.event = event_record(kind=Kind.MASS_CORRECTED, actor=actor, reason=reason,
                                        payload={"promos": digest, "count": len(digest)})
    return result


def _mass_apply_promo(promo: Promo, changes: list[LineChange], *, actor, reason: str) -> None:
    from_status, from_version = promo.status, promo.version
    fields = ["revision"]
    lines: dict[int, PromoLine] = {}
    line_fields: set[str] = set()
    for change in changes:
        if change.line is None:
            setattr(promo, change.field, change.new)
            fields.append(change.field)
        else:
            lines.setdefault(change.line.pk, change.line)
    for line in lines.values():
        line_fields.update(_apply_line_plan(line, promo, [c for c in changes if c.line is line]))
    if {"start", "end"} & set(fields):
        # New dates need a decision again on every accepted line.
        others = promo.lines.filter(decision=Decision.ACCEPTED).exclude(pk__in=list(lines)).select_related("product")
        reset = _reset_decisions(others)
        for line in reset:
            lines[line.pk] = line
        if reset:
            line_fields.update(UNDO_DECISION_FIELDS)
    _save_lines(list(lines.values()), actor=actor, reason=reason, fields=line_fields)
    fields += _back_to_approval(promo)
    _new_revision(promo, actor=actor, reason=reason)
    _save_promo(promo, actor=actor, reason=reason, fields=fields)
    _record(promo, kind=Kind.MASS_CORRECTED, actor=actor, from_status=from_status, reason=reason,
            action="mass_correction", from_version=from_version, notify=False,
            payload={"changes": [change.as_payload() for change in changes]})


__all__ = [
    "FIELD_LABELS",
    "ApprovalError",
    "LineChange",
    "MassCorrectionError",
    "MassCorrectionResult",
    "NotAllowedError",
    "StaleVersionError",
    "line_correct",
    "line_decide",
    "lines_decide",
    "mass_correction_apply",
    "mass_correction_preview",
    "promo_approve",
    "promo_cancel",
    "promo_correct",
    "promo_extend",
    "promo_reject",
    "promo_request_cancellation",
    "promo_request_extension",
    "promo_set_targeting",
    "promo_submit",
    "promo_withdraw",
]
