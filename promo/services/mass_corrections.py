"""Mass corrections: a marketer shifts the dates or sets the discount or the compensation of
many lines (of many promos) at once, first as a preview that writes nothing, then all or
nothing with a reason. Every change keeps the rules of a point correction
(:mod:`promo.services.point_corrections`); every touched promo gets one new revision, and one
digest event announces the batch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from promo import rules
from promo.models import Promo, PromoEvent, PromoLine
from promo.services.actions import MARKETER_ONLY, Standing, state_refusal
from promo.services.corrections import LineChange, line_plan, period_error
from promo.services.errors import InvalidError, MassCorrectionError, NotAllowedError
from promo.services.events import event_record
from promo.services.point_corrections import apply_line_plan
from promo.services.workflow import (
    UNDO_DECISION_FIELDS,
    as_version,
    back_to_approval,
    new_revision,
    record,
    require_reason,
    reset_decisions,
    save_lines,
    save_promo,
    stale_error,
    today_or,
)
from suppliers.roles import is_marketer

Decision = PromoLine.Decision
Kind = PromoEvent.Kind

NOTHING_TO_CHANGE = _("Укажите, что изменить: сдвиг дат, скидку или компенсацию.")
LINES_NOT_FOUND = _("Часть выбранных строк не найдена или недоступна.")
MASS_CORRECTION_INVALID = _("Корректировка не применена: ошибок — %(count)s. Исправьте и повторите.")
SHIFT_INVALID = _("Сдвиг дат должен быть целым числом дней.")
NO_LINES_SELECTED = _("Не выбрано ни одной строки.")


@dataclass
class MassCorrectionResult:
    """What a mass correction changed: the promos touched (each with a new revision), every
    change applied, and the one digest event announcing them."""

    promos: list = field(default_factory=list)
    changes: list[LineChange] = field(default_factory=list)
    event: Any = None


def _line_ids(lines) -> list[int]:
    """Primary keys of PromoLine objects or ids (ints or digit strings from a form)."""
    try:
        return sorted({int(line) if isinstance(line, int | str) else line.pk for line in lines})
    except (TypeError, ValueError):
        raise InvalidError(LINES_NOT_FOUND, code="lines_invalid") from None


# A shift longer than the days promos may run on lands outside them whatever the promo: the
# range rule refuses it; clamping keeps the date arithmetic inside the calendar.
_LONGEST_SHIFT = (rules.LAST_PROMO_DAY - rules.FIRST_PROMO_DAY).days + 1


def _mass_plan(lines: list[PromoLine], promos: dict[int, Promo], *, actor, shift_days, discount_percent,
               compensation_percent, today: date) -> list[LineChange]:
    plan: list[LineChange] = []
    by_promo: dict[int, list[PromoLine]] = {}
    for line in lines:
        by_promo.setdefault(line.promo_id, []).append(line)
    for promo_id in sorted(by_promo):
        promo = promos[promo_id]
        refusal = state_refusal("line_correct", promo=promo, standing=Standing(actor, promo, visible=True),
                                today=today)
        status_error = refusal.message if refusal is not None else ""
        if shift_days:
            delta = timedelta(days=max(-_LONGEST_SHIFT, min(_LONGEST_SHIFT, int(shift_days))))
            start, end = promo.start + delta, promo.end + delta
            error = status_error or period_error(start=start, end=end, old_start=promo.start, old_end=promo.end,
                                                 today=today)
            plan.append(LineChange(line=None, promo=promo, field="start", old=promo.start, new=start, error=error))
            plan.append(LineChange(line=None, promo=promo, field="end", old=promo.end, new=end, error=error))
        changes = {}
        if discount_percent is not None:
            changes["discount_percent"] = discount_percent
        if compensation_percent is not None:
            changes["compensation_percent"] = compensation_percent
        for line in sorted(by_promo[promo_id], key=lambda row: row.product.article):
            for change in line_plan(line, promo, changes):
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
    except (TypeError, ValueError, OverflowError):
        raise InvalidError(SHIFT_INVALID, code="shift_invalid") from None
    values = {
        "shift_days": shift_days,
        "discount_percent": None if discount_percent in blank else discount_percent,
        "compensation_percent": None if compensation_percent in blank else compensation_percent,
    }
    if not shift_days and values["discount_percent"] is None and values["compensation_percent"] is None:
        raise InvalidError(NOTHING_TO_CHANGE, code="nothing_to_change")
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
    return _mass_plan(rows, promos, actor=actor, today=today_or(today), **values)


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
    reason = require_reason(reason)
    ids = _line_ids(line_ids)
    if not ids:
        raise InvalidError(NO_LINES_SELECTED, code="no_lines")
    versions = {int(k): as_version(v) for k, v in (versions or {}).items()}
    with transaction.atomic():
        rows = list(PromoLine.objects.restrict(actor).filter(pk__in=ids).select_related("product"))
        if len(rows) != len(ids):
            raise NotAllowedError(LINES_NOT_FOUND, code="lines_not_found")
        # Lock every touched promo in primary-key order, so two batches cannot deadlock.
        promos = {p.pk: p for p in Promo.objects.select_for_update().filter(
            pk__in={row.promo_id for row in rows}).order_by("pk")}
        for promo in promos.values():
            if versions.get(promo.pk) not in (None, promo.version):
                raise stale_error(promo)
        for row in rows:
            row.promo = promos[row.promo_id]
        plan = _mass_plan(rows, promos, actor=actor, today=today_or(today), **values)
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
        line_fields.update(apply_line_plan(line, promo, [c for c in changes if c.line is line]))
    if {"start", "end"} & set(fields):
        # New dates need a decision again on every accepted line.
        others = promo.lines.filter(decision=Decision.ACCEPTED).exclude(pk__in=list(lines)).select_related("product")
        reset = reset_decisions(others)
        for line in reset:
            lines[line.pk] = line
        if reset:
            line_fields.update(UNDO_DECISION_FIELDS)
    save_lines(list(lines.values()), actor=actor, reason=reason, fields=line_fields)
    fields += back_to_approval(promo)
    new_revision(promo, actor=actor, reason=reason)
    save_promo(promo, actor=actor, reason=reason, fields=fields)
    record(promo, kind=Kind.MASS_CORRECTED, actor=actor, from_status=from_status, reason=reason,
           action="mass_correction", from_version=from_version, notify=False,
           payload={"changes": [change.as_payload() for change in changes]})
