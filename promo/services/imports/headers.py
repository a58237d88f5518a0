"""Header row of a promo sheet: folding, RU/EN synonyms, finding the row.

Suppliers spell headers every way («Штрих-код», «ШК», "Barcode", «Скидка,\\n%», «  название
АКЦИИ »); after folding (case, spaces, line breaks, punctuation, ё → е) each spelling is a key
of ``SYNONYMS``. Pure functions: no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from promo.services.imports.problems import FileProblem, Problem
from promo.services.imports.values import clean_display

PROMO_NAME = "promo_name"
ARTICLE = "article"
EAN = "ean"
PRODUCT_NAME = "product_name"
MECHANIC = "mechanic"
DISCOUNT = "discount"
PROMO_PRICE = "promo_price"
REGULAR_PRICE = "regular_price"
START = "start"
END = "end"
COMPENSATION = "compensation"
BRANCHES = "branches"
COMMENT = "comment"
SUPPLIER = "supplier"
PLANNED_QUANTITY = "planned_quantity"

FIELDS = (
    PROMO_NAME, ARTICLE, EAN, PRODUCT_NAME, MECHANIC, DISCOUNT, PROMO_PRICE, REGULAR_PRICE,
    START, END, COMPENSATION, BRANCHES, COMMENT, SUPPLIER, PLANNED_QUANTITY,
)
# Mechanic, start, end, plus at least one of EAN and article.
REQUIRED = (MECHANIC, START, END)
PRODUCT_KEYS = (EAN, ARTICLE)

# How the template names each field; also the names a user reads in «missing columns».
LABELS: dict[str, Any] = {
    PROMO_NAME: _("Название акции"),
    ARTICLE: _("Артикул"),
    EAN: _("Штрихкод"),
    PRODUCT_NAME: _("Наименование"),
    MECHANIC: _("Механика"),
    DISCOUNT: _("Скидка, %"),
    PROMO_PRICE: _("Промо-цена"),
    REGULAR_PRICE: _("Регулярная цена"),
    START: _("Начало"),
    END: _("Окончание"),
    COMPENSATION: _("Компенсация поставщика, %"),
    BRANCHES: _("Филиалы"),
    COMMENT: _("Комментарий"),
    SUPPLIER: _("Поставщик"),
    PLANNED_QUANTITY: _("План, шт"),
}

SYNONYMS: dict[str, tuple[str, ...]] = {
    PROMO_NAME: (
        "Название акции", "Наименование акции", "Название промо", "Название промоакции", "Акция",
        "Промоакция", "Промо-акция", "Promo name", "Promo", "Promotion", "Promotion name",
        "Campaign", "Campaign name",
    ),
    ARTICLE: (
        "Артикул", "Арт.", "Артикул товара", "Артикул сети", "Код товара", "Article", "Article number",
        "SKU", "Item code", "Item number", "Product code",
    ),
    EAN: (
        "Штрихкод", "Штрих-код", "Штрих код", "ШК", "EAN", "EAN-13", "EAN13", "Штрихкод EAN", "Barcode",
        "Bar code", "GTIN",
    ),
    PRODUCT_NAME: (
        "Наименование", "Наименование товара", "Название товара", "Товар", "Name", "Product",
        "Product name", "Item name", "Item",
    ),
    MECHANIC: (
        "Механика", "Механика акции", "Тип акции", "Вид акции", "Mechanic", "Mechanics", "Promo type",
        "Promo mechanic",
    ),
    DISCOUNT: (
        "Скидка", "Скидка, %", "Скидка %", "Скидка в %", "Размер скидки", "Размер скидки, %",
        "Процент скидки", "Discount", "Discount, %", "Discount %", "Discount percent",
    ),
    PROMO_PRICE: (
        "Промо-цена", "Промо цена", "Промоцена", "Цена по акции", "Акционная цена", "Цена акции",
        "Цена со скидкой", "Promo price", "Promotional price", "Sale price", "Fixed price",
    ),
    REGULAR_PRICE: (
        "Регулярная цена", "Цена регулярная", "Обычная цена", "Розничная цена", "Цена до акции",
        "Цена без скидки", "Regular price", "Base price", "Shelf price", "Retail price",
    ),
    START: (
        "Начало", "Дата начала", "Начало акции", "Дата начала акции", "Дата с", "Start", "Start date",
        "Date from", "From", "Valid from",
    ),
    END: (
        "Окончание", "Дата окончания", "Окончание акции", "Дата окончания акции", "Конец",
        "Конец акции", "Дата по", "End", "End date", "Date to", "To", "Until", "Valid to",
    ),
    COMPENSATION: (
        "Компенсация поставщика", "Компенсация поставщика, %", "Компенсация", "Компенсация, %",
        "Доля поставщика", "Доля компенсации", "Compensation", "Compensation, %",
        "Supplier compensation", "Supplier compensation, %", "Supplier share",
    ),
    BRANCHES: (
        "Филиалы", "Филиал", "Магазины", "Адресность", "Регионы", "Где действует", "Branches", "Branch",
        "Stores", "Shops", "Targeting",
    ),
    COMMENT: ("Комментарий", "Комментарии", "Примечание", "Comment", "Comments", "Note", "Notes", "Remark"),
    SUPPLIER: (
        "Поставщик", "Код поставщика", "ИНН поставщика", "ИНН", "Supplier", "Supplier code", "Supplier INN",
        "Vendor", "Vendor code",
    ),
    PLANNED_QUANTITY: (
        "План, шт", "План шт", "План", "План продаж", "План продаж, шт", "План, штук", "Плановое количество",
        "Плановые продажи", "Прогноз продаж", "Прогноз, шт", "Кол-во по плану", "Planned quantity",
        "Planned units", "Plan", "Plan, pcs", "Sales plan", "Forecast", "Forecast, pcs",
    ),
}

HEADER_SEARCH_ROWS = 20

_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def fold(text: Any) -> str:
    """Lower case, ё → е, no spaces, line breaks or punctuation: «Скидка,\\n%» -> «скидка»."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).casefold().replace("ё", "е")
    return _NOT_ALNUM.sub("", text)


_BY_FOLDED: dict[str, str] = {}
for _field, _names in SYNONYMS.items():
    for _name in _names:
        _key = fold(_name)
        if _BY_FOLDED.setdefault(_key, _field) != _field:
            raise ImportError(f"header synonym {_name!r} is claimed by two fields")


def match_header(text: Any) -> str | None:
    """The canonical field a header names, or None. A remark in brackets is ignored:
    «Штрихкод (EAN-13)» is the barcode."""
    if not isinstance(text, str):
        return None
    found = _BY_FOLDED.get(fold(text))
    if found is None and ("(" in text or "[" in text):
        found = _BY_FOLDED.get(fold(_BRACKETS.sub(" ", text)))
    return found


@dataclass
class HeaderMap:
    """Where the header row is and which column holds each field."""

    row: int
    columns: dict[str, int] = field(default_factory=dict)  # field -> 0-based column index
    titles: dict[str, str] = field(default_factory=dict)  # field -> header text as written
    # field -> every 0-based column naming it, for a field named by more than one column
    duplicates: dict[str, list[int]] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        """The required fields this header lacks (EAN-or-article counts as one)."""
        missing = [name for name in REQUIRED if name not in self.columns]
        if not any(key in self.columns for key in PRODUCT_KEYS):
            missing.insert(0, "ean_or_article")
        return missing

    def missing_labels(self) -> list[str]:
        """The missing columns as a user reads them, in the active language."""
        labels = []
        for name in self.missing:
            if name == "ean_or_article":
                labels.append(str(_("{ean} или {article}")).format(ean=LABELS[EAN], article=LABELS[ARTICLE]))
            else:
                labels.append(str(LABELS[name]))
        return labels


def map_header_row(row_number: int, values: Iterable[Any]) -> HeaderMap:
    """Map one row's cells to fields. A field named by two columns maps to the first and is
    listed in ``duplicates`` (the reader refuses such a header: which one is meant?)."""
    header = HeaderMap(row=row_number)
    for index, value in enumerate(values):
        name = match_header(value)
        if name is None:
            continue
        if name in header.columns:
            header.duplicates.setdefault(name, [header.columns[name]]).append(index)
            continue
        header.columns[name] = index
        header.titles[name] = clean_display(str(value)).strip()
    return header


def scan_header(rows: Iterable[tuple[int, tuple]]) -> HeaderMap | None:
    """The row among the first 20 that maps the most fields (the first one on a tie; a complete
    header beats a larger incomplete one), or None when no cell names any field."""
    best: HeaderMap | None = None
    for seen, (row_number, values) in enumerate(rows):
        if seen >= HEADER_SEARCH_ROWS:
            break
        header = map_header_row(row_number, values)
        if not header.columns:
            continue
        if best is None or _rank(header) > _rank(best):
            best = header
    return best


def _rank(header: HeaderMap) -> tuple[bool, int]:
    return (not header.missing, len(header.columns))


def find_header(rows: Iterable[tuple[int, tuple]]) -> HeaderMap:
    """The header row among the first 20 ``(row_number, values)``; raises ``header_missing``
    on that row (row 1 when no row looks like a header) when a required column is missing."""
    header = scan_header(rows)
    if header is None:
        header = HeaderMap(row=1)
    if header.missing:
        raise FileProblem(Problem("header_missing", header.row, params={"missing": header.missing_labels()}))
    return header
