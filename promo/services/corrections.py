"""What a corrected value must satisfy and how a change is described: the line fields a
correction may change (per mechanic), the parsing of a typed number, the rules of
:mod:`promo.rules` worded by the one code -> message table
(:func:`promo.services.imports.problems.rule_message`), the planned change of a line
(:class:`LineChange`) and the field labels and values of event payloads. Point corrections,
extensions (:mod:`promo.services.point_corrections`), supplier requests and mass corrections
share them. Imports nothing above the models, so notifications and selectors may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from promo import mechanics, rules
from promo.changes import lazy_label
from promo.models import Promo, PromoLine
from promo.services.errors import InvalidError
from promo.services.imports.problems import rule_message

# Line fields a correction may change (what the chain negotiates with the supplier).
CORRECTABLE_LINE_FIELDS = ("discount_percent", "promo_price", "compensation_percent")

# Which correctable fields a mechanic uses; the others are derived or meaningless for it.
MECHANIC_FIELDS = {
    mechanics.PERCENT: {"discount_percent", "compensation_percent"},
    mechanics.FIXED_PRICE: {"promo_price", "compensation_percent"},
    mechanics.N_PLUS_M: {"compensation_percent"},
}

# The labels of the correctable fields, from the one change formatter (promo/changes.py).
FIELD_LABELS = {name: lazy_label(name) for name in ("start", "end", *CORRECTABLE_LINE_FIELDS)}

FIELD_NOT_FOR_MECHANIC = _("Поле «%(field)s» не меняется у механики «%(mechanic)s».")
FIELD_NOT_CORRECTABLE = _("Поле «%(field)s» нельзя корректировать.")


def plain(value: Any) -> Any:
    """A value as it goes into an event payload (JSON): dates ISO, decimals as strings."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


# --- rules, worded -------------------------------------------------------------------------


def rule_text(problem: rules.RuleProblem) -> str:
    """A broken rule as a sheet words it, the field named as on the forms («Скидка, %»)."""
    label = str(FIELD_LABELS.get(problem.field, ""))
    return rule_message(problem, column=label[:1].upper() + label[1:])


def raise_rules(problems: list[rules.RuleProblem]) -> None:
    """Refuse with the code of the first broken rule and the messages of all."""
    if problems:
        raise InvalidError(" ".join(rule_text(problem) for problem in problems), code=problems[0].code)


def period_error(*, start: date, end: date, old_start: date | None, old_end: date | None, today: date) -> str:
    """The messages of every broken rule of a new period, or ``""`` (:func:`promo.rules.period_problems`)."""
    problems = rules.period_problems(start, end, today=today, old_start=old_start, old_end=old_end)
    return " ".join(rule_text(problem) for problem in problems)


def check_new_end(promo: Promo, new_end: date, today: date) -> None:
    """An extension's (or an extension request's) new end: later than now, and a period the
    rules allow (the start stays, so no lead time)."""
    later = rules.extension_end(new_end, end=promo.end)
    raise_rules([later] if later is not None else rules.period_problems(
        promo.start, new_end, today=today, old_start=promo.start, old_end=promo.end))


def parse_term(name: str, value: Any) -> tuple[Decimal | None, rules.RuleProblem | None]:
    """A number from a form, the API or a sheet (``15``, ``"15,5"``, ``Decimal``), in kopecks;
    empty -> None. Anything else is the rule problem «not a number» (``price_invalid``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    text = str(value).strip().replace(" ", "").replace(",", ".").rstrip("%")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        return None, rules.RuleProblem("price_invalid", name, {"value": str(value).strip()})
    return rules.kopecks(number), None


def term_error(*, promo: Promo, line: PromoLine, field_name: str, value: Decimal | None) -> tuple[str, str]:
    """Why ``value`` cannot be the new ``field_name`` of ``line``: (code, message), or ("", "")."""
    if field_name not in CORRECTABLE_LINE_FIELDS:
        return "field_not_correctable", str(FIELD_NOT_CORRECTABLE % {"field": field_name})
    if field_name not in MECHANIC_FIELDS.get(promo.mechanic, set()):
        return "field_not_for_mechanic", str(FIELD_NOT_FOR_MECHANIC % {
            "field": FIELD_LABELS[field_name], "mechanic": promo.get_mechanic_display()})
    problem = rules.term_problem(field_name, value, regular_price=line.regular_price)
    return ("", "") if problem is None else (problem.code, rule_text(problem))


@dataclass
class LineChange:
    """One planned change of a correction. ``line`` is None for the promo-level date fields
    (``start``/``end``), which a date shift changes once per promo; ``error`` is a Russian
    message (and ``code`` its code) when the change breaks a rule (then nothing is applied)."""

    line: Any
    promo: Any
    field: str
    old: Any
    new: Any
    error: str = ""
    code: str = ""

    @property
    def label(self) -> str:
        return str(FIELD_LABELS.get(self.field, self.field))

    def as_payload(self) -> dict:
        row = {"field": self.field, "old": plain(self.old), "new": plain(self.new)}
        if self.line is not None:
            row["line_id"] = self.line.pk
            row["article"] = self.line.product.article
        return row


def line_plan(line: PromoLine, promo: Promo, changes: dict) -> list[LineChange]:
    """The planned changes of one line (values parsed, rules checked, unchanged ones dropped)."""
    plan = []
    for name, raw in changes.items():
        old = getattr(line, name, None)
        value, problem = parse_term(name, raw)
        if problem is not None:
            plan.append(LineChange(line=line, promo=promo, field=name, old=old, new=raw,
                                   error=rule_text(problem), code=problem.code))
            continue
        if name in CORRECTABLE_LINE_FIELDS and old == value:
            continue
        code, error = term_error(promo=promo, line=line, field_name=name, value=value)
        plan.append(LineChange(line=line, promo=promo, field=name, old=old, new=value, error=error, code=code))
    return plan
