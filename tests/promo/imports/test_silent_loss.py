"""No silent loss (issue 11 item 3): every case a sheet used to lose without a word is now
imported completely, or refused / warned with a message that names the problem. Each goes
through the upload API, as a supplier sends it."""

from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from rest_framework.test import APIClient

from promo.models import Promo, PromoLine
from suppliers.models import Product
from tests.promo.imports import hostile
from tests.promo.imports.sheets import HEADER, line, workbook_bytes

pytestmark = pytest.mark.django_db
UPLOADS = "/api/v1/uploads/"
REGULAR, COMPENSATION, COMMENT, NAME = "Регулярная цена", "Компенсация поставщика, %", "Комментарий", "Название акции"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


@pytest.fixture
def send(demo_user):
    client = APIClient()
    client.force_authenticate(demo_user("s001"))

    def post(content: bytes) -> dict:
        response = client.post(UPLOADS, {"file": SimpleUploadedFile("promo.xlsx", content)}, format="multipart")
        assert response.status_code == 201, response.content[:300]
        return response.json()

    return post


def products(count: int) -> list[Product]:
    return list(Product.objects.filter(supplier__code="S001").order_by("article")[:count])


def book_bytes(sheets: list[tuple[str, list[dict], str]]) -> bytes:
    """A workbook of (title, rows, state) sheets, each with the template header."""
    book = Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        sheet = book.create_sheet(title)
        sheet.sheet_state = state
        sheet.append(HEADER)
        for row in rows:
            sheet.append([row.get(title) for title in HEADER])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def codes(problems: list[dict]) -> list[tuple[int, str, str]]:
    return [(problem["row"], problem["column"], problem["code"]) for problem in problems]


def test_rows_after_a_long_run_of_blank_rows_are_all_imported(send):
    # given three lines, 1,500 blank rows, then three more (the reader used to stop after 1,000)
    first, later = products(3), products(6)[3:]
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for product in first:
        sheet.append([line(product).get(title) for title in HEADER])
    for offset, product in enumerate(later):
        for column, title in enumerate(HEADER, start=1):
            sheet.cell(row=1505 + offset, column=column, value=line(product).get(title))
    buffer = BytesIO()
    book.save(buffer)
    # when it is uploaded
    body = send(buffer.getvalue())
    # then every line is imported, the last ones with their own row numbers
    assert body["ok"] and body["lines"] == 6
    assert sorted(PromoLine.objects.values_list("source_row", flat=True)) == [2, 3, 4, 1505, 1506, 1507]


def test_a_hidden_sheet_is_not_read_and_a_warning_names_it(send):
    # given a hidden sheet with last month's table before the visible one
    old, new = products(2), products(4)[2:]
    content = book_bytes([("Старое", [line(p) for p in old], "hidden"), ("Акции", [line(p) for p in new], "visible")])
    # when it is uploaded
    body = send(content)
    # then the visible sheet is the one read, and the result says so
    assert body["ok"] and body["sheet"] == "Акции" and body["lines"] == 2
    assert set(PromoLine.objects.values_list("product_id", flat=True)) == {p.pk for p in new}
    # and the hidden one is named in a warning
    assert codes(body["warnings"]) == [(0, "", "sheet_hidden_skipped")]
    assert "«Старое»" in body["warnings"][0]["message"] and "«Акции»" in body["warnings"][0]["message"]


def test_a_table_only_on_a_very_hidden_sheet_is_refused(send):
    # given a visible sheet with the header alone and the rows on a very hidden sheet
    content = book_bytes([("Акции", [], "visible"), ("Тайный", [line(p) for p in products(2)], "veryHidden")])
    body = send(content)
    # then it is refused, naming the hidden sheet, and nothing is saved
    assert not body["ok"] and codes(body["errors"]) == [(0, "", "sheet_hidden")]
    assert "«Тайный»" in body["errors"][0]["message"]
    assert not Promo.objects.exists()


def test_two_visible_sheets_with_a_table_are_refused_as_ambiguous(send):
    # given March and April on two sheets (the second used to be ignored)
    content = book_bytes([("Март", [line(p) for p in products(2)], "visible"),
                          ("Апрель", [line(p) for p in products(4)[2:]], "visible")])
    body = send(content)
    # then it is refused, naming both sheets
    assert not body["ok"] and codes(body["errors"]) == [(0, "", "sheets_ambiguous")]
    assert "«Март», «Апрель»" in body["errors"][0]["message"]
    assert not Promo.objects.exists()


def test_a_header_that_appears_twice_is_refused(send):
    # given a second «Скидка» column (the first used to win silently)
    header = [*HEADER, "Скидка"]
    rows = [{**line(p), "Скидка": 30} for p in products(2)]
    body = send(workbook_bytes(rows, header=header))
    # then the header row is refused, naming the column and where it appears
    assert not body["ok"] and codes(body["errors"]) == [(1, "Скидка, %", "header_duplicate")]
    assert "«F», «N»" in body["errors"][0]["message"]


@pytest.mark.parametrize("discount, char", [
    ("1²", "²"),  # a superscript two used to be read as 2
    ("１５", "１"),  # fullwidth
    ("١٥", "١"),  # Arabic-Indic
])
def test_digits_that_are_not_ascii_are_refused_never_read_as_numbers(send, discount, char):
    body = send(workbook_bytes([line(products(1)[0], **{"Скидка, %": discount})]))
    assert not body["ok"] and codes(body["errors"]) == [(2, "Скидка, %", "digit_not_ascii")]
    assert f"«{char}»" in body["errors"][0]["message"]


@pytest.mark.parametrize("column, value, char", [
    (NAME, "Акция\u200b", "U+200B ZERO WIDTH SPACE"),
    ("Артикул", "\u202eA100001", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("Скидка, %", "1\u200d5", "U+200D ZERO WIDTH JOINER"),
    (COMMENT, "\ufeffсрочно", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
])
def test_bidi_and_zero_width_characters_are_refused_and_named(send, column, value, char):
    body = send(workbook_bytes([line(products(1)[0], **{column: value})]))
    assert not body["ok"] and (2, column, "invisible_char") in codes(body["errors"])
    assert char in next(e["message"] for e in body["errors"] if e["code"] == "invisible_char")


def raw_sheet(product, **values) -> bytes:
    """The template row as raw sheet XML (dates as Excel serials: 01.07.2027-12.07.2027), for
    what openpyxl would not write: a text above Excel's 32,767 characters, a NaN number cell."""
    cells = [line(product, **values).get(title) for title in HEADER]
    cells[HEADER.index("Начало")], cells[HEADER.index("Окончание")] = 46569, 46580
    return hostile.one_sheet({1: HEADER, 2: cells})


@pytest.mark.parametrize("column, length, limit", [(NAME, 201, 200), (COMMENT, 32_768, 32_767),
                                                   (COMMENT, 40_000, 32_767)])
def test_text_longer_than_its_field_is_an_error_not_a_cut(send, column, length, limit):
    # given a text one character (or many) longer than its field: a promo name above 200, a
    # comment above Excel's cell limit (calamine would return it cut to 32,767)
    body = send(raw_sheet(products(1)[0], **{column: "Я" * length}))
    # then it is an error on its cell, giving both lengths
    assert not body["ok"] and codes(body["errors"]) == [(2, column, "text_too_long")]
    assert f"{length} символов, а можно не больше {limit}" in body["errors"][0]["message"]


@pytest.mark.parametrize("column", [REGULAR, COMPENSATION])
@pytest.mark.parametrize("value", ["NaN", "inf", "∞", "🙂", "<v>NaN</v>", "<v>INF</v>", "<v>-inf</v>"])
def test_a_regular_price_or_compensation_that_is_not_a_number_is_an_error(send, column, value):
    # given a regular price or a compensation that is not a number (it used to count as empty),
    # written as text or as a raw number cell holding NaN or infinity
    product = products(1)[0]
    if value.startswith("<v>"):
        content = raw_sheet(product, **{column: f'<c r="{hostile.column(HEADER.index(column) + 1)}2">{value}</c>'})
    else:
        content = workbook_bytes([line(product, **{column: value})])
    body = send(content)
    # then the cell is an error, and nothing is saved
    assert not body["ok"] and codes(body["errors"]) == [(2, column, "price_invalid")]
    assert not Promo.objects.exists()


def test_an_excel_error_cell_is_an_error_not_an_empty_cell(send):
    # given a compensation computed by a formula that failed (#DIV/0!)
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([line(products(1)[0]).get(title) for title in HEADER])
    cell = sheet.cell(row=2, column=HEADER.index(COMPENSATION) + 1, value="#DIV/0!")
    cell.data_type = "e"
    buffer = BytesIO()
    book.save(buffer)
    body = send(buffer.getvalue())
    # then it is refused on that cell, naming the error
    assert not body["ok"] and codes(body["errors"]) == [(2, COMPENSATION, "cell_error")]
    assert "«#DIV/0!»" in body["errors"][0]["message"]


@pytest.mark.parametrize("price", [1e308, 10 ** 30, "1" + "0" * 30])
def test_a_price_far_too_large_is_a_clear_error(send, price):
    # given a fixed price of 1e308 or 10^30 (it used to surface decimal.InvalidOperation)
    body = send(workbook_bytes([line(products(1)[0], **{"Механика": "Цена", "Скидка, %": None,
                                                        "Промо-цена": price})]))
    assert not body["ok"] and codes(body["errors"]) == [(2, "Промо-цена", "price_invalid")]
    assert "слишком большое" in body["errors"][0]["message"]


def test_a_normal_sheet_still_imports_every_value_as_written(send):
    # given the plain template layout: nothing above changes what a clean sheet gives
    body = send(workbook_bytes([line(p, **{COMMENT: "без изменений", REGULAR: float(p.regular_price)})
                                for p in products(3)]))
    assert body["ok"] and body["lines"] == 3 and body["errors"] == [] and body["warnings"] == []
    assert set(PromoLine.objects.values_list("discount_percent", "comment")) == {(Decimal(15), "без изменений")}


def _formula_sheet(cached: dict[str, str] | None = None, *, end_formula: bool = True) -> bytes:
    """A fixed-price row whose «Промо-цена» is =H2*0.8 and «Окончание» =I2+20, written by
    openpyxl (no calculated values); ``cached`` puts Excel's calculated value into cells by
    reference, as a file saved by Excel has it."""
    import re
    import zipfile

    from openpyxl.utils import get_column_letter

    product = products(1)[0]
    row = line(product, **{"Механика": "Цена", "Скидка, %": None, "Промо-цена": None})
    if end_formula:
        row["Окончание"] = None
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([row.get(title) for title in HEADER])
    regular = get_column_letter(HEADER.index(REGULAR) + 1)
    start = get_column_letter(HEADER.index("Начало") + 1)
    sheet.cell(row=2, column=HEADER.index("Промо-цена") + 1, value=f"={regular}2*0.8")
    if end_formula:
        sheet.cell(row=2, column=HEADER.index("Окончание") + 1, value=f"={start}2+20")
    buffer = BytesIO()
    book.save(buffer)
    if not cached:
        return buffer.getvalue()
    source, out = zipfile.ZipFile(BytesIO(buffer.getvalue())), BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                for ref, value in cached.items():
                    data = re.sub(rb'(<c r="' + ref.encode() + rb'"[^>]*><f>[^<]*</f>)<v\s*/>',
                                  rb"\g<1><v>" + value.encode() + rb"</v>", data)
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_a_formula_without_a_calculated_value_is_named_not_an_empty_cell(send, settings, engine):
    # given a sheet written by a script: the promo price and the end are formulas never calculated
    settings.PROMO_IMPORT_ENGINE = engine
    body = send(_formula_sheet())
    # then each is refused on its cell, naming the formula and what to do, not «не заполнено»
    price, end = (HEADER.index(title) for title in ("Промо-цена", "Окончание"))
    assert not body["ok"]
    assert sorted(codes(body["errors"])) == [(2, "Окончание", "cell_error"), (2, "Промо-цена", "cell_error")]
    messages = {error["column"]: error["message"] for error in body["errors"]}
    from openpyxl.utils import get_column_letter
    assert messages["Промо-цена"].startswith(f"В ячейке {get_column_letter(price + 1)}2 (колонка «Промо-цена») "
                                              "формула без вычисленного значения: откройте файл в Excel")
    assert f"В ячейке {get_column_letter(end + 1)}2" in messages["Окончание"]
    assert "Не заполнено" not in str(body)


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_a_formula_saved_with_its_value_is_read_as_that_value(send, settings, engine):
    # given the promo price's formula as Excel saves it: with its calculated value
    from openpyxl.utils import get_column_letter

    settings.PROMO_IMPORT_ENGINE = engine
    price = get_column_letter(HEADER.index("Промо-цена") + 1)
    body = send(_formula_sheet({f"{price}2": "1.5"}, end_formula=False))
    # then the value is read as if typed
    assert body["errors"] == [] and body["ok"], body["errors"]
    assert list(PromoLine.objects.values_list("promo_price", flat=True)) == [Decimal("1.50")]


def test_a_formula_whose_result_is_an_empty_text_is_not_taken_for_an_uncalculated_one(tmp_path):
    # given a formula Excel calculated to "" (t="str" with an empty value) and one never calculated
    import re
    import zipfile

    from promo.services.imports.package import survey

    content = _formula_sheet(end_formula=False)
    source, out = zipfile.ZipFile(BytesIO(content)), BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="([A-Z]+)2"><f>([^<]*)</f><v\s*/></c>',
                              rb'<c r="\g<1>2"><f>\g<2></f><v /></c><c r="Z2" t="str"><f>""</f><v></v></c>', data)
            target.writestr(item, data)
    path = tmp_path / "formulas.xlsx"
    path.write_bytes(out.getvalue())
    assert b'<c r="Z2" t="str"><f>""</f><v></v></c>' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    # when the file is surveyed, then only the uncalculated one is found
    (stats,) = survey(path).sheets.values()
    assert stats.formulas == {(2, HEADER.index("Промо-цена"))}
