"""Rules for corrected values: the dates of a promo and the terms of a line.

Point corrections, mass corrections and extensions check new values with the same limits as
the import of a supplier sheet (settings ``PROMO_DISCOUNT_MIN/MAX``, ``PROMO_MAX_DAYS``,
``PROMO_MIN_LEAD_DAYS``; price math from :mod:`promo.mechanics`). The checks here take plain
values and return a Russian message (or ``""``), so they stay testable without a database;
the services in :mod:`promo.services.approval` apply them and write the changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from promo import mechanics
from promo.changes import fmt_date, lazy_label

# The days a promo may run on, whoever sets them (sheet, correction, extension). Far outside,
# a typo such as 9999 passes every other rule and then breaks date arithmetic downstream
# (the day after the end, an export horizon past date.max).
FIRST_PROMO_DAY, LAST_PROMO_DAY = date(2000, 1, 1), date(2099, 12, 31)

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

DISCOUNT_OUT_OF_RANGE = _("Скидка должна быть от %(min)s до %(max)s процентов.")
DISCOUNT_REQUIRED = _("Укажите скидку.")
PRICE_INVALID = _("Промо-цена должна быть больше нуля.")
PRICE_NOT_BELOW_REGULAR = _("Промо-цена должна быть ниже регулярной цены (%(regular)s).")
COMPENSATION_OUT_OF_RANGE = _("Компенсация поставщика должна быть от 0 до 100 процентов.")
VALUE_NOT_A_NUMBER = _("«%(value)s» — не число.")
FIELD_NOT_FOR_MECHANIC = _("Поле «%(field)s» не меняется у механики «%(mechanic)s».")
FIELD_NOT_CORRECTABLE = _("Поле «%(field)s» нельзя корректировать.")
PERIOD_REVERSED = _("Окончание (%(end)s) раньше начала (%(start)s).")
PERIOD_OUT_OF_RANGE = _("Даты промо должны быть между %(first)s и %(last)s.")
PERIOD_TOO_LONG = _("Промо длится %(days)s дней, а можно не больше %(max)s.")
START_TOO_SOON = _("Начало должно быть не раньше %(earliest)s (за %(lead)s дней до старта).")
END_IN_PAST = _("Окончание (%(end)s) уже прошло.")


def parse_decimal(value: Any) -> Decimal | None:
    """A number from a form, the API or a sheet (``15``, ``"15,5"``, ``Decimal``); empty -> None.
    Raises ValueError with a Russian message for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip().replace(" ", "").replace(",", ".").rstrip("%")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(str(VALUE_NOT_A_NUMBER % {"value": value})) from None
    if not number.is_finite():
        raise ValueError(str(VALUE_NOT_A_NUMBER % {"value": value}))
    return mechanics.money(number)


def period_error(*, start: date, end: date, old_start: date | None, today: date) -> str:
    """The first broken rule of a promo period, or ``""``. The lead time applies only when the
    start moves (a running promo may still get a later end)."""
    if not (FIRST_PROMO_DAY <= start <= LAST_PROMO_DAY and FIRST_PROMO_DAY <= end <= LAST_PROMO_DAY):
        return str(PERIOD_OUT_OF_RANGE % {"first": fmt_date(FIRST_PROMO_DAY), "last": fmt_date(LAST_PROMO_DAY)})
    if end < start:
        return str(PERIOD_REVERSED % {"start": fmt_date(start), "end": fmt_date(end)})
    days = (end - start).days + 1
    if days > settings.PROMO_MAX_DAYS:
        return str(PERIOD_TOO_LONG % {"days": days, "max": settings.PROMO_MAX_DAYS})
    if start != old_start:
        earliest = today + timedelta(days=settings.PROMO_MIN_LEAD_DAYS)
        if start < earliest:
            return str(START_TOO_SOON % {"earliest": fmt_date(earliest),
                                         "lead": settings.PROMO_MIN_LEAD_DAYS})
    if end < today:
        return str(END_IN_PAST % {"end": fmt_date(end)})
    return ""


def line_value_error(*, mechanic: str, mechanic_label: str, field_name: str, value: Decimal | None,
                     regular_price: Decimal) -> str:
    """Why ``value`` cannot be the new ``field_name`` of a line under ``mechanic``, or ``""``."""
    if field_name not in CORRECTABLE_LINE_FIELDS:
        return str(FIELD_NOT_CORRECTABLE % {"field": field_name})
    if field_name not in MECHANIC_FIELDS.get(mechanic, set()):
        return str(FIELD_NOT_FOR_MECHANIC % {"field": FIELD_LABELS[field_name], "mechanic": mechanic_label})
    if field_name == "discount_percent":
        if value is None:
            return str(DISCOUNT_REQUIRED)
        low, high = settings.PROMO_DISCOUNT_MIN, settings.PROMO_DISCOUNT_MAX
        if not low <= value <= high:
            return str(DISCOUNT_OUT_OF_RANGE % {"min": low, "max": high})
    elif field_name == "promo_price":
        if value is None or value <= 0:
            return str(PRICE_INVALID)
        if value >= regular_price:
            return str(PRICE_NOT_BELOW_REGULAR % {"regular": f"{mechanics.money(regular_price):.2f}"})
    elif field_name == "compensation_percent" and value is not None and not 0 <= value <= 100:
        return str(COMPENSATION_OUT_OF_RANGE)
    return ""


def plain(value: Any) -> Any:
    """A value as it goes into an event payload (JSON): dates ISO, decimals as strings."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


@dataclass
class LineChange:
    """One planned change of a mass correction. ``line`` is None for the promo-level date
    fields (``start``/``end``), which a date shift changes once per promo; ``error`` is a
    Russian message when the change breaks a rule (then nothing of the batch is applied)."""

    line: Any
    promo: Any
    field: str
    old: Any
    new: Any
    error: str = ""

    @property
    def label(self) -> str:
        return str(FIELD_LABELS.get(self.field, self.field))

    def as_payload(self) -> dict:
        row = {"field": self.field, "old": plain(self.old), "new": plain(self.new)}
        if self.line is not None:
            row["line_id"] = self.line.pk
            row["article"] = self.line.product.article
        return row


@dataclass
class MassCorrectionResult:
    """What a mass correction changed: the promos touched (each with a new revision), every
    change applied, and the one digest event announcing them."""

    promos: list = field(default_factory=list)
    changes: list[LineChange] = field(default_factory=list)
    event: Any = None
