"""What changed, as people read it: the one formatter of «field: old → new» rows, shared by the
promo's history, the promo page (its revision diff) and the e-mails.

- :func:`field_label`: a field's name, the model's ``verbose_name`` where it fits
  (:class:`~promo.models.Promo`, :class:`~promo.models.PromoLine`), else :data:`LABELS`.
- :class:`ChangeFormatter`: a stored value as text in the active language: money with two
  decimals in the reader's format, thousands grouped (``1 281,90`` in Russian, ``1,281.90`` in
  English), percents as the promo page shows them (:func:`percent_value`: ``15``, ``12,50``), dates ``dd.mm.yyyy``,
  targeting rules as names, statuses, mechanics and decisions as their labels, never codes; an
  accept below the price floor, stored as its margin and floor, as :func:`below_floor_text`
  (and a line's reason with it as :func:`below_floor_note`). Names of related rows are loaded
  in bulk (:meth:`ChangeFormatter.load`), so formatting runs no query per value.
- :class:`Change`: one row; :func:`diff_changes` and :func:`payload_changes` read the two
  shapes changes travel in (a revision diff, an event payload) into raw rows
  ``(what, field, old, new)`` for :meth:`ChangeFormatter.rows`.

It imports nothing above the models: services, notifications, selectors and views import it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Branch, BranchGroup, City, Region
from branches.targeting import Targeting
from promo.models import Promo, PromoLine, PromoRevision
from suppliers.models import Supplier

# A raw change as the readers below produce it: (what, field, old value, new value); ``what`` is
# a product article, a heading («добавлены строки») or "" for the promo's own terms.
RawChange = tuple[str, str, Any, Any]

# Labels of the fields the models do not name the way a change row should.
LABELS = {
    # The model's «филиалы (правила)» speaks of how the rules are stored.
    "targeting": gettext_lazy("филиалы"),
    "new_end": gettext_lazy("окончание"),
}

MONEY_FIELDS = frozenset({"promo_price", "regular_price"})
PERCENT_FIELDS = frozenset({"discount_percent", "compensation_percent"})
DATE_FIELDS = frozenset({"start", "end", "date", "new_end"})
CHOICES = {
    "status": Promo.Status,
    "from_status": Promo.Status,
    "to_status": Promo.Status,
    "mechanic": Promo.Mechanic,
    "decision": PromoLine.Decision,
}
EMPTY = "—"
# Headings of the rows that list whole lines (lazy: a row is read in its reader's language).
ADDED_LINES = gettext_lazy("добавлены строки")
REMOVED_LINES = gettext_lazy("удалены строки")
LINE_ADDED = gettext_lazy("строка добавлена")
LINE_REMOVED = gettext_lazy("строка удалена")
# An accept below the price floor (``PromoLine.below_floor``, ``payload.lines[].below_floor``):
# stored as facts, worded here in the reader's language.
BELOW_FLOOR_FACTS = gettext_lazy("маржа {margin} % при пороге {floor} %")
BELOW_FLOOR_NOTE = gettext_lazy("Согласовано ниже порога маржи ({margin} % при пороге {floor} %): {reason}")


@cache
def lazy_label(name: str):
    """:func:`field_label` as a lazy text, for constants built at import time."""
    if name in LABELS:
        return LABELS[name]
    for model in (PromoLine, Promo):
        try:
            return model._meta.get_field(name).verbose_name
        except FieldDoesNotExist:
            continue
    return name


def field_label(name: str) -> str:
    """A field's name as people read it, in the active language (``"скидка, %"``)."""
    return str(lazy_label(name)) if name else ""


def fmt_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def money_text(value) -> str:
    """Roubles with two decimals in the reader's format, thousands grouped as everywhere in
    the UI (``floatformat:"2g"``): ``1 281,90`` (ru), ``1,281.90`` (en)."""
    return number_format(Decimal(str(value)).quantize(Decimal("0.01")), 2, force_grouping=True)


def percent_value(value) -> Decimal:
    """A percent as people read it (the one rule of how many places): rounded half up to
    hundredths, then a whole number when that is one (``15.00`` and ``14.999`` read ``15``,
    ``12.5`` reads ``12.50``). The promo page's cells (the term, the shopper's discount, the
    compensation), its PDF sheet and the change rows all write this figure."""
    number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def percent_text(value) -> str:
    """A percent as the promo page shows it (:func:`percent_value`): ``15`` when whole, else
    ``12,50`` (ru)."""
    number = percent_value(value)
    return number_format(number, 0 if number.as_tuple().exponent == 0 else 2)


def margin_percent_text(value) -> str:
    """A margin after compensation, a price floor or a shortfall (%, п.п.) as every place
    reads it, always in hundredths, whole or not (``12,79``, ``15,00``): the promo page's margin
    cell, the queue's worst line, the PDF sheet, the floor's refusals and override notes, so
    that «12,79 %» + «2,21 п.п.» add up to the «15,00 %» floor. (A term the user typed reads by
    :func:`percent_value`.)"""
    return number_format(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), 2)


def _floor_numbers(facts) -> dict[str, str] | None:
    try:
        return {key: margin_percent_text(facts[key]) for key in ("margin", "floor")}
    except (InvalidOperation, KeyError, TypeError, ValueError):
        return None


def below_floor_text(facts) -> str:
    """An override's facts (``{"margin": "-3.25", "floor": "10.00"}``) in the active language:
    ``маржа -3,25 % при пороге 10,00 %``."""
    numbers = _floor_numbers(facts) if isinstance(facts, dict) else None
    return str(BELOW_FLOOR_FACTS).format(**numbers) if numbers else str(facts)


# Before the facts were stored (promo migration 0012) the note was written into the reason, in
# the actor's language; the lines were migrated (0012), and so were the events whose note reads
# back into their own facts (0013); what did not is shown as it was written.
_OLD_NOTES = ("Согласовано ниже порога маржи (", "Approved below the margin floor (")


def below_floor_note(facts, reason: str) -> str:
    """A line's decision reason as people read it: the reason as typed, after the words of an
    accept below the price floor when ``facts`` say it was one."""
    numbers = _floor_numbers(facts) if isinstance(facts, dict) else None
    if numbers is None or reason.startswith(_OLD_NOTES):
        return reason
    return str(BELOW_FLOOR_NOTE).format(reason=reason, **numbers)


@dataclass(frozen=True)
class Change:
    """One «old → new» row: ``what`` (an article, a heading or ""), the field's ``label`` and
    the two values, all texts in the language the row was made in."""

    what: str
    field: str
    label: str
    old: str
    new: str

    @property
    def title(self) -> str:
        """What changed, in one text: ``A100001 · скидка, %`` or ``окончание``."""
        return " · ".join(part for part in (self.what, self.label) if part)


class ChangeFormatter:
    """Turns stored values into text. Names of suppliers, revisions, regions, cities, branch
    groups and branches are loaded in bulk, once per formatter: call :meth:`load` with the
    raw rows first (:meth:`rows` does), then format as many values as needed."""

    TARGETING_SOURCES = {"regions": (Region, "name"), "cities": (City, "name"),
                         "groups": (BranchGroup, "name"), "branches": (Branch, "code")}

    def __init__(self):
        self.suppliers: dict[int, str] = {}
        self.revisions: dict[int, int] = {}
        # In the models' order (names, branch codes), as Targeting.describe() lists them.
        self.names: dict[str, dict[int, str]] = {key: {} for key in self.TARGETING_SOURCES}

    def load(self, rows: Iterable[RawChange]) -> None:
        """Load the names the values of ``rows`` refer to (one query per kind, only for ids
        not loaded yet)."""
        suppliers, revisions = set(), set()
        wanted: dict[str, set[int]] = {key: set() for key in self.TARGETING_SOURCES}
        for _what, name, *values in rows:
            for value in values:
                if value is None:
                    continue
                if name == "supplier":
                    suppliers.add(value)
                elif name == "approved_revision":
                    revisions.add(value)
                elif name == "targeting" and isinstance(value, dict):
                    for key, ids in self._targeting_ids(value).items():
                        wanted[key] |= ids
        self._load_names(wanted)
        suppliers -= self.suppliers.keys()
        if suppliers:
            self.suppliers |= {s.pk: str(s) for s in Supplier.objects.filter(pk__in=suppliers)}
        revisions -= self.revisions.keys()
        if revisions:
            self.revisions |= dict(PromoRevision.objects.filter(pk__in=revisions).values_list("pk", "number"))

    @staticmethod
    def _targeting_ids(data: dict) -> dict[str, set[int]]:
        rules = Targeting.from_json(data)
        return {"regions": set(rules.regions), "cities": set(rules.cities), "groups": set(rules.groups),
                "branches": set(rules.branches) | set(rules.exclude)}

    def _load_names(self, wanted: dict[str, set[int]]) -> None:
        for key, ids in wanted.items():
            missing = ids - self.names[key].keys()
            if not missing:
                continue
            model, attr = self.TARGETING_SOURCES[key]
            loaded = dict(model.objects.filter(pk__in=missing).values_list("pk", attr))
            merged = {**self.names[key], **loaded}
            self.names[key] = dict(sorted(merged.items(), key=lambda item: (item[1], item[0])))

    def targeting(self, data) -> str:
        """The rules as a short text («Вся сеть», «Новосибирская область; B0001; кроме B0005»)."""
        if not isinstance(data, dict):
            return str(data) if data not in (None, "") else EMPTY
        self._load_names(self._targeting_ids(data))  # no query once load() saw the value
        rules = Targeting.from_json(data)
        parts = [_("Вся сеть")] if rules.chain else []
        for key in ("regions", "cities", "groups", "branches"):
            ids = set(getattr(rules, key))
            parts += [name for pk, name in self.names[key].items() if pk in ids]
            parts += [f"#{pk}" for pk in sorted(ids - self.names[key].keys())]
        if rules.exclude:
            ids = set(rules.exclude)
            codes = [code for pk, code in self.names["branches"].items() if pk in ids]
            codes += [f"#{pk}" for pk in sorted(ids - self.names["branches"].keys())]
            parts.append(_("кроме %(codes)s") % {"codes": ", ".join(codes)})
        return "; ".join(parts) or EMPTY

    def value(self, name: str, value) -> str:
        """``value`` of field ``name`` as text in the active language."""
        if value is None or value == "":
            return EMPTY
        if name in CHOICES and value in CHOICES[name].values:
            return str(CHOICES[name](value).label)
        if name == "targeting":
            return self.targeting(value)
        if name == "below_floor":
            return below_floor_text(value)
        if name == "supplier":
            return self.suppliers.get(value, str(value))
        if name == "approved_revision":
            number = self.revisions.get(value)
            return _("ревизия %(number)s") % {"number": number} if number else str(value)
        if isinstance(value, datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            return local.strftime("%d.%m.%Y %H:%M")
        if isinstance(value, date):
            return fmt_date(value)
        if name in DATE_FIELDS and isinstance(value, str):
            try:
                return fmt_date(date.fromisoformat(value))
            except ValueError:
                return value
        if name in MONEY_FIELDS or name in PERCENT_FIELDS:
            try:
                return money_text(value) if name in MONEY_FIELDS else percent_text(value)
            except (InvalidOperation, TypeError, ValueError):
                return str(value)
        return str(value)

    def change(self, what, name: str, old, new) -> Change:
        return Change(str(what or ""), name, field_label(name), self.value(name, old), self.value(name, new))

    def rows(self, raw: Iterable[RawChange]) -> list[Change]:
        """Format raw ``(what, field, old, new)`` rows (names loaded first, in bulk)."""
        raw = list(raw)
        self.load(raw)
        return [self.change(*row) for row in raw]


# --- where changes come from ---------------------------------------------------------------


def _old_new(value) -> tuple:
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    if isinstance(value, dict) and ("old" in value or "new" in value):
        return value.get("old"), value.get("new")
    return None, value


def _line_names(rows) -> str:
    names = [str(row.get("article") or row.get("name") or "") if isinstance(row, dict) else str(row)
             for row in rows]
    return ", ".join(name for name in names if name)


def terms_changes(terms) -> list[RawChange]:
    """The promo-level part of a revision diff: ``{"end": [old, new], ...}``."""
    if not isinstance(terms, dict):
        return []
    return [("", name, *_old_new(value)) for name, value in terms.items()]


def line_changes(fields, *, what: str = "") -> list[RawChange]:
    """One changed line of a revision diff: ``{"discount_percent": [old, new], ...}``."""
    if not isinstance(fields, dict):
        return []
    return [(what, name, *_old_new(value)) for name, value in fields.items()]


def diff_changes(diff) -> list[RawChange]:
    """Every row of a revision diff (:func:`promo.services.revisions.lines_diff` plus
    ``terms``): the terms, the added and removed lines, then each changed line by article."""
    if not isinstance(diff, dict):
        return []
    rows = terms_changes(diff.get("terms"))
    if diff.get("added"):
        rows.append((ADDED_LINES, "", None, _line_names(diff["added"])))
    if diff.get("removed"):
        rows.append((REMOVED_LINES, "", _line_names(diff["removed"]), None))
    for item in diff.get("changed") or []:
        if isinstance(item, dict):
            rows += line_changes(item.get("fields"), what=str(item.get("article") or ""))
    return rows


def payload_changes(data) -> list[RawChange]:
    """The rows an event payload (or one promo's part of a digest) carries: a revision
    ``diff``; ``changes`` as a mapping ``{field: [old, new]}`` or a list of
    ``{"article", "field", "old", "new"}`` (or ``{"article", "fields": {...}}``); a
    ``request`` for a new end when no change row says so. Unknown shapes give nothing."""
    if not isinstance(data, dict):
        return []
    rows = diff_changes(data.get("diff"))
    changes = data.get("changes")
    if isinstance(changes, dict):
        # Keys that are promo ids belong to a digest's promos, not to the event itself.
        rows += [("", str(name), *_old_new(value)) for name, value in changes.items() if not str(name).isdigit()]
    elif isinstance(changes, list):
        for item in changes:
            if not isinstance(item, dict):
                continue
            what = str(item.get("article") or item.get("code") or "")
            if isinstance(item.get("fields"), dict):
                rows += line_changes(item["fields"], what=what)
            elif item.get("field") or item.get("name"):
                rows.append((what, str(item.get("field") or item.get("name")), item.get("old"), item.get("new")))
    request = data.get("request")
    if (isinstance(request, dict) and request.get("new_end")
            and not any(name == "end" and not what for what, name, _old, _new in rows)):
        rows.append(("", "end", data.get("old_end"), request["new_end"]))
    return rows
