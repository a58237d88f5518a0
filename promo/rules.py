"""The line and period rules of a promo, in one place. Pure functions over plain values (no
database, no messages), like :mod:`promo.mechanics`: each returns a :class:`RuleProblem` (a
code of the import contract plus params) or ``None``. The sheet import
(``imports/cells.py``, ``imports/values.py``), point and mass corrections, extensions and
the supplier's extension request, the forms and the export date checks all call them; the
messages are rendered at the edges from one code -> message table
(``promo.services.imports.problems.MESSAGES``), so a sheet and a correction that break the same
rule say it the same way.

The rules (limits from settings, read through :class:`Limits`):

- every date between 01.01.2000 and 31.12.2099 (``date_invalid``, reason ``out_of_range``);
- the end not before the start (``period_reversed``);
- at most ``PROMO_MAX_DAYS`` days, both ends counted (``period_too_long``);
- a start at least ``PROMO_MIN_LEAD_DAYS`` days after today (``start_too_soon``);
- an end not before today (``end_in_past``);
- an extension ends later than the promo does now (``end_not_later``);
- a discount from ``PROMO_DISCOUNT_MIN`` to ``PROMO_DISCOUNT_MAX`` % (``discount_out_of_range``;
  none at all: ``value_required``);
- a promo price above zero once rounded to kopecks (``price_invalid``, reason ``not_positive``;
  none at all: ``value_required``) and below the regular price (``price_not_below_regular``);
- a supplier compensation from 0 to 100 % or none (``compensation_out_of_range``);
- N and M of an «N+M» from 1 to 99 (``nplusm_invalid``, reason ``too_large`` above 99).

Decisions where the entry points used to disagree (docs/development/rules.md lists them too;
the forms no longer set limits of their own either):

1. *The lead time and «end in the past» apply to a period that is set, never to one that is
   kept.* A new promo from a sheet, a point correction of the dates, a mass date shift and an
   extension set a period: its start (if it moved) keeps the lead time and its end (if anything
   moved) must not be over. A corrected upload that revises a promo keeps the promo's period
   (revisions are matched on the same dates), so a running or even finished promo can get a
   corrected sheet, exactly as a manager can correct one of its lines (before, the sheet refused
   the start of a running promo as «too soon» while a point correction accepted it).
2. *A sheet reports an end in the past as such* (``end_in_past``), next to ``start_too_soon``
   (before, only the lead time spoke, and a correction said «end in the past»).
3. *Values are checked as they are stored*: discounts, prices and compensations are rounded to
   kopecks first (a sheet's 90,004 % is 90 %, as a correction's always was).
4. *An empty discount or price is «required»* (``value_required``) everywhere (a correction
   used to call an empty price «must be above zero»).
5. *Several broken rules*: a sheet shows every one of them on its row; a service refuses with
   the code of the first (in the order of :func:`period_problems`) and every message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal

# The days a promo may run on, whoever sets them (sheet, correction, extension), and the days
# an export may be run for. Far outside, a typo such as 9999 passes every other rule and then
# breaks date arithmetic downstream (the day after the end, an export horizon past date.max).
FIRST_PROMO_DAY, LAST_PROMO_DAY = date(2000, 1, 1), date(2099, 12, 31)
# N and M of an «N+M» (a box of 99 is already more than a shelf offer; lines store small integers).
NPLUSM_MIN, NPLUSM_MAX = 1, 99
COMPENSATION_MIN, COMPENSATION_MAX = Decimal(0), Decimal(100)
# The reason or comment of an action (submit, approve, reject, withdraw, cancel, extend, a line's
# decision, a supplier's request and its answer, a bulk action), typed on a page or sent to the
# API: the forms' maxlength and the API's maxLength.
REASON_MAX_LENGTH = 2000
# The longest promo name the tills' files hold (S-Market's PROMO_NAME, Set Retail 10's name:
# erp-formats.md §3, §4); a longer one is cut there, and the import says so (``name_cut_at_tills``).
TILL_NAME_MAX = 100

# How much later than the current end the extension forms suggest (a week); the person changes it.
EXTENSION_SUGGESTED_DAYS = 7

# Codes that depend on today: they apply to a period that is set, not to one that is kept.
TIMELY_CODES = frozenset({"start_too_soon", "end_in_past"})

_KOPECK = Decimal("0.01")
# Numbers this large are beyond every limit as they are: rounding them would only cost digits.
_HUGE_EXPONENT = 40
# Enough digits to round any smaller number (the default context has 28).
_WIDE = Context(prec=_HUGE_EXPONENT + 10)


@dataclass(frozen=True)
class Limits:
    """The configurable limits (settings ``PROMO_DISCOUNT_MIN``/``MAX``, ``PROMO_MAX_DAYS``,
    ``PROMO_MIN_LEAD_DAYS``)."""

    discount_min: int | Decimal = 1
    discount_max: int | Decimal = 90
    max_days: int = 92
    lead_days: int = 14

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(discount_min=settings.PROMO_DISCOUNT_MIN, discount_max=settings.PROMO_DISCOUNT_MAX,
                   max_days=int(settings.PROMO_MAX_DAYS), lead_days=int(settings.PROMO_MIN_LEAD_DAYS))


@dataclass(frozen=True)
class RuleProblem:
    """A broken rule: ``code`` (of the import contract), the ``field`` it is about (``start``,
    ``end``, ``discount_percent``, ``promo_price``, ``compensation_percent``, ``mechanic``) and
    the ``params`` of its message (plain values: dates, Decimals, ints)."""

    code: str
    field: str
    params: dict = field(default_factory=dict, hash=False)


def _limits(limits: Limits | None) -> Limits:
    return limits if limits is not None else Limits.from_settings()


def kopecks(value: Decimal) -> Decimal:
    """``value`` rounded half up to kopecks (what the database stores), whatever its size: a
    number of more than 40 digits comes back as it is (no limit lets it through anyway)."""
    value = Decimal(value)
    if value.is_finite() and value.adjusted() > _HUGE_EXPONENT:
        return value
    return value.quantize(_KOPECK, rounding=ROUND_HALF_UP, context=_WIDE)


# --- dates and periods -------------------------------------------------------------------


def date_in_range(day: date, *, field: str = "") -> RuleProblem | None:
    """A date promos may run on (and exports be run for): 2000-2099."""
    if FIRST_PROMO_DAY <= day <= LAST_PROMO_DAY:
        return None
    return RuleProblem("date_invalid", field, {"value": day, "reason": "out_of_range",
                                               "first": FIRST_PROMO_DAY, "last": LAST_PROMO_DAY})


def period_order(start: date, end: date) -> RuleProblem | None:
    if end < start:
        return RuleProblem("period_reversed", "end", {"start": start, "end": end})
    return None


def period_length(start: date, end: date, *, limits: Limits | None = None) -> RuleProblem | None:
    """Both ends count: 1-30 June is 30 days."""
    length, most = (end - start).days + 1, _limits(limits).max_days
    if length > most:
        return RuleProblem("period_too_long", "end", {"length": length, "max": most})
    return None


def start_lead_time(start: date, *, today: date, limits: Limits | None = None) -> RuleProblem | None:
    """A new start leaves the chain ``lead_days`` days to prepare."""
    lead = _limits(limits).lead_days
    earliest = today + timedelta(days=lead)
    if start < earliest:
        return RuleProblem("start_too_soon", "start", {"start": start, "earliest": earliest, "days": lead})
    return None


def end_not_past(end: date, *, today: date) -> RuleProblem | None:
    if end < today:
        return RuleProblem("end_in_past", "end", {"end": end, "today": today})
    return None


def extension_end(new_end: date, *, end: date) -> RuleProblem | None:
    """An extension moves the end later."""
    if new_end <= end:
        return RuleProblem("end_not_later", "end", {"value": new_end, "end": end})
    return None


def latest_extension_end(start: date, end: date, *, today: date, limits: Limits | None = None) -> date | None:
    """The latest end an extension of the period ``start``-``end`` may set (the start stays, so
    only the length, the last promo day and «not in the past» bound it), or ``None`` when no
    end later than ``end`` passes them: the promo already runs as long as a promo may."""
    latest = min(start + timedelta(days=_limits(limits).max_days - 1), LAST_PROMO_DAY)
    return latest if latest > end and latest >= today else None


def suggested_extension_end(start: date, end: date, *, today: date, limits: Limits | None = None) -> date | None:
    """The end an extension form starts from: ``EXTENSION_SUGGESTED_DAYS`` after the current end
    (or after today, for a promo that has ended), at most :func:`latest_extension_end`."""
    latest = latest_extension_end(start, end, today=today, limits=limits)
    if latest is None:
        return None
    return min(max(end, today) + timedelta(days=EXTENSION_SUGGESTED_DAYS), latest)


def period_problems(start: date, end: date, *, today: date, old_start: date | None = None,
                    old_end: date | None = None, limits: Limits | None = None) -> list[RuleProblem]:
    """Every broken rule of the period ``start``-``end``, in a fixed order: dates out of range
    (then nothing else), reversed (then nothing else), lead time, length, end in the past.
    ``old_start``/``old_end`` are the promo's period before the change (None for a new one): the
    lead time applies when the start moves, «end in the past» when the period changes."""
    limits = _limits(limits)
    found = [problem for problem in (date_in_range(start, field="start"), date_in_range(end, field="end"))
             if problem is not None]
    if found:
        return found
    reversed_ = period_order(start, end)
    if reversed_ is not None:
        return [reversed_]
    checks = []
    if start != old_start:
        checks.append(start_lead_time(start, today=today, limits=limits))
    checks.append(period_length(start, end, limits=limits))
    if (start, end) != (old_start, old_end):
        checks.append(end_not_past(end, today=today))
    return [problem for problem in checks if problem is not None]


# --- line terms --------------------------------------------------------------------------


def discount_problem(value: Decimal | None, *, limits: Limits | None = None) -> RuleProblem | None:
    if value is None:
        return RuleProblem("value_required", "discount_percent")
    limits = _limits(limits)
    value = kopecks(value)
    if not limits.discount_min <= value <= limits.discount_max:
        return RuleProblem("discount_out_of_range", "discount_percent",
                           {"value": value, "min": limits.discount_min, "max": limits.discount_max})
    return None


def price_problem(price: Decimal | None) -> RuleProblem | None:
    """A promo price at all, and above zero once in kopecks (Excel formulas leave float noise
    such as 0.0049999: a price that rounds to 0,00 is no price either)."""
    if price is None:
        return RuleProblem("value_required", "promo_price")
    if kopecks(price) <= 0:
        return RuleProblem("price_invalid", "promo_price", {"value": price, "reason": "not_positive"})
    return None


def price_below_regular(price: Decimal, regular: Decimal) -> RuleProblem | None:
    """A fixed promo price is below the product's regular price."""
    if kopecks(price) >= kopecks(regular):
        return RuleProblem("price_not_below_regular", "promo_price",
                           {"price": kopecks(price), "regular": kopecks(regular)})
    return None


def compensation_problem(value: Decimal | None) -> RuleProblem | None:
    """The supplier's compensation is optional; given, it is a share of 0-100 %."""
    if value is not None and not COMPENSATION_MIN <= kopecks(value) <= COMPENSATION_MAX:
        return RuleProblem("compensation_out_of_range", "compensation_percent", {"value": kopecks(value)})
    return None


def nplusm_problem(n: int, m: int) -> RuleProblem | None:
    if n < NPLUSM_MIN or m < NPLUSM_MIN:
        return RuleProblem("nplusm_invalid", "mechanic", {"n": n, "m": m})
    if n > NPLUSM_MAX or m > NPLUSM_MAX:
        return RuleProblem("nplusm_invalid", "mechanic", {"n": n, "m": m, "reason": "too_large", "max": NPLUSM_MAX})
    return None


def term_problem(field_name: str, value: Decimal | None, *, regular_price: Decimal,
                 limits: Limits | None = None) -> RuleProblem | None:
    """The rule of one line term a correction sets (``discount_percent``, ``promo_price``,
    ``compensation_percent``)."""
    if field_name == "discount_percent":
        return discount_problem(value, limits=limits)
    if field_name == "promo_price":
        return price_problem(value) or price_below_regular(value, regular_price)
    if field_name == "compensation_percent":
        return compensation_problem(value)
    raise ValueError(f"no rule for {field_name!r}")


# --- the price floor ---------------------------------------------------------------------


def margin_floor_problem(economics, floor: Decimal | None) -> RuleProblem | None:
    """The chain's margin after the supplier's compensation (``promo.mechanics.Economics``) is
    at least ``floor`` % of what it receives per unit (settings ``PROMO_MARGIN_FLOOR_PERCENT``
    or the category's own floor; None: no floor). A line without a purchase price has no margin
    to check. Params: the margin and the floor (%), the shortfall in percentage points and in
    roubles per unit (how much more each unit would have to earn)."""
    if floor is None or economics is None or economics.margin is None:
        return None
    floor = Decimal(floor)
    # Exact, before rounding: margin / net < floor / 100.
    if economics.margin * 100 >= floor * economics.net_price:
        return None
    percent = economics.margin_percent if economics.margin_percent is not None else Decimal("0.00")
    return RuleProblem("margin_below_floor", "margin", {
        "margin": percent, "floor": kopecks(floor),
        "shortfall": max(kopecks(floor - percent), _KOPECK),
        "shortfall_rub": max(kopecks(economics.net_price * floor / 100 - economics.margin), _KOPECK),
    })
