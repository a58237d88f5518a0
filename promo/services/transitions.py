"""Status changes of a promo: submit, the managers' decisions (approve, reject, line by line),
withdraw and cancel (STYLE.md §4; the steps every one takes are in
:mod:`promo.services.workflow`, who may take them when in :mod:`promo.services.actions`).

States: draft -> submitted -> approved | rejected; approved -> cancelled; draft or submitted ->
withdrawn. Each line is decided by the managers of its product's category; a promo becomes
approved when every line is decided and at least one accepted, rejected when every line is
rejected, and otherwise stays submitted.

If a successor revision of an approved promo is rejected (every line rejected) the promo
shows ``rejected`` for the newest revision while the previous approved revision *stays in
force*: exports go on reading it until a new revision is approved, or a marketer cancels the
promo. For the same reason a promo in force cannot be withdrawn by its supplier (only
cancelled by a marketer, on request).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from promo.models import Promo, PromoEvent, PromoLine
from promo.services import floor
from promo.services.actions import require_role, require_state, require_visible
from promo.services.errors import InvalidError
from promo.services.revisions import revision_freeze_decisions
from promo.services.workflow import (
    UNDO_DECISION_FIELDS,
    check_version,
    close_requests,
    decision_clock,
    lock,
    record,
    require_reason,
    reset_decisions,
    save_lines,
    save_promo,
)

Status = Promo.Status
Decision = PromoLine.Decision
Kind = PromoEvent.Kind

REJECT_REASON_REQUIRED = _("Укажите причину отклонения.")
DECISION_INVALID = _("Решение должно быть «принять» или «отклонить».")
NO_DECISIONS = _("Не выбрано ни одной строки.")
LINE_NOT_IN_PROMO = _("Строка не относится к этому промо.")
LINES_INVALID = _("Часть выбранных строк не найдена или недоступна.")


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


def promo_submit(*, promo: Promo, actor, version: int | None = None, comment: str = "",
                 notify: bool = True) -> Promo:
    """Send a draft (or a rejected promo that got a new revision) for approval. For the
    supplier of the promo or a marketer; every line starts undecided and the decision clock
    starts (:func:`~promo.services.workflow.decision_clock`). ``notify=False``: the caller
    announces it (a bulk action's one digest)."""
    with transaction.atomic():
        lock(promo)
        standing = require_role("submit", promo=promo, actor=actor)
        if not check_version(promo, actor=actor, version=version, action="submit"):
            return promo
        if promo.status == Status.SUBMITTED:
            return promo
        require_state("submit", promo=promo, standing=standing)
        from_status, from_version = promo.status, promo.version
        reason = (comment or "").strip()
        save_lines(reset_decisions(promo.lines.all()), actor=actor, reason=reason, fields=UNDO_DECISION_FIELDS)
        promo.status = Status.SUBMITTED
        save_promo(promo, actor=actor, reason=reason, fields=["status", *decision_clock(promo)])
        record(promo, kind=Kind.PROMO_SUBMITTED, actor=actor, from_status=from_status, reason=reason,
               action="submit", from_version=from_version, notify=notify)
    return promo


def _floor_checked(promo: Promo, decisions: list[tuple[PromoLine, str, str]],
                   overrides: dict[int, str]) -> tuple[list[tuple[PromoLine, str, str]], dict[int, dict]]:
    """The price floor (promo.services.floor): accepting a line below it needs the manager's
    override with a reason (``overrides``: line id -> reason), which becomes the line's decision
    reason as typed; otherwise the whole decision is refused (:class:`floor.BelowFloorError`),
    saying by how much each line falls short. Returns the decisions with those reasons and
    ``{line id: the floor's params}``."""
    checked, below, blocked = [], {}, []
    for line, decision, reason in decisions:
        problem = floor.line_problem(line, promo.mechanic) if decision == Decision.ACCEPTED else None
        if problem is None:
            checked.append((line, decision, reason))
            continue
        if line.pk not in overrides:
            blocked.append((line.product.article, problem))
            continue
        note = require_reason(overrides[line.pk], floor.OVERRIDE_REASON_REQUIRED)
        below[line.pk] = {**{key: str(value) for key, value in problem.params.items()}, "reason": note}
        checked.append((line, decision, note))
    if blocked:
        raise floor.BelowFloorError(blocked)
    return checked, below


def _decide(promo: Promo, *, actor, decisions: list[tuple[PromoLine, str, str]], action: str,
            comment: str = "", notify: bool = True, overrides: dict[int, str] | None = None) -> Promo:
    """Apply line decisions of one manager and settle the promo, as one event. ``decisions``
    holds (line, decision, reason) for lines already checked to be his (with their product's
    category loaded, for the price floor). The event's reason is ``comment``, what the manager
    said of the promo; a line's reason (a rejection's, a below-floor override's) stays with its
    line (the event's ``lines``), so a mail never words a line's reason as the promo's comment."""
    decisions, below = _floor_checked(promo, decisions, overrides or {})
    now = timezone.now()
    changed: list[PromoLine] = []
    details = []
    for line, decision, reason in decisions:
        # The override's facts (margin, floor), worded when read (promo.changes.below_floor_note).
        facts = floor.override_facts(below[line.pk]) if line.pk in below else None
        if line.decision == decision and line.decision_reason == reason and line.below_floor == facts:
            continue  # already so: a repeated click decides nothing twice
        details.append({"line_id": line.pk, "article": line.product.article, "name": line.product.name,
                        "decision": decision, "old_decision": line.decision, "reason": reason,
                        **({"below_floor": below[line.pk]} if line.pk in below else {})})
        line.decision, line.decision_reason, line.below_floor = decision, reason, facts
        line.decided_by, line.decided_at = actor, now
        changed.append(line)
    if not changed:
        return promo
    from_status, from_version = promo.status, promo.version
    reasons = list(dict.fromkeys(r for line, d, r in decisions
                                 if r and (d == Decision.REJECTED or line.pk in below)))
    # The history rows say why each line was decided so; the event says what was said of the promo.
    history_reason = "; ".join(dict.fromkeys(text for text in (comment, *reasons) if text))
    save_lines(changed, actor=actor, reason=history_reason, fields=UNDO_DECISION_FIELDS)
    fields = _settle(promo)
    save_promo(promo, actor=actor, reason=history_reason, fields=fields)
    kind = {Status.APPROVED: Kind.PROMO_APPROVED, Status.REJECTED: Kind.PROMO_REJECTED}.get(
        promo.status if fields else None, Kind.LINE_DECIDED)
    record(promo, kind=kind, actor=actor, from_status=from_status, reason=comment, action=action,
           from_version=from_version, notify=notify,
           payload={"lines": details,
                    "accepted": sum(1 for d in details if d["decision"] == Decision.ACCEPTED),
                    "rejected": sum(1 for d in details if d["decision"] == Decision.REJECTED)})
    return promo


def _pending_of(promo: Promo, standing) -> list[PromoLine]:
    ids = [pk for pk, decision in standing.decidable.items() if decision == Decision.PENDING]
    return list(promo.lines.filter(pk__in=ids).select_related("product__category"))


def promo_approve(*, promo: Promo, actor, version: int | None = None, comment: str = "",
                  below_floor_reason: str | None = None, notify: bool = True) -> Promo:
    """Accept every pending line the manager decides (his categories), then settle the promo.
    Lines below the price floor need ``below_floor_reason`` (the «согласовать ниже порога» box
    with its reason), or nothing is accepted."""
    with transaction.atomic():
        lock(promo)
        standing = require_role("approve", promo=promo, actor=actor)
        if not check_version(promo, actor=actor, version=version, action="approve"):
            return promo
        require_state("approve", promo=promo, standing=standing)
        pending = _pending_of(promo, standing)
        overrides = {} if below_floor_reason is None else dict.fromkeys((line.pk for line in pending),
                                                                        below_floor_reason)
        return _decide(promo, actor=actor, action="approve", comment=(comment or "").strip(), notify=notify,
                       decisions=[(line, Decision.ACCEPTED, "") for line in pending], overrides=overrides)


def promo_reject(*, promo: Promo, actor, reason: str, version: int | None = None,
                 notify: bool = True) -> Promo:
    """Reject every pending line the manager decides, with a reason (the promo's), then settle
    the promo."""
    with transaction.atomic():
        lock(promo)
        standing = require_role("reject", promo=promo, actor=actor)
        if not check_version(promo, actor=actor, version=version, action="reject"):
            return promo
        require_state("reject", promo=promo, standing=standing)
        reason = require_reason(reason, REJECT_REASON_REQUIRED)
        return _decide(promo, actor=actor, action="reject", comment=reason, notify=notify,
                       decisions=[(line, Decision.REJECTED, reason) for line in _pending_of(promo, standing)])


def _clean_decision(decision: str, reason: str) -> tuple[str, str]:
    if decision not in (Decision.ACCEPTED, Decision.REJECTED):
        raise InvalidError(DECISION_INVALID, code="decision_invalid")
    reason = (reason or "").strip()
    if decision == Decision.REJECTED:
        require_reason(reason, REJECT_REASON_REQUIRED)
    else:
        reason = ""
    return decision, reason


def line_decide(*, line: PromoLine, actor, decision: str, reason: str = "",
                version: int | None = None, below_floor_reason: str | None = None) -> PromoLine:
    """Accept or reject one line (a reject needs a reason; accepting a line below the price
    floor needs ``below_floor_reason``); a manager may change his mind while the promo is still
    submitted. Settles the promo when this was the last open line."""
    decision, reason = _clean_decision(decision, reason)
    promo = line.promo
    action = f"line_decide:{line.pk}:{decision}"
    with transaction.atomic():
        lock(promo)
        standing = require_role("lines", promo=promo, actor=actor, line_ids=[line.pk])
        if check_version(promo, actor=actor, version=version, action=action):
            require_state("lines", promo=promo, standing=standing)
            fresh = PromoLine.objects.select_related("product__category").get(pk=line.pk)
            _decide(promo, actor=actor, action=action, decisions=[(fresh, decision, reason)],
                    overrides={} if below_floor_reason is None else {line.pk: below_floor_reason})
    line.refresh_from_db()
    line.promo = promo
    return line


def lines_decide(*, promo: Promo, actor, decisions: dict[int, tuple[str, str]],
                 version: int | None = None, floor_overrides: dict[int, str] | None = None) -> Promo:
    """Decide many lines of one promo at once (line id -> (decision, reason)): one
    transaction, one event. Every line must be the manager's, or nothing is decided. Accepting
    a line below the price floor needs its reason in ``floor_overrides`` (line id -> reason)."""
    if not decisions:
        raise InvalidError(NO_DECISIONS, code="no_decisions")
    try:
        cleaned = {int(pk): _clean_decision(*value) for pk, value in decisions.items()}
    except (TypeError, ValueError):
        raise InvalidError(LINES_INVALID, code="lines_invalid") from None
    action = "lines_decide:" + ",".join(f"{pk}={cleaned[pk][0]}" for pk in sorted(cleaned))
    with transaction.atomic():
        lock(promo)
        lines = {line.pk: line for line in promo.lines.filter(pk__in=cleaned).select_related("product__category")}
        if len(lines) != len(cleaned):
            require_visible(promo=promo, actor=actor)
            raise InvalidError(LINE_NOT_IN_PROMO, code="line_not_in_promo")
        standing = require_role("lines", promo=promo, actor=actor, line_ids=cleaned)
        if not check_version(promo, actor=actor, version=version, action=action):
            return promo
        require_state("lines", promo=promo, standing=standing)
        return _decide(promo, actor=actor, action=action,
                       decisions=[(lines[pk], *cleaned[pk]) for pk in sorted(cleaned)],
                       overrides={int(pk): reason for pk, reason in (floor_overrides or {}).items()})


def promo_withdraw(*, promo: Promo, actor, version: int | None = None, reason: str = "",
                   notify: bool = True) -> Promo:
    """The supplier takes back a draft or a submitted promo that is not in force yet
    (a marketer may do it on the supplier's behalf)."""
    with transaction.atomic():
        lock(promo)
        standing = require_role("withdraw", promo=promo, actor=actor)
        if not check_version(promo, actor=actor, version=version, action="withdraw"):
            return promo
        if promo.status == Status.WITHDRAWN:
            return promo
        require_state("withdraw", promo=promo, standing=standing)
        from_status, from_version = promo.status, promo.version
        reason = (reason or "").strip()
        promo.status = Status.WITHDRAWN
        save_promo(promo, actor=actor, reason=reason, fields=["status"])
        close_requests(promo, actor=actor)
        record(promo, kind=Kind.PROMO_WITHDRAWN, actor=actor, from_status=from_status, reason=reason,
               action="withdraw", from_version=from_version, notify=notify)
    return promo


def promo_cancel(*, promo: Promo, actor, reason: str, version: int | None = None,
                 today: date | None = None, notify: bool = True) -> Promo:
    """A marketer cancels a promo in force (with a reason); exports drop it from then on, and
    the supplier's open requests are closed."""
    with transaction.atomic():
        lock(promo)
        standing = require_role("cancel", promo=promo, actor=actor)
        if not check_version(promo, actor=actor, version=version, action="cancel"):
            return promo
        if promo.status == Status.CANCELLED:
            return promo
        require_state("cancel", promo=promo, standing=standing, today=today)
        reason = require_reason(reason)
        from_status, from_version = promo.status, promo.version
        promo.status = Status.CANCELLED
        save_promo(promo, actor=actor, reason=reason, fields=["status"])
        close_requests(promo, actor=actor)
        record(promo, kind=Kind.PROMO_CANCELLED, actor=actor, from_status=from_status, reason=reason,
               action="cancel", from_version=from_version, notify=notify)
    return promo
