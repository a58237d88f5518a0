"""Point corrections of a promo's terms: its dates (:func:`promo_correct`), one line
(:func:`line_correct`), its branches (:func:`promo_set_targeting`) and a later end
(:func:`promo_extend`), by a manager of its categories or a marketer (who may do which, when:
:mod:`promo.services.actions`).

New values keep the rules of :mod:`promo.rules` (the same as a supplier sheet's), worded as a
sheet words them (:mod:`promo.services.corrections`). A change of the terms makes a new
revision; decided lines it touches need a decision again and an approved promo goes back to
approval while its approved revision stays in force (the kernel, :mod:`promo.services.workflow`).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from branches.targeting import Targeting, chain_with_picks_message
from promo import mechanics, rules
from promo.models import Promo, PromoEvent, PromoLine
from promo.services.actions import require_role, require_state
from promo.services.corrections import LineChange, check_new_end, line_plan, plain, raise_rules
from promo.services.errors import InvalidError
from promo.services.revisions import revision_freeze_decisions
from promo.services.workflow import (
    UNDO_DECISION_FIELDS,
    back_to_approval,
    check_version,
    lock,
    new_revision,
    record,
    require_reason,
    reset_decisions,
    save_lines,
    save_promo,
    today_or,
)

Status = Promo.Status
Decision = PromoLine.Decision
Kind = PromoEvent.Kind

NO_TARGETING = _("Не выбран ни один филиал.")


def apply_line_plan(line: PromoLine, promo: Promo, plan: list[LineChange]) -> list[str]:
    """Set the planned values on the line; a percent line's stored price follows its discount."""
    fields = []
    for change in plan:
        setattr(line, change.field, change.new)
        fields.append(change.field)
    if "discount_percent" in fields and promo.mechanic == Promo.Mechanic.PERCENT and line.promo_price is not None:
        line.promo_price = mechanics.percent_price(line.regular_price, line.discount_percent)
        fields.append("promo_price")
    if reset_decisions([line]):
        fields += UNDO_DECISION_FIELDS
    return fields


def promo_correct(*, promo: Promo, actor, reason: str, version: int | None = None,
                  start: date | None = None, end: date | None = None, today: date | None = None) -> Promo:
    """Correct the dates of a promo (a manager of any of its categories, or a marketer), with
    a reason. New dates make a new revision; accepted lines need a decision again."""
    with transaction.atomic():
        lock(promo)
        standing = require_role("correct", promo=promo, actor=actor)
        new_start, new_end = start or promo.start, end or promo.end
        action = f"correct:{new_start.isoformat()}:{new_end.isoformat()}"
        if not check_version(promo, actor=actor, version=version, action=action):
            return promo
        require_state("correct", promo=promo, standing=standing, today=today)
        if (new_start, new_end) == (promo.start, promo.end):
            return promo
        reason = require_reason(reason)
        raise_rules(rules.period_problems(new_start, new_end, today=today_or(today), old_start=promo.start,
                                          old_end=promo.end))
        from_status, from_version = promo.status, promo.version
        changes = [{"field": name, "old": plain(getattr(promo, name)), "new": plain(value)}
                   for name, value in (("start", new_start), ("end", new_end)) if getattr(promo, name) != value]
        promo.start, promo.end = new_start, new_end
        fields = ["start", "end", "revision", *back_to_approval(promo)]
        save_lines(reset_decisions(promo.lines.filter(decision=Decision.ACCEPTED)), actor=actor,
                   reason=reason, fields=UNDO_DECISION_FIELDS)
        new_revision(promo, actor=actor, reason=reason)
        save_promo(promo, actor=actor, reason=reason, fields=fields)
        record(promo, kind=Kind.PROMO_CORRECTED, actor=actor, from_status=from_status, reason=reason,
               action=action, from_version=from_version, payload={"changes": changes})
    return promo


def line_correct(*, line: PromoLine, actor, reason: str, version: int | None = None, **changes) -> PromoLine:
    """Correct the terms of one line (``discount_percent``, ``promo_price``,
    ``compensation_percent``) by a manager of its category or a marketer, with a reason.
    The values follow the import's rules; the corrected line needs a decision again, the
    promo gets a new revision and, if approved, goes back to approval."""
    promo = line.promo
    with transaction.atomic():
        lock(promo)
        standing = require_role("line_correct", promo=promo, actor=actor, line_ids=[line.pk])
        terms = ",".join(f"{key}={changes[key]}" for key in sorted(changes))
        action = f"line_correct:{line.pk}:{terms}"
        if check_version(promo, actor=actor, version=version, action=action):
            require_state("line_correct", promo=promo, standing=standing)
            fresh = PromoLine.objects.select_related("product").get(pk=line.pk)
            plan = line_plan(fresh, promo, changes)
            errors = [change for change in plan if change.error]
            if errors:
                raise InvalidError(" ".join(change.error for change in errors), code=errors[0].code)
            if plan:
                reason = require_reason(reason)
                from_status, from_version = promo.status, promo.version
                fields = apply_line_plan(fresh, promo, plan)
                fresh._history_user, fresh._change_reason = actor, reason
                fresh.save(update_fields=sorted({*fields, "updated_at"}))
                promo_fields = ["revision", *back_to_approval(promo)]
                new_revision(promo, actor=actor, reason=reason)
                save_promo(promo, actor=actor, reason=reason, fields=promo_fields)
                record(promo, kind=Kind.PROMO_CORRECTED, actor=actor, from_status=from_status,
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
        lock(promo)
        standing = require_role("targeting", promo=promo, actor=actor)
        new = targeting.to_json()
        action = "targeting:" + str(sorted(new.items()))
        if not check_version(promo, actor=actor, version=version, action=action):
            return promo
        require_state("targeting", promo=promo, standing=standing)
        if targeting.is_empty:
            raise InvalidError(NO_TARGETING, code="no_targeting")
        if targeting.chain_with_picks:
            raise InvalidError(chain_with_picks_message(), code="chain_with_picks")
        if Targeting.from_json(promo.targeting) == targeting:
            return promo
        reason = (reason or "").strip()
        from_status, from_version = promo.status, promo.version
        old_text = promo.rules.describe()
        promo.targeting = new
        new_revision(promo, actor=actor, reason=reason)
        fields = ["targeting", "revision"]
        if promo.status == Status.APPROVED:
            promo.approved_revision = revision_freeze_decisions(promo=promo)
            fields.append("approved_revision")
        save_promo(promo, actor=actor, reason=reason, fields=fields)
        record(promo, kind=Kind.TARGETING_CHANGED, actor=actor, from_status=from_status, reason=reason,
               action=action, from_version=from_version,
               payload={"changes": [{"field": "targeting", "old": old_text, "new": targeting.describe()}],
                        "targeting": new})
    return promo


def promo_extend(*, promo: Promo, actor, new_end: date, version: int | None = None, reason: str = "",
                 today: date | None = None, notify: bool = True) -> Promo:
    """A marketer moves the end of a submitted or approved promo later. The new end makes a
    new revision that goes to approval again (accepted lines back to pending) while the
    approved revision stays in force. (A supplier asks instead:
    :func:`promo.services.supplier_requests.promo_request_extension`; ``notify=False``: the
    accepted request's own event tells everyone.)"""
    with transaction.atomic():
        lock(promo)
        standing = require_role("extend", promo=promo, actor=actor)
        action = f"extend:{new_end.isoformat()}"
        if not check_version(promo, actor=actor, version=version, action=action):
            return promo
        require_state("extend", promo=promo, standing=standing, today=today)
        if promo.end == new_end:
            return promo
        check_new_end(promo, new_end, today_or(today))
        reason = (reason or "").strip()
        from_status, from_version, old_end = promo.status, promo.version, promo.end
        promo.end = new_end
        fields = ["end", "revision", *back_to_approval(promo)]
        save_lines(reset_decisions(promo.lines.filter(decision=Decision.ACCEPTED)), actor=actor,
                   reason=reason, fields=UNDO_DECISION_FIELDS)
        new_revision(promo, actor=actor, reason=reason)
        save_promo(promo, actor=actor, reason=reason, fields=fields)
        record(promo, kind=Kind.PROMO_EXTENDED, actor=actor, from_status=from_status, reason=reason,
               action=action, from_version=from_version, notify=notify,
               payload={"changes": [{"field": "end", "old": plain(old_end), "new": plain(new_end)}]})
    return promo

