"""Validation of a promo sheet: SheetRows in, promo candidates and every problem out.

One pass over the rows collects every error of every row (never stopping at the first), with
the sheet row, the column header as written and the code of the import contract
(samples/README.md). Rows are processed in chunks: the products a chunk names are fetched in
one query (by article and EAN together), never one query per row, and the parsed values of
repeated cells (dates, mechanics, discounts, branch texts) are parsed once.

Valid rows group into promos by (supplier, promo name, mechanic kind, start, end, targeting);
inside a promo an identical repeated product is merged (``duplicate_merged``), a repeated
product with other terms is an error on the later row (``duplicate_conflict``). Warnings:
``name_mismatch``, ``regular_price_mismatch``, ``overlap`` (another live promo, or another promo
of the same sheet, has the product in overlapping dates and branches) and ``margin_below_floor``
(the chain's margin after the supplier's compensation under the price floor, promo.services.floor).

The checks of single cells (parsing and the rules of :mod:`promo.rules`) are in
:mod:`~promo.services.imports.cells`, the matching of revisions in
:mod:`~promo.services.imports.matching`. Nothing here writes to the database;
:mod:`promo.services.imports.saving` saves the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import translation

from branches.targeting import TargetingCatalog
from promo import rules
from promo.models import Promo
from promo.services import floor
from promo.services.imports import headers as h
from promo.services.imports import template
from promo.services.imports.cells import TERM_FIELDS, CellChecks, cell_key
from promo.services.imports.matching import match_revisions, moved_periods, same_name
from promo.services.imports.overlaps import overlap_warnings
from promo.services.imports.problems import Problem
from promo.services.imports.values import EXCEL_MAX_TEXT, parse_ean, parse_quantity, parse_text
from suppliers.models import Product, Supplier

# Rows per product look-up and per progress update.
CHUNK_ROWS = 1000
# Distinct promo terms remembered at once (each holds its cells: 20,000 of them were 22 MB).
TERMS_CACHE_SIZE = 2000
# Texts are refused above the length their field stores, never cut (issue 11).
PROMO_NAME_MAX = Promo._meta.get_field("name").max_length
COMMENT_MAX = EXCEL_MAX_TEXT


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
    planned_quantity: int | None = None

    def terms(self) -> tuple:
        """What makes two rows of the same product the same line."""
        return (self.discount_percent, self.promo_price, self.n, self.m, self.compensation_percent,
                self.comment, self.planned_quantity)


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
    planned: int | None = None
    targeting: Any = None
    article: str | None = None
    ean: str | None = None
    ean_ok: bool = True
    # Lead time / end-in-past problems not reported because the row revises a promo.
    waived: tuple = ()
    promo_name: tuple[str, str] = ("", "")  # (as it will be saved, folded for grouping)
    comment: str = ""
    regular: Decimal | None = None  # the regular price the sheet states (informational)


class SheetValidator(CellChecks):
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
        self.limits = rules.Limits.from_settings()
        self._caches: dict[str, dict] = {}
        self._terms_cache: dict[tuple, tuple] = {}
        self._products_by_article: dict[str, tuple | None] = {}
        self._products_by_ean: dict[str, tuple | None] = {}
        self._groups: dict[tuple, PromoCandidate] = {}
        # Group key -> (the waived timely specs, every row of the group that had them).
        self._waived: dict[tuple, tuple[tuple, list[int]]] = {}
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
        # The template's example row is skipped, with a warning (template.is_example_row).
        examples = template.example_texts() if {h.PROMO_NAME, h.COMMENT} <= self.has else None
        skipped = 0
        for sheet_row in rows:
            self.result.rows += 1
            cells = sheet_row.cells
            if examples is not None and template.is_example_row(cells.get(h.PROMO_NAME), cells.get(h.COMMENT),
                                                                examples):
                skipped += 1
                self.result.warnings.append(Problem("template_example_skipped", sheet_row.row,
                                                    self.titles[h.PROMO_NAME],
                                                    params={"value": cells[h.PROMO_NAME].strip()}))
                continue
            chunk.append(self._parse(sheet_row))
            if len(chunk) >= CHUNK_ROWS:
                self._finish_chunk(chunk)
                chunk = []
        if chunk:
            self._finish_chunk(chunk)
        if skipped and skipped == self.result.rows:
            # Nothing but the example: the outcome of a sheet without data rows.
            self.result.errors.append(Problem("file_empty", 0))
        self.result.promos = list(self._groups.values())
        for promo in self.result.promos:
            if not promo.named:
                promo.name = self._unnamed(promo)
        self.result.matches = match_revisions(self.result.promos)
        self._check_waived()
        self._check_overlaps()
        self._check_moved_periods()
        self._check_floor()
        self._check_till_names()
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

    # --- parsing one row -----------------------------------------------------------------------

    def _parse(self, sheet_row) -> _Parsed:
        cells = sheet_row.cells
        percent_format = sheet_row.percent_format
        parsed = _Parsed(row=sheet_row.row, problems=[], cells=cells)
        # The promo's terms (supplier, mechanic, period, discount or price, compensation,
        # branches, name) repeat on every row of a promo: they are checked once per distinct
        # combination of their cells, and a row costs one look-up for all of them.
        # The key holds each value's type too (1, 1.0 and True hash alike but may not parse alike).
        raws = tuple(map(cells.get, TERM_FIELDS))
        key = (raws, tuple(map(type, raws)), bool(percent_format.get(h.DISCOUNT)),
               bool(percent_format.get(h.COMPENSATION)))
        hit = self._terms_cache.get(key)
        if hit is None:
            if len(self._terms_cache) >= TERMS_CACHE_SIZE:
                self._terms_cache.clear()  # bounded: the rows of a promo are seldom far apart
            hit = self._terms_cache[key] = self._terms(cells, percent_format)
        terms, specs = hit
        (parsed.supplier_id, parsed.mechanic, parsed.n, parsed.m, parsed.start, parsed.end, parsed.waived,
         parsed.discount, parsed.price, parsed.compensation, parsed.targeting, parsed.promo_name) = terms
        specs = list(specs)

        parsed.planned, found = self._cell(cells, h.PLANNED_QUANTITY, parse_quantity)
        specs.extend(found)
        # Informational and free-text cells are checked too: nothing is dropped or cut silently.
        comment, found = self._cell(cells, h.COMMENT, _comment)
        parsed.comment = comment or ""
        specs.extend(found)
        specs.extend(self._cell(cells, h.PRODUCT_NAME, parse_text)[1])
        raw = cells.get(h.REGULAR_PRICE)
        if raw is not None:
            parsed.regular, found = self._cached(h.REGULAR_PRICE, cell_key(raw), lambda: self._regular_check(raw))
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
            elif parsed.price is not None and rules.price_below_regular(parsed.price, regular) is not None:
                self._problem(parsed, "price_not_below_regular", h.PROMO_PRICE,
                              price=parsed.price, regular=regular)
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
            if text and not self._cached("same_name", (text, name), lambda: (same_name(text, name), ()))[0]:
                self.result.warnings.append(Problem("name_mismatch", parsed.row, self.titles[h.PRODUCT_NAME],
                                                    params={"value": text, "expected": name}))
        if parsed.regular is not None and parsed.regular != regular:
            self.result.warnings.append(Problem(
                "regular_price_mismatch", parsed.row, self.titles[h.REGULAR_PRICE],
                params={"value": parsed.regular, "expected": regular},
            ))

    def _promo_name(self, raw: Any) -> tuple[tuple[str, str], tuple]:
        """The promo name as it will be saved (spaces collapsed); refused above its field's length."""
        text, specs = self._parsed(h.PROMO_NAME, parse_text, raw)
        name = " ".join((text or "").split())
        if len(name) > PROMO_NAME_MAX:
            return ("", ""), (("text_too_long", h.PROMO_NAME, {"length": len(name), "max": PROMO_NAME_MAX}),)
        return (name, name.casefold()), specs

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
        if parsed.waived:
            self._waived.setdefault(key, (parsed.waived, []))[1].append(parsed.row)
        comment = parsed.comment
        line = LineCandidate(
            row=parsed.row, product_id=product_id, article=article, ean=ean, name=name,
            discount_percent=parsed.discount, promo_price=parsed.price, n=parsed.n, m=parsed.m,
            regular_price=regular, compensation_percent=parsed.compensation, comment=comment,
            planned_quantity=parsed.planned,
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

    def _check_waived(self) -> None:
        """A promo whose rows were let off the lead time / end-in-past rules because they
        looked like a revision, but that revises nothing after all (another name): the rules
        apply to its new period, on each of its rows, and it is no promo of this sheet."""
        if not self._waived:
            return
        keys = list(self._groups)
        kept = []
        for index, (key, promo) in enumerate(zip(keys, self.result.promos, strict=True)):
            waived = self._waived.get(key)
            if waived is None or index in self.result.matches:
                kept.append(promo)
                continue
            specs, rows = waived
            for row in rows:
                for code, name, params in specs:
                    self.result.errors.append(Problem(code, row, self.titles[name], params=params))
        if len(kept) != len(self.result.promos):
            self.result.promos = kept
            self.result.matches = match_revisions(kept)

    def _check_floor(self) -> None:
        """``margin_below_floor`` warnings: the chain's margin after compensation under the
        price floor (promo.services.floor)."""
        title = self.titles[h.ARTICLE if h.ARTICLE in self.has else h.EAN]
        for row, article, problem in floor.candidate_problems(self.result.promos):
            self.result.warnings.append(Problem(problem.code, row, title, params={"value": article, **problem.params}))

    def _check_till_names(self) -> None:
        """``name_cut_at_tills`` once per promo whose name the tills' files cut (on its first row)."""
        title = self.titles[h.PROMO_NAME]
        for promo in self.result.promos:
            if promo.named and len(promo.name) > rules.TILL_NAME_MAX:
                self.result.warnings.append(Problem("name_cut_at_tills", promo.first_row, title,
                                                    params={"length": len(promo.name), "max": rules.TILL_NAME_MAX}))

    def _check_moved_periods(self) -> None:
        """``period_changed`` on a new promo's first row per promo of its name over other days."""
        title = self.titles[h.PROMO_NAME]
        for index, others in moved_periods(self.result.promos, self.result.matches).items():
            candidate = self.result.promos[index]
            self.result.warnings.extend(
                Problem("period_changed", candidate.first_row, title, params={
                    "name": candidate.name, "promo": other.code, "start": other.start, "end": other.end})
                for other in others)

    def _check_overlaps(self) -> None:
        """``overlap`` warnings against other live promos and between two promos of the sheet
        (promo.services.imports.overlaps)."""
        title = self.titles[h.ARTICLE if h.ARTICLE in self.has else h.EAN]
        self.result.warnings.extend(overlap_warnings(self.result.promos, self.result.matches, title))


def _comment(raw: Any) -> str | None:
    return parse_text(raw, max_length=COMMENT_MAX)
