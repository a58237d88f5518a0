"""The checks of a sheet's cells, each remembered per distinct cell value (or pair of values):
the value it gives plus the problems it finds, as (code, field, params) specs. The limits are
the rules of :mod:`promo.rules` (the same a correction or an extension keeps); the parsers are
:mod:`promo.services.imports.values`. :class:`CellChecks` is mixed into the sheet validator."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from branches.targeting import TargetingParseError
from promo import rules
from promo.mechanics import FIXED_PRICE, PERCENT
from promo.models import Promo
from promo.services.imports import headers as h
from promo.services.imports.values import (
    ValueProblem,
    parse_date,
    parse_decimal,
    parse_discount,
    parse_mechanic,
    parse_text,
)

_MONEY = Decimal("0.01")


def _money(value: Decimal) -> Decimal:
    return value.quantize(_MONEY, rounding=ROUND_HALF_UP)


# The sheet column of each field a rule names.
_RULE_COLUMNS = {"start": h.START, "end": h.END, "discount_percent": h.DISCOUNT, "promo_price": h.PROMO_PRICE,
                 "compensation_percent": h.COMPENSATION, "mechanic": h.MECHANIC}

# The cells that make a promo's terms, checked once per distinct combination (CellChecks._terms).
TERM_FIELDS = (h.SUPPLIER, h.MECHANIC, h.START, h.END, h.DISCOUNT, h.PROMO_PRICE, h.COMPENSATION, h.BRANCHES,
               h.PROMO_NAME)
_MISSING = object()
# A problem found in a cell, before it is tied to a row: (code, field, params).
Spec = tuple[str, str, dict]
NO_SPECS: tuple = ()


def cell_key(raw: Any) -> Any:
    """A cache key for a cell value: 1, 1.0 and True hash alike but may not parse alike."""
    return raw if raw.__class__ is str else (raw.__class__, raw)


def _percent(raw: Any, percent_format: bool) -> Decimal | None:
    return parse_discount(raw, percent_format=percent_format)


class CellChecks:
    """The cached cell checks of :class:`~promo.services.imports.validation.SheetValidator`
    (which holds ``_caches``, ``today``, ``limits``, the suppliers and the targeting catalogue)."""

    def _cached(self, name: str, key: Any, check: Callable[[], tuple[Any, tuple]]) -> tuple[Any, tuple]:
        cache = self._caches.get(name)
        if cache is None:
            cache = self._caches[name] = {}
        hit = cache.get(key, _MISSING)
        if hit is _MISSING:
            hit = cache[key] = check()
        return hit

    @staticmethod
    def _parsed(name: str, parser: Callable, raw: Any) -> tuple[Any, tuple]:
        """(value, ()) or (None, (problem spec,)) for one cell."""
        try:
            return parser(raw), NO_SPECS
        except ValueProblem as problem:
            return None, ((problem.code, name, problem.params),)

    def _cell(self, cells: dict, name: str, parser: Callable) -> tuple[Any, tuple]:
        raw = cells.get(name)
        if raw is None:
            return None, NO_SPECS
        # _cached inlined: this runs for every row and per-line column (half a million times
        # in a 100,000-row sheet).
        cache = self._caches.get(name)
        if cache is None:
            cache = self._caches[name] = {}
        key = raw if raw.__class__ is str else (raw.__class__, raw)
        hit = cache.get(key, _MISSING)
        if hit is _MISSING:
            hit = cache[key] = self._parsed(name, parser, raw)
        return hit

    def _text(self, cells: dict, name: str) -> str | None:
        return self._cell(cells, name, parse_text)[0]

    def _supplier_check(self, raw: Any) -> tuple[int | None, tuple]:
        """The row's supplier: the upload's, or the «Поставщик» cell (INN or code)."""
        text, specs = self._parsed(h.SUPPLIER, parse_text, raw)
        if specs:
            return None, specs
        if text is None:
            if self.supplier is not None:
                return self.supplier.pk, NO_SPECS
            return None, (("value_required", h.SUPPLIER, {}),)
        found = self._suppliers.get(text.casefold()) or self._suppliers.get(re.sub(r"\D", "", text))
        if found is None or found.pk not in self._allowed_suppliers or (
            self.supplier is not None and found.pk != self.supplier.pk
        ):
            return None, (("supplier_unknown", h.SUPPLIER, {"value": text}),)
        return found.pk, NO_SPECS

    def _mechanic_check(self, raw: Any) -> tuple[tuple | None, tuple]:
        try:
            return parse_mechanic(raw), NO_SPECS
        except ValueProblem as problem:
            return None, ((problem.code, h.MECHANIC, problem.params),)

    def _rule_spec(self, problem: rules.RuleProblem) -> Spec:
        return problem.code, _RULE_COLUMNS[problem.field], problem.params

    def _period_check(self, raw_start: Any, raw_end: Any) -> tuple[tuple | None, tuple]:
        """((start, end, timely specs), specs) of the two date cells. The timely problems (lead
        time, end in the past) wait until the row's supplier and mechanic are known: a period
        that is the one of the promo the row revises is kept, not set (promo/rules.py)."""
        specs: list[Spec] = []
        values = []
        for name, raw in ((h.START, raw_start), (h.END, raw_end)):
            value, found = self._parsed(name, parse_date, raw)
            if value is None and not found:
                found = (("value_required", name, {}),)
            elif value is not None and (problem := rules.date_in_range(value, field=name)) is not None:
                found = (self._rule_spec(problem),)
                value = None
            specs.extend(found)
            values.append(value)
        start, end = values
        if start is None or end is None:
            return None, tuple(specs)
        problems = rules.period_problems(start, end, today=self.today, limits=self.limits)
        static = tuple(self._rule_spec(p) for p in problems if p.code not in rules.TIMELY_CODES)
        timely = tuple(self._rule_spec(p) for p in problems if p.code in rules.TIMELY_CODES)
        if static:
            return None, static + timely
        return (start, end, timely), NO_SPECS

    def _revises(self, supplier_id: int, mechanic: str, start: date, end: date) -> bool:
        """Is there a not-final promo of the supplier with this mechanic and period, which a
        row with these values would revise (match_revisions decides for certain later)?"""
        return self._cached("revises", (supplier_id, mechanic, start, end), lambda: (
            Promo.objects.filter(supplier_id=supplier_id, mechanic=mechanic, start=start, end=end)
            .exclude(status__in=Promo.Status.final()).exists(), NO_SPECS))[0]

    def _discount_check(self, raw: Any, percent_format: bool) -> tuple[Decimal | None, tuple]:
        discount, specs = self._parsed(h.DISCOUNT, lambda value: _percent(value, percent_format), raw)
        if specs:
            return None, specs
        problem = rules.discount_problem(discount, limits=self.limits)
        if problem is not None:
            return None, (self._rule_spec(problem),)
        return rules.kopecks(discount), NO_SPECS

    def _price_check(self, raw: Any) -> tuple[Decimal | None, tuple]:
        price, specs = self._parsed(h.PROMO_PRICE, parse_decimal, raw)
        if specs:
            return None, specs
        problem = rules.price_problem(price)
        if problem is not None:
            return None, (self._rule_spec(problem),)
        return rules.kopecks(price), NO_SPECS

    def _compensation_check(self, raw: Any, percent_format: bool) -> tuple[Decimal | None, tuple]:
        value, specs = self._parsed(h.COMPENSATION, lambda cell: _percent(cell, percent_format), raw)
        if value is None:
            return None, specs
        problem = rules.compensation_problem(value)
        if problem is not None:
            return None, (self._rule_spec(problem),)
        return rules.kopecks(value), NO_SPECS

    def _regular_check(self, raw: Any) -> tuple[Decimal | None, tuple]:
        """The regular price the sheet states: only compared with the catalogue, but a cell that
        is not a price (NaN, inf, an emoji, #N/A) is an error, not an empty cell."""
        value, specs = self._parsed(h.REGULAR_PRICE, parse_decimal, raw)
        return (None if value is None else _money(value)), specs

    def _branches_check(self, raw: Any) -> tuple[Any, tuple]:
        text, specs = self._parsed(h.BRANCHES, parse_text, raw)
        try:
            return self._catalog().parse(text), specs
        except TargetingParseError as error:
            params = {"value": "; ".join(error.unknown), **({"reason": error.reason} if error.reason else {})}
            return None, (("branch_unknown", h.BRANCHES, params),)

    def _terms(self, cells: dict, percent_format: dict) -> tuple[tuple, tuple]:
        """The promo terms of a row and the problems of their cells: ((supplier id, mechanic,
        n, m, start, end, waived timely specs, discount, price, compensation, targeting, promo
        name), specs). A pure function of the cells of ``TERM_FIELDS`` and the percent flags."""
        specs: list[Spec] = []
        supplier_id = mechanic = n = m = start = end = discount = price = compensation = None
        waived: tuple = ()

        raw = cells.get(h.SUPPLIER)
        supplier_id, found = self._cached("supplier", cell_key(raw), lambda: self._supplier_check(raw))
        specs.extend(found)

        raw = cells.get(h.MECHANIC)
        parsed_mechanic, found = self._cached(h.MECHANIC, cell_key(raw), lambda: self._mechanic_check(raw))
        specs.extend(found)
        if parsed_mechanic is not None:
            mechanic, n, m = parsed_mechanic

        raw_start, raw_end = cells.get(h.START), cells.get(h.END)
        period, found = self._cached("period", (cell_key(raw_start), cell_key(raw_end)),
                                     lambda: self._period_check(raw_start, raw_end))
        specs.extend(found)
        if period is not None:
            start, end, timely = period
            if timely:
                if supplier_id is not None and mechanic is not None and self._revises(
                        supplier_id, mechanic, start, end):
                    waived = timely
                else:
                    specs.extend(timely)

        if mechanic == PERCENT:
            raw, flag = cells.get(h.DISCOUNT), bool(percent_format.get(h.DISCOUNT))
            discount, found = self._cached("discount", (cell_key(raw), flag),
                                           lambda: self._discount_check(raw, flag))
            specs.extend(found)
        elif mechanic == FIXED_PRICE:
            raw = cells.get(h.PROMO_PRICE)
            price, found = self._cached(h.PROMO_PRICE, cell_key(raw), lambda: self._price_check(raw))
            specs.extend(found)

        raw = cells.get(h.COMPENSATION)
        if raw is not None:
            flag = bool(percent_format.get(h.COMPENSATION))
            compensation, found = self._cached(h.COMPENSATION, (cell_key(raw), flag),
                                               lambda: self._compensation_check(raw, flag))
            specs.extend(found)

        raw = cells.get(h.BRANCHES)
        targeting, found = self._cached(h.BRANCHES, cell_key(raw), lambda: self._branches_check(raw))
        specs.extend(found)

        raw = cells.get(h.PROMO_NAME)
        promo_name, found = self._cached(h.PROMO_NAME, cell_key(raw), lambda: self._promo_name(raw))
        specs.extend(found)
        return ((supplier_id, mechanic, n, m, start, end, waived, discount, price, compensation, targeting,
                 promo_name), tuple(specs))
