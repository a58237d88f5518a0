"""Validation of a promo sheet: SheetRows in, promo candidates and every problem out.

One pass over the rows collects every error of every row (never stopping at the first), with
the sheet row, the column header as written and the code of the import contract
(samples/README.md). Rows are processed in chunks: the products a chunk names are fetched in
one query (by article and EAN together), never one query per row, and the parsed values of
repeated cells (dates, mechanics, discounts, branch texts) are parsed once.

Valid rows group into promos by (supplier, promo name, mechanic kind, start, end, targeting);
inside a promo an identical repeated product is merged (``duplicate_merged``), a repeated
product with other terms is an error on the later row (``duplicate_conflict``). Warnings:
``name_mismatch``, ``regular_price_mismatch`` and ``overlap`` (another live promo already has the
product in overlapping dates and branches).

Nothing here writes to the database; :mod:`promo.services.imports.importer` saves the result.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import translation

from branches.targeting import TargetingCatalog, TargetingParseError
from promo.models import Promo
from promo.services.conflicts import LineWindow, competing_products, overlaps_find
from promo.services.corrections import FIRST_PROMO_DAY, LAST_PROMO_DAY
from promo.services.imports import headers as h
from promo.services.imports.problems import Problem
from promo.services.imports.values import (
    EXCEL_MAX_TEXT,
    FIXED_PRICE,
    PERCENT,
    ValueProblem,
    parse_date,
    parse_decimal,
    parse_discount,
    parse_ean,
    parse_mechanic,
    parse_text,
)
from suppliers.models import Product, Supplier

# Rows per product look-up and per progress update.
CHUNK_ROWS = 1000
# Texts are refused above the length their field stores, never cut (issue 11).
PROMO_NAME_MAX = Promo._meta.get_field("name").max_length
COMMENT_MAX = EXCEL_MAX_TEXT
# Product names are compared after folding; below this similarity they "differ noticeably"
# (a typo or a dropped word passes, another product's name does not).
NAME_SIMILARITY = 0.85
_NAME_NOISE = re.compile(r"[\W_]+", re.UNICODE)
_MONEY = Decimal("0.01")


@dataclass(slots=True)
class LineCandidate:
    """A valid row as a promo line (values as they will be saved)."""

    row: int
    product_id: int
    article: str
    ean: str
    name: str
    discount_percent: Decimal | None
    promo_price: Decimal | None
    n: int | None
    m: int | None
    regular_price: Decimal
    compensation_percent: Decimal | None
    comment: str

    def terms(self) -> tuple:
        """What makes two rows of the same product the same line."""
        return (self.discount_percent, self.promo_price, self.n, self.m, self.compensation_percent,
                self.comment)


@dataclass(slots=True)
class PromoCandidate:
    """The rows of one promo: (supplier, name, mechanic kind, period, targeting)."""

    supplier_id: int
    name: str
    named: bool
    mechanic: str
    start: date
    end: date
    targeting: dict
    lines: dict[int, LineCandidate] = field(default_factory=dict)  # product_id -> line

    @property
    def first_row(self) -> int:
        return min(line.row for line in self.lines.values())


@dataclass
class Validation:
    """The outcome of validating a sheet."""

    rows: int = 0
    promos: list[PromoCandidate] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # index in ``promos`` -> the not-final promo it would become a new revision of.
    matches: dict[int, Promo] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def lines(self) -> int:
        return sum(len(promo.lines) for promo in self.promos)


@dataclass(slots=True)
class _Parsed:
    """A row after parsing its cells, waiting for the product lookup of its chunk."""

    row: int
    problems: list[Problem]
    cells: dict[str, Any]
    supplier_id: int | None = None
    mechanic: str | None = None
    n: int | None = None
    m: int | None = None
    start: date | None = None
    end: date | None = None
    discount: Decimal | None = None
    price: Decimal | None = None
    compensation: Decimal | None = None
    targeting: Any = None
    article: str | None = None
    ean: str | None = None
    ean_ok: bool = True
    promo_name: tuple[str, str] = ("", "")  # (as it will be saved, folded for grouping)
    comment: str = ""
    regular: Decimal | None = None  # the regular price the sheet states (informational)


def fold_name(text: str) -> str:
    """Case, ё, quotes, punctuation and spacing do not make two names different."""
    return _NAME_NOISE.sub(" ", text.casefold().replace("ё", "е")).strip()


def money_text(value: Decimal) -> str:
    """Roubles as a user reads them: two decimals, a decimal comma (1234,50)."""
    return f"{_money(value):.2f}".replace(".", ",")


def _money(value: Decimal) -> Decimal:
    return value.quantize(_MONEY, rounding=ROUND_HALF_UP)


_MISSING = object()
# A problem found in a cell, before it is tied to a row: (code, field, params).
Spec = tuple[str, str, dict]
_NO_SPECS: tuple = ()


def _key(raw: Any) -> Any:
    """A cache key for a cell value: 1, 1.0 and True hash alike but may not parse alike."""
    return raw if raw.__class__ is str else (raw.__class__, raw)


class SheetValidator:
    """Validates the rows of one sheet for one upload.

    ``actor`` is who uploads (their product visibility decides ``product_other_supplier``);
    ``supplier`` binds every row to one supplier (a supplier user's upload, or a marketer who
    chose one); without it each row names its supplier in the «Поставщик» column.

    Cells repeat a lot (the same dates, mechanic, discount and branches on thousands of rows),
    so each check is remembered per distinct cell value (or pair of values) as the value it
    gives plus the problems it finds, and a row costs a few dictionary look-ups."""

    def __init__(self, *, actor, header: h.HeaderMap, supplier: Supplier | None = None,
                 today: date | None = None,
                 progress: Callable[[int], None] | None = None) -> None:
        self.actor = actor
        self.header = header
        self.supplier = supplier
        self.today = today or date.today()
        self.progress = progress
        self.result = Validation()
        self.titles = {name: header.titles.get(name) or str(h.LABELS[name]) for name in h.FIELDS}
        self.has = set(header.columns)
        self.min_lead_days = settings.PROMO_MIN_LEAD_DAYS
        self.earliest_start = self.today + timedelta(days=self.min_lead_days)
        self.max_days = settings.PROMO_MAX_DAYS
        self.discount_range = (settings.PROMO_DISCOUNT_MIN, settings.PROMO_DISCOUNT_MAX)
        self._caches: dict[str, dict] = {}
        self._products_by_article: dict[str, tuple | None] = {}
        self._products_by_ean: dict[str, tuple | None] = {}
        self._groups: dict[tuple, PromoCandidate] = {}
        self._targeting_catalog: TargetingCatalog | None = None
        self._load_suppliers()

    # --- reference data, loaded once ---------------------------------------------------------

    def _load_suppliers(self) -> None:
        """Suppliers by code and INN; ``allowed`` mirrors Supplier.objects.restrict(actor)."""
        self._suppliers: dict[str, Supplier] = {}
        self._allowed_suppliers = set(
            Supplier.objects.restrict(self.actor, "change").values_list("pk", flat=True)
        )
        if h.SUPPLIER in self.has:
            for supplier in Supplier.objects.all():
                self._suppliers[supplier.code.casefold()] = supplier
                self._suppliers[supplier.inn] = supplier
        self._supplier_names = dict(Supplier.objects.values_list("pk", "name")) if self.supplier is None \
            else {self.supplier.pk: self.supplier.name}

    def _catalog(self) -> TargetingCatalog:
        if self._targeting_catalog is None:
            self._targeting_catalog = TargetingCatalog.load()
        return self._targeting_catalog

    # --- the pass ------------------------------------------------------------------------------

    def run(self, rows: Iterable) -> Validation:
        chunk: list[_Parsed] = []
        for sheet_row in rows:
            self.result.rows += 1
            chunk.append(self._parse(sheet_row))
            if len(chunk) >= CHUNK_ROWS:
                self._finish_chunk(chunk)
                chunk = []
        if chunk:
            self._finish_chunk(chunk)
        self.result.promos = list(self._groups.values())
        for promo in self.result.promos:
            if not promo.named:
                promo.name = self._unnamed(promo)
        self.result.matches = match_revisions(self.result.promos)
        self._check_overlaps()
        order = {title: index for index, title in enumerate(self._titles_in_sheet_order())}
        self.result.errors.sort(key=lambda p: (p.row, order.get(p.column, -1)))
        self.result.warnings.sort(key=lambda p: (p.row, order.get(p.column, -1)))
        return self.result

    def _finish_chunk(self, chunk: list[_Parsed]) -> None:
        self._lookup_products(chunk)
        for parsed in chunk:
            self._finish(parsed)
        if self.progress is not None:
            self.progress(self.result.rows)

    def _titles_in_sheet_order(self) -> list[str]:
        return [self.header.titles[name] for name, _index in
                sorted(self.header.columns.items(), key=lambda item: item[1])]

    # --- cached checks ---------------------------------------------------------------------------

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
            return parser(raw), _NO_SPECS
        except ValueProblem as problem:
            return None, ((problem.code, name, problem.params),)

    def _cell(self, cells: dict, name: str, parser: Callable) -> tuple[Any, tuple]:
        raw = cells.get(name)
        if raw is None:
            return None, _NO_SPECS
        return self._cached(name, _key(raw), lambda: self._parsed(name, parser, raw))

    def _text(self, cells: dict, name: str) -> str | None:
        return self._cell(cells, name, parse_text)[0]

    def _supplier_check(self, raw: Any) -> tuple[int | None, tuple]:
        """The row's supplier: the upload's, or the «Поставщик» cell (INN or code)."""
        text, specs = self._parsed(h.SUPPLIER, parse_text, raw)
        if specs:
            return None, specs
        if text is None:
            if self.supplier is not None:
                return self.supplier.pk, _NO_SPECS
            return None, (("value_required", h.SUPPLIER, {}),)
        found = self._suppliers.get(text.casefold()) or self._suppliers.get(re.sub(r"\D", "", text))
        if found is None or found.pk not in self._allowed_suppliers or (
            self.supplier is not None and found.pk != self.supplier.pk
        ):
            return None, (("supplier_unknown", h.SUPPLIER, {"value": text}),)
        return found.pk, _NO_SPECS

    def _mechanic_check(self, raw: Any) -> tuple[tuple | None, tuple]:
        try:
            return parse_mechanic(raw), _NO_SPECS
        except ValueProblem as problem:
            return None, ((problem.code, h.MECHANIC, problem.params),)

    def _period_check(self, raw_start: Any, raw_end: Any) -> tuple[tuple | None, tuple]:
        specs: list[Spec] = []
        values = []
        for name, raw in ((h.START, raw_start), (h.END, raw_end)):
            value, found = self._parsed(name, parse_date, raw)
            if value is None and not found:
                found = (("value_required", name, {}),)
            elif value is not None and not FIRST_PROMO_DAY <= value <= LAST_PROMO_DAY:
                found = (("date_invalid", name, {"value": value, "reason": "out_of_range",
                                                 "first": FIRST_PROMO_DAY, "last": LAST_PROMO_DAY}),)
                value = None
            specs.extend(found)
            values.append(value)
        start, end = values
        if start is None or end is None:
            return None, tuple(specs)
        if end < start:
            return None, (("period_reversed", h.END, {"start": start, "end": end}),)
        if start < self.earliest_start:
            specs.append(("start_too_soon", h.START, {"start": start, "earliest": self.earliest_start,
                                                      "days": self.min_lead_days}))
        length = (end - start).days + 1
        if length > self.max_days:
            specs.append(("period_too_long", h.END, {"length": length, "max": self.max_days}))
        return (None if specs else (start, end)), tuple(specs)

    def _discount_check(self, raw: Any, percent_format: bool) -> tuple[Decimal | None, tuple]:
        discount, specs = self._parsed(h.DISCOUNT, lambda value: _percent(value, percent_format), raw)
        if specs:
            return None, specs
        if discount is None:
            return None, (("value_required", h.DISCOUNT, {}),)
        low, high = self.discount_range
        if not low <= discount <= high:
            return None, (("discount_out_of_range", h.DISCOUNT, {"value": discount, "min": low, "max": high}),)
        return _money(discount), _NO_SPECS

    def _price_check(self, raw: Any) -> tuple[Decimal | None, tuple]:
        price, specs = self._parsed(h.PROMO_PRICE, parse_decimal, raw)
        if specs:
            return None, specs
        if price is None:
            return None, (("value_required", h.PROMO_PRICE, {}),)
        # Excel formulas leave float noise (342.6749999): prices are kept in kopecks, so a price
        # that rounds to 0,00 is no price either.
        if _money(price) <= 0:
            return None, (("price_invalid", h.PROMO_PRICE, {"value": price, "reason": "not_positive"}),)
        return _money(price), _NO_SPECS

    def _compensation_check(self, raw: Any, percent_format: bool) -> tuple[Decimal | None, tuple]:
        value, specs = self._parsed(h.COMPENSATION, lambda cell: _percent(cell, percent_format), raw)
        if value is None:
            return None, specs
        if not 0 <= value <= 100:
            return None, (("compensation_out_of_range", h.COMPENSATION, {"value": value}),)
        return _money(value), _NO_SPECS

    def _branches_check(self, raw: Any) -> tuple[Any, tuple]:
        text, specs = self._parsed(h.BRANCHES, parse_text, raw)
        try:
            return self._catalog().parse(text), specs
        except TargetingParseError as error:
            return None, (("branch_unknown", h.BRANCHES, {"value": "; ".join(error.unknown)}),)

    # --- parsing one row -----------------------------------------------------------------------

    def _parse(self, sheet_row) -> _Parsed:
        cells = sheet_row.cells
        percent_format = sheet_row.percent_format
        parsed = _Parsed(row=sheet_row.row, problems=[], cells=cells)
        specs: list[Spec] = []

        raw = cells.get(h.SUPPLIER)
        parsed.supplier_id, found = self._cached("supplier", _key(raw), lambda: self._supplier_check(raw))
        specs.extend(found)

        raw = cells.get(h.MECHANIC)
        mechanic, found = self._cached(h.MECHANIC, _key(raw), lambda: self._mechanic_check(raw))
        specs.extend(found)
        if mechanic is not None:
            parsed.mechanic, parsed.n, parsed.m = mechanic

        raw_start, raw_end = cells.get(h.START), cells.get(h.END)
        period, found = self._cached("period", (_key(raw_start), _key(raw_end)),
                                     lambda: self._period_check(raw_start, raw_end))
        specs.extend(found)
        if period is not None:
            parsed.start, parsed.end = period

        if parsed.mechanic == PERCENT:
            raw, flag = cells.get(h.DISCOUNT), bool(percent_format.get(h.DISCOUNT))
            parsed.discount, found = self._cached("discount", (_key(raw), flag),
                                                  lambda: self._discount_check(raw, flag))
            specs.extend(found)
        elif parsed.mechanic == FIXED_PRICE:
            raw = cells.get(h.PROMO_PRICE)
            parsed.price, found = self._cached(h.PROMO_PRICE, _key(raw), lambda: self._price_check(raw))
            specs.extend(found)

        raw = cells.get(h.COMPENSATION)
        if raw is not None:
            flag = bool(percent_format.get(h.COMPENSATION))
            parsed.compensation, found = self._cached(h.COMPENSATION, (_key(raw), flag),
                                                      lambda: self._compensation_check(raw, flag))
            specs.extend(found)

        raw = cells.get(h.BRANCHES)
        parsed.targeting, found = self._cached(h.BRANCHES, _key(raw), lambda: self._branches_check(raw))
        specs.extend(found)

        # Informational and free-text cells are checked too: nothing is dropped or cut silently.
        raw = cells.get(h.PROMO_NAME)
        parsed.promo_name, found = self._cached(h.PROMO_NAME, _key(raw), lambda: self._promo_name(raw))
        specs.extend(found)
        parsed.comment, found = self._cell(cells, h.COMMENT, _comment)
        parsed.comment = parsed.comment or ""
        specs.extend(found)
        specs.extend(self._cell(cells, h.PRODUCT_NAME, parse_text)[1])
        raw = cells.get(h.REGULAR_PRICE)
        if raw is not None:
            parsed.regular, found = self._cached(h.REGULAR_PRICE, _key(raw), lambda: self._regular_check(raw))
            specs.extend(found)

        parsed.article, found = self._cell(cells, h.ARTICLE, parse_text)
        specs.extend(found)
        parsed.ean, found = self._cell(cells, h.EAN, parse_ean)
        if found:
            parsed.ean_ok = False
            specs.extend(found)
        elif parsed.article is None and parsed.ean is None:
            specs.append(("value_required", h.EAN if h.EAN in self.has else h.ARTICLE,
                          {"reason": "ean_or_article"}))

        for code, name, params in specs:
            self._problem(parsed, code, name, **params)
        return parsed

    def _problem(self, parsed: _Parsed, code: str, name: str = "", **params) -> None:
        parsed.problems.append(Problem(code, parsed.row, self.titles[name] if name else "", params=params))

    # --- products --------------------------------------------------------------------------------

    def _lookup_products(self, chunk: list[_Parsed]) -> None:
        """One query for every article and EAN of the chunk not seen before."""
        articles = {p.article for p in chunk if p.article and p.article not in self._products_by_article}
        eans = {p.ean for p in chunk if p.ean and p.ean not in self._products_by_ean}
        if not articles and not eans:
            return
        found = Product.objects.filter(Q(article__in=articles) | Q(ean__in=eans)).values_list(
            "pk", "article", "ean", "name", "supplier_id", "regular_price",
        )
        for product in found:
            self._products_by_article[product[1]] = product
            self._products_by_ean[product[2]] = product
        for article in articles:
            self._products_by_article.setdefault(article, None)
        for ean in eans:
            self._products_by_ean.setdefault(ean, None)

    def _resolve_product(self, parsed: _Parsed) -> tuple | None:
        by_article = self._products_by_article.get(parsed.article) if parsed.article else None
        by_ean = self._products_by_ean.get(parsed.ean) if parsed.ean else None
        key_name = h.ARTICLE if parsed.article else h.EAN
        if parsed.article and parsed.ean:
            if by_article is None and by_ean is None:
                self._problem(parsed, "product_not_found", key_name, value=parsed.article)
                return None
            if by_article is None or by_ean is None or by_article[0] != by_ean[0]:
                self._problem(parsed, "article_barcode_mismatch", h.EAN, article=parsed.article,
                              ean=parsed.ean)
                return None
            return by_article
        product = by_article if parsed.article else by_ean
        if product is None:
            self._problem(parsed, "product_not_found", key_name, value=parsed.article or parsed.ean)
        return product

    # --- finishing one row ----------------------------------------------------------------------

    def _finish(self, parsed: _Parsed) -> None:
        product = None
        if parsed.ean_ok and (parsed.article or parsed.ean):
            product = self._resolve_product(parsed)
        if product is not None:
            _pk, _article, _ean, _name, supplier_id, regular = product
            if supplier_id not in self._allowed_suppliers or (
                parsed.supplier_id is not None and supplier_id != parsed.supplier_id
            ):
                self._problem(parsed, "product_other_supplier", h.ARTICLE if parsed.article else h.EAN,
                              value=parsed.article or parsed.ean)
            elif parsed.price is not None and parsed.price >= regular:
                self._problem(parsed, "price_not_below_regular", h.PROMO_PRICE,
                              price=money_text(parsed.price), regular=money_text(regular))
        if parsed.problems:
            self.result.errors.extend(parsed.problems)
            return
        if product is None or parsed.supplier_id is None or parsed.mechanic is None:
            return
        self._warn_catalogue(parsed, product)
        self._add_line(parsed, product)

    def _warn_catalogue(self, parsed: _Parsed, product: tuple) -> None:
        """The file's product name and regular price are informational: the catalogue's
        count. Say so when they differ."""
        _pk, _article, _ean, name, _supplier, regular = product
        cells = parsed.cells
        written = cells.get(h.PRODUCT_NAME)
        if written is not None and written != name:
            text = self._text(cells, h.PRODUCT_NAME)
            if text and not self._cached("same_name", (text, name), lambda: (_same_name(text, name), ()))[0]:
                self.result.warnings.append(Problem("name_mismatch", parsed.row, self.titles[h.PRODUCT_NAME],
                                                    params={"value": text, "expected": name}))
        if parsed.regular is not None and parsed.regular != regular:
            self.result.warnings.append(Problem(
                "regular_price_mismatch", parsed.row, self.titles[h.REGULAR_PRICE],
                params={"value": money_text(parsed.regular), "expected": money_text(regular)},
            ))

    def _promo_name(self, raw: Any) -> tuple[tuple[str, str], tuple]:
        """The promo name as it will be saved (spaces collapsed); refused above its field's length."""
        text, specs = self._parsed(h.PROMO_NAME, parse_text, raw)
        name = " ".join((text or "").split())
        if len(name) > PROMO_NAME_MAX:
            return ("", ""), (("text_too_long", h.PROMO_NAME, {"length": len(name), "max": PROMO_NAME_MAX}),)
        return (name, name.casefold()), specs

    def _regular_check(self, raw: Any) -> tuple[Decimal | None, tuple]:
        """The regular price the sheet states: only compared with the catalogue, but a cell that
        is not a price is an error, not an empty cell."""
        value, specs = self._parsed(h.REGULAR_PRICE, parse_decimal, raw)
        return (None if value is None else _money(value)), specs

    def _add_line(self, parsed: _Parsed, product: tuple) -> None:
        product_id, article, ean, name, _supplier, regular = product
        promo_name, folded = parsed.promo_name
        key = (parsed.supplier_id, folded, parsed.mechanic, parsed.start, parsed.end, parsed.targeting)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = PromoCandidate(
                supplier_id=parsed.supplier_id, name=promo_name, named=bool(promo_name),
                mechanic=parsed.mechanic, start=parsed.start, end=parsed.end,
                targeting=parsed.targeting.to_json(),
            )
        comment = parsed.comment
        line = LineCandidate(
            row=parsed.row, product_id=product_id, article=article, ean=ean, name=name,
            discount_percent=parsed.discount, promo_price=parsed.price, n=parsed.n, m=parsed.m,
            regular_price=regular, compensation_percent=parsed.compensation, comment=comment,
        )
        earlier = group.lines.get(product_id)
        if earlier is None:
            group.lines[product_id] = line
            return
        column = self.titles[h.ARTICLE if parsed.article else h.EAN]
        if earlier.terms() == line.terms():
            self.result.warnings.append(Problem("duplicate_merged", parsed.row, column,
                                                params={"other_row": earlier.row}))
        else:
            self.result.errors.append(Problem("duplicate_conflict", parsed.row, column,
                                              params={"value": parsed.article or parsed.ean,
                                                      "other_row": earlier.row}))

    # --- after the pass ----------------------------------------------------------------------------

    def _unnamed(self, promo: PromoCandidate) -> str:
        """A name for a promo the sheet did not name: supplier, mechanic and dates, in the
        portal's language (it is stored, so it must not depend on who uploads)."""
        with translation.override(settings.LANGUAGE_CODE):
            mechanic = str(Promo.Mechanic(promo.mechanic).label)
        supplier = self._supplier_names.get(promo.supplier_id, "")
        return f"{supplier}: {mechanic} {promo.start:%d.%m.%Y}–{promo.end:%d.%m.%Y}"[:200]

    def _check_overlaps(self) -> None:
        """``overlap`` warnings against other live promos (the promos this sheet revises are
        replaced by it, so they do not count). Windows are built only for the products some
        other live promo has at all."""
        promos = self.result.promos
        if not promos:
            return
        exclude = [promo.pk for promo in self.result.matches.values()]
        competing = competing_products(
            product_ids={pk for promo in promos for pk in promo.lines},
            first=min(promo.start for promo in promos), last=max(promo.end for promo in promos),
            exclude_promo_ids=exclude,
        )
        if not competing:
            return
        title = self.titles[h.ARTICLE if h.ARTICLE in self.has else h.EAN]
        lines = {line.row: line for promo in promos for line in promo.lines.values() if line.product_id in competing}
        windows = [
            LineWindow(key=line.row, product_id=line.product_id, start=promo.start, end=promo.end,
                       targeting=promo.targeting)
            for promo in promos for line in promo.lines.values() if line.row in lines
        ]
        for row, others in overlaps_find(windows=windows, exclude_promo_ids=exclude).items():
            for other in others:
                self.result.warnings.append(Problem(
                    "overlap", row, title,
                    params={"value": lines[row].article, "promo": f"{other.code} «{other.name}»",
                            "start": other.start, "end": other.end},
                ))


def _percent(raw: Any, percent_format: bool) -> Decimal | None:
    return parse_discount(raw, percent_format=percent_format)


def _comment(raw: Any) -> str | None:
    return parse_text(raw, max_length=COMMENT_MAX)


def _same_name(written: str, catalogue: str) -> bool:
    a, b = fold_name(written), fold_name(catalogue)
    if a == b:
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= NAME_SIMILARITY


def match_revisions(promos: list[PromoCandidate], *, lock: bool = False) -> dict[int, Promo]:
    """Which candidates are corrected re-uploads of a not-final promo of the same supplier:
    same name (after folding), mechanic kind and period; or, for an unnamed candidate, same
    mechanic kind and period (the promo named like the candidate first, else the newest).
    Each existing promo is matched once. ``lock`` takes row locks (inside the saving
    transaction) so two uploads cannot revise the same promo at once."""
    if not promos:
        return {}
    existing = Promo.objects.filter(
        supplier_id__in={p.supplier_id for p in promos},
        start__gte=min(p.start for p in promos),
        end__lte=max(p.end for p in promos),
    ).exclude(status__in=Promo.Status.final()).order_by("-pk")
    if lock:
        existing = existing.select_for_update(of=("self",))
    by_period: dict[tuple, list[Promo]] = {}
    for promo in existing:
        by_period.setdefault((promo.supplier_id, promo.mechanic, promo.start, promo.end), []).append(promo)
    if not by_period:
        return {}
    taken: set[int] = set()
    matches: dict[int, Promo] = {}
    for index, candidate in enumerate(promos):
        options = [p for p in by_period.get((candidate.supplier_id, candidate.mechanic, candidate.start,
                                             candidate.end), []) if p.pk not in taken]
        if not options:
            continue
        wanted = fold_name(candidate.name)
        same_name = [p for p in options if fold_name(p.name) == wanted]
        chosen = same_name[0] if same_name else (options[0] if not candidate.named else None)
        if chosen is not None:
            taken.add(chosen.pk)
            matches[index] = chosen
    return matches
