"""The downloadable promo sheet template («Скачать шаблон»).

Three sheets: «Акции» (the header row the reader recognises, a drop-down for the mechanic,
date and number formats, one example row), «Инструкция» (every column and rule) and «Мои
товары» (the supplier's own products to copy from). The workbook is written in write-only mode
and the products are read with ``.iterator()``, so a supplier with a large range costs no memory.
Catalogue text (product names, articles) is written through ``config.spreadsheets.xlsx_text``,
so a name that starts with ``=`` stays a name.
"""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from config.spreadsheets import xlsx_text
from promo.services.imports import headers as h
from suppliers.models import Product

# Header texts per language: data the reader must recognise (see headers.SYNONYMS), so they
# are spelled here rather than left to a translation catalogue.
HEADERS = {
    "ru": {
        h.SUPPLIER: "Поставщик", h.PROMO_NAME: "Название акции", h.ARTICLE: "Артикул", h.EAN: "Штрихкод",
        h.PRODUCT_NAME: "Наименование", h.MECHANIC: "Механика", h.DISCOUNT: "Скидка, %",
        h.PROMO_PRICE: "Промо-цена", h.REGULAR_PRICE: "Регулярная цена", h.START: "Начало",
        h.END: "Окончание", h.COMPENSATION: "Компенсация поставщика, %", h.BRANCHES: "Филиалы",
        h.COMMENT: "Комментарий", h.PLANNED_QUANTITY: "План, шт",
    },
    "en": {
        h.SUPPLIER: "Supplier", h.PROMO_NAME: "Promo name", h.ARTICLE: "Article", h.EAN: "Barcode",
        h.PRODUCT_NAME: "Name", h.MECHANIC: "Mechanic", h.DISCOUNT: "Discount, %",
        h.PROMO_PRICE: "Promo price", h.REGULAR_PRICE: "Regular price", h.START: "Start", h.END: "End",
        h.COMPENSATION: "Supplier compensation, %", h.BRANCHES: "Branches", h.COMMENT: "Comment",
        h.PLANNED_QUANTITY: "Planned quantity",
    },
}
MECHANIC_CHOICES = {
    "ru": ("Скидка %", "Цена", "2+1", "3+2", "1+1"),
    "en": ("percent", "fixed price", "2+1", "3+2", "1+1"),
}
ALL_BRANCHES = {"ru": "Все", "en": "All"}
SHEET_TITLES = {
    "ru": {"promos": "Акции", "help": "Инструкция", "products": "Мои товары"},
    "en": {"promos": "Promos", "help": "Instructions", "products": "My products"},
}
# The example row's promo name and comment: the importer recognises a row carrying both (in any
# language) as the template's own example and skips it (``template_example_skipped``).
EXAMPLE_NAME = gettext_lazy("Пример: скидки недели")
EXAMPLE_COMMENT = gettext_lazy("Пример строки: замените своими товарами или удалите")
PRODUCT_HEADERS = {
    "ru": ("Артикул", "Штрихкод", "Наименование", "Регулярная цена"),
    "en": ("Article", "Barcode", "Name", "Regular price"),
}
PROMO_FIELDS = (
    h.PROMO_NAME, h.ARTICLE, h.EAN, h.PRODUCT_NAME, h.MECHANIC, h.DISCOUNT, h.PROMO_PRICE,
    h.REGULAR_PRICE, h.START, h.END, h.COMPENSATION, h.PLANNED_QUANTITY, h.BRANCHES, h.COMMENT,
)
# Rows the drop-down and the column formats cover; far more than any real sheet.
FORMATTED_ROWS = 10_000

DATE_FORMAT = "DD.MM.YYYY"
MONEY_FORMAT = "#,##0.00"
# A plain number, never a percent format: 15 must stay 15, not 1500 %.
PERCENT_NUMBER_FORMAT = "0.##"
TEXT_FORMAT = "@"
COLUMN_FORMATS = {
    h.ARTICLE: TEXT_FORMAT, h.EAN: TEXT_FORMAT, h.DISCOUNT: PERCENT_NUMBER_FORMAT,
    h.PROMO_PRICE: MONEY_FORMAT, h.REGULAR_PRICE: MONEY_FORMAT, h.START: DATE_FORMAT,
    h.END: DATE_FORMAT, h.COMPENSATION: PERCENT_NUMBER_FORMAT, h.SUPPLIER: TEXT_FORMAT,
    h.PLANNED_QUANTITY: "0",
}
COLUMN_WIDTHS = {
    h.SUPPLIER: 14, h.PROMO_NAME: 26, h.ARTICLE: 12, h.EAN: 16, h.PRODUCT_NAME: 44, h.MECHANIC: 12,
    h.DISCOUNT: 10, h.PROMO_PRICE: 12, h.REGULAR_PRICE: 14, h.START: 12, h.END: 12,
    h.COMPENSATION: 16, h.PLANNED_QUANTITY: 10, h.BRANCHES: 30, h.COMMENT: 30,
}
HEADER_FONT = Font(bold=True, color="FFFFFFFF")
HEADER_FILL = PatternFill(fill_type="solid", start_color="FF305496")
EXAMPLE_FONT = Font(italic=True, color="FF595959")
WRAP = Alignment(wrap_text=True, vertical="top")


def template_columns(*, supplier=None) -> tuple[str, ...]:
    """Fields of the «Акции» sheet in order; a marketer's bulk template starts with «Поставщик»."""
    return PROMO_FIELDS if supplier is not None else (h.SUPPLIER, *PROMO_FIELDS)


def example_start(today: date) -> date:
    """The first Monday the lead time allows: what a supplier would plausibly propose."""
    earliest = today + timedelta(days=settings.PROMO_MIN_LEAD_DAYS)
    return earliest + timedelta(days=(7 - earliest.weekday()) % 7)


def build_template(*, supplier=None, language: str = "ru", today: date | None = None) -> bytes:
    """The .xlsx template for ``supplier`` (or the marketer's bulk template with a «Поставщик»
    column when None), with headers and texts in ``language`` ("ru" or "en")."""
    language = language if language in HEADERS else "ru"
    today = today or timezone.localdate()
    book = Workbook(write_only=True)
    with translation.override(language):
        _promo_sheet(book, supplier=supplier, language=language, today=today)
        _help_sheet(book, supplier=supplier, language=language)
        if supplier is not None:
            _products_sheet(book, supplier=supplier, language=language)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _promo_sheet(book: Workbook, *, supplier, language: str, today: date) -> None:
    sheet = book.create_sheet(SHEET_TITLES[language]["promos"])
    columns = template_columns(supplier=supplier)
    letters = {name: get_column_letter(index) for index, name in enumerate(columns, start=1)}
    for name, letter in letters.items():
        sheet.column_dimensions[letter].width = COLUMN_WIDTHS[name]
        if name in COLUMN_FORMATS:
            sheet.column_dimensions[letter].number_format = COLUMN_FORMATS[name]
    sheet.freeze_panes = "A2"

    last_row = FORMATTED_ROWS + 1
    mechanic = DataValidation(
        type="list", formula1='"{}"'.format(",".join(MECHANIC_CHOICES[language])), allow_blank=True,
        showErrorMessage=True, errorStyle="warning", errorTitle=_("Механика"),
        error=_("Выберите механику из списка: скидка в процентах, фиксированная цена или N+M."),
        showInputMessage=True, promptTitle=_("Механика"),
        prompt=_("Скидка % — заполните «Скидка, %»; Цена — «Промо-цена»; 2+1, 3+2, 1+1 — купи N, M в подарок."),
    )
    mechanic.add(f"{letters[h.MECHANIC]}2:{letters[h.MECHANIC]}{last_row}")
    discount = DataValidation(
        type="decimal", operator="between", formula1=str(settings.PROMO_DISCOUNT_MIN),
        formula2=str(settings.PROMO_DISCOUNT_MAX), allow_blank=True, showErrorMessage=True,
        errorStyle="warning", errorTitle=_("Скидка"),
        error=_("Скидка — число от {min} до {max} (процентов).").format(
            min=settings.PROMO_DISCOUNT_MIN, max=settings.PROMO_DISCOUNT_MAX),
    )
    discount.add(f"{letters[h.DISCOUNT]}2:{letters[h.DISCOUNT]}{last_row}")
    dates = DataValidation(
        type="date", operator="greaterThan", formula1="DATE(2000,1,1)", allow_blank=True,
        showErrorMessage=True, errorStyle="warning", errorTitle=_("Дата"),
        error=_("Укажите дату в виде дд.мм.гггг, например 01.06.2027."),
    )
    dates.add(f"{letters[h.START]}2:{letters[h.END]}{last_row}")
    for validation in (mechanic, discount, dates):
        sheet.data_validations.append(validation)

    header_cells = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=HEADERS[language][name])
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        header_cells.append(cell)
    sheet.append(header_cells)

    example = _example_values(supplier=supplier, language=language, today=today)
    row = []
    for name in columns:
        cell = xlsx_text(WriteOnlyCell(sheet, value=example.get(name)))
        cell.font = EXAMPLE_FONT
        if name in COLUMN_FORMATS:
            cell.number_format = COLUMN_FORMATS[name]
        row.append(cell)
    sheet.append(row)


def example_texts() -> tuple[frozenset[str], frozenset[str]]:
    """The example row's promo names and comments, in every language of the portal."""
    names, comments = set(), set()
    for language, _label in settings.LANGUAGES:
        with translation.override(language):
            names.add(str(EXAMPLE_NAME))
            comments.add(str(EXAMPLE_COMMENT))
    return frozenset(names), frozenset(comments)


def is_example_row(name, comment, texts: tuple[frozenset[str], frozenset[str]]) -> bool:
    """Does a row hold the template's example: exactly its promo name and its comment (as
    ``example_texts`` gives them; spaces around them aside)? A row the supplier made their own
    has another name or comment."""
    names, comments = texts
    return (isinstance(name, str) and isinstance(comment, str)
            and name.strip() in names and comment.strip() in comments)


def _example_values(*, supplier, language: str, today: date) -> dict:
    product = None
    if supplier is not None:
        product = Product.objects.filter(supplier=supplier, active=True).order_by("article").first()
    start = example_start(today)
    values = {
        h.PROMO_NAME: str(EXAMPLE_NAME),
        h.MECHANIC: MECHANIC_CHOICES[language][0],
        h.DISCOUNT: 15,
        h.START: start,
        h.END: start + timedelta(days=13),
        h.COMPENSATION: 50,
        h.BRANCHES: ALL_BRANCHES[language],
        h.COMMENT: str(EXAMPLE_COMMENT),
    }
    if product is not None:
        values.update({
            h.ARTICLE: product.article, h.EAN: product.ean, h.PRODUCT_NAME: product.name,
            h.REGULAR_PRICE: product.regular_price,
        })
    else:
        values.update({h.ARTICLE: "A100001", h.PRODUCT_NAME: _("Наименование товара")})
    if supplier is None:
        values[h.SUPPLIER] = "S001"
    return values


def _help_rows(*, supplier) -> list[tuple[str, str, str]]:
    required, optional = _("да"), _("нет")
    rows = [
        (h.PROMO_NAME, optional, _(
            "Название акции. Строки с одинаковым названием, механикой, датами и филиалами — одна "
            "акция. Без названия оно будет составлено из поставщика, механики и дат.")),
        (h.ARTICLE, _("да, если нет штрихкода"), _(
            "Артикул товара в сети (как на листе «Мои товары»).")),
        (h.EAN, _("да, если нет артикула"), _(
            "Штрихкод EAN-13 или EAN-8 с верной контрольной цифрой. Колонка в текстовом формате, "
            "чтобы Excel не превратил штрихкод в число.")),
        (h.PRODUCT_NAME, optional, _("Для удобства; товар определяется по штрихкоду или артикулу.")),
        (h.MECHANIC, required, _(
            "«Скидка %» (нужна «Скидка, %»), «Цена» (нужна «Промо-цена», ниже регулярной) или N+M: "
            "«2+1», «3+2», «1+1» — купи N, получи M в подарок. В одной акции — одна механика.")),
        (h.DISCOUNT, _("для «Скидка %»"), _(
            "Скидка в процентах, от {min} до {max}: 15 или 15,5. Число меньше 1 считается долей "
            "(0,25 = 25 %).").format(min=settings.PROMO_DISCOUNT_MIN, max=settings.PROMO_DISCOUNT_MAX)),
        (h.PROMO_PRICE, _("для «Цена»"), _("Цена по акции в рублях, ниже регулярной: 199,90.")),
        (h.REGULAR_PRICE, optional, _(
            "Для сверки: если она отличается от цены в каталоге, будет предупреждение, а в расчётах "
            "используется цена каталога.")),
        (h.START, required, _(
            "Дата начала, дд.мм.гггг. Не раньше чем через {days} дн. от дня загрузки.").format(
                days=settings.PROMO_MIN_LEAD_DAYS)),
        (h.END, required, _(
            "Дата окончания, дд.мм.гггг, не раньше начала. Акция длится не больше {days} дн.").format(
                days=settings.PROMO_MAX_DAYS)),
        (h.COMPENSATION, optional, _("Доля скидки, которую компенсирует поставщик, от 0 до 100 %.")),
        (h.PLANNED_QUANTITY, optional, _(
            "Сколько штук вы рассчитываете продать за акцию, целое число: по нему считается итог "
            "акции. Можно не заполнять.")),
        (h.BRANCHES, optional, _(
            "Где действует акция: «Все» (вся сеть, так же и пустая ячейка), название региона или "
            "города, название группы филиалов или коды филиалов (B0001). Несколько значений — через "
            "«;». Исключить филиалы: «Все; кроме B0003, B0004».")),
        (h.COMMENT, optional, _("Любой комментарий для категорийного менеджера.")),
    ]
    if supplier is None:
        rows.insert(0, (h.SUPPLIER, required, _(
            "Код поставщика (S001) или его ИНН: сводный файл маркетолога содержит акции разных "
            "поставщиков.")))
    return rows


def _help_sheet(book: Workbook, *, supplier, language: str) -> None:
    sheet = book.create_sheet(SHEET_TITLES[language]["help"])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 22
    sheet.column_dimensions["C"].width = 100
    title = WriteOnlyCell(sheet, value=_("Как заполнить лист «{sheet}»").format(
        sheet=SHEET_TITLES[language]["promos"]))
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    sheet.append([])
    heading = []
    for text in (_("Колонка"), _("Обязательно"), _("Что писать")):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        heading.append(cell)
    sheet.append(heading)
    for name, needed, text in _help_rows(supplier=supplier):
        cells = []
        for value in (HEADERS[language][name], needed, text):
            cell = WriteOnlyCell(sheet, value=value)
            cell.alignment = WRAP
            cells.append(cell)
        sheet.append(cells)
    sheet.append([])
    rules = WriteOnlyCell(sheet, value=_("Правила"))
    rules.font = Font(bold=True)
    sheet.append([rules])
    for text in (
        _("Заголовки колонок можно писать по-русски или по-английски и в любом порядке; строка "
          "заголовков должна быть в первых 20 строках листа."),
        _("Скидка — от {min} до {max} %; акция длится не больше {days} дн.; начало — не раньше чем "
          "через {lead} дн. после загрузки.").format(
              min=settings.PROMO_DISCOUNT_MIN, max=settings.PROMO_DISCOUNT_MAX,
              days=settings.PROMO_MAX_DAYS, lead=settings.PROMO_MIN_LEAD_DAYS),
        _("Даты — в виде дд.мм.гггг (например, 01.06.2027) или ячейкой в формате даты."),
        _("Файл принимается целиком или не принимается совсем: если есть ошибки, вы получите их "
          "список и этот же файл с подсвеченными ячейками."),
        _("Чтобы исправить уже загруженную акцию, измените строки и загрузите файл снова: "
          "появится новая редакция той же акции."),
        _("Сохраняйте файл в формате .xlsx (Книга Excel)."),
    ):
        cell = WriteOnlyCell(sheet, value="• " + text)
        cell.alignment = Alignment(wrap_text=False)
        sheet.append([cell])


def _products_sheet(book: Workbook, *, supplier, language: str) -> None:
    sheet = book.create_sheet(SHEET_TITLES[language]["products"])
    for letter, width in zip("ABCD", (12, 16, 60, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    heading = []
    for text in PRODUCT_HEADERS[language]:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        heading.append(cell)
    sheet.append(heading)
    products = (
        Product.objects.filter(supplier=supplier, active=True)
        .order_by("article")
        .values_list("article", "ean", "name", "regular_price")
        .iterator(chunk_size=2000)
    )
    for article, ean, name, regular_price in products:
        article_cell = xlsx_text(WriteOnlyCell(sheet, value=article))
        article_cell.number_format = TEXT_FORMAT
        # Text, so Excel shows all 13 digits and keeps a leading zero.
        ean_cell = xlsx_text(WriteOnlyCell(sheet, value=ean))
        ean_cell.number_format = TEXT_FORMAT
        name_cell = xlsx_text(WriteOnlyCell(sheet, value=name))
        price_cell = WriteOnlyCell(sheet, value=regular_price)
        price_cell.number_format = MONEY_FORMAT
        sheet.append([article_cell, ean_cell, name_cell, price_cell])
