"""What Excel shows of a sheet beyond its cells' values.

A cell merged over several rows reads, for the supplier, as the same value on each of them:
a promo name merged down the rows of its products names every row, so the rows stay one promo
(before, only the first row carried the name and the others became a promo of their own, named
after the supplier and dates, without a word). The error workbook carries the value on every
row too, so the marked file can be fixed and uploaded again.

A row hidden by hand or by a filter is loaded like the others (it is still the supplier's row),
and the upload says which ones were hidden: before, nothing told a supplier who had filtered the
sheet down to one promo that every other row went in too."""

from datetime import date
from io import BytesIO

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from promo.models import Promo
from promo.services.imports.uploads import upload_error_workbook, upload_submit
from suppliers.models import Product
from tests.promo.imports.sheets import HEADER, line

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)
NAME = "Осенние скидки"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


def merged_sheet(rows: list[dict], merges: list[str] = (), hidden: list[int] = ()) -> bytes:
    """The rows under a title row, with ``merges`` (Excel ranges) merged (the value stays in
    the range's first cell only, as Excel keeps it) and the sheet rows ``hidden`` hidden."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Акции"
    sheet.append(["Акции на осень"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row.get(title) for title in HEADER])
    for ref in merges:
        sheet.merge_cells(ref)
    for number in hidden:
        sheet.row_dimensions[number].hidden = True
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def submit(user, content: bytes, name="merged.xlsx"):
    return upload_submit(actor=user, file=SimpleUploadedFile(name, content), original_name=name, today=TODAY)


def products(count: int) -> list[Product]:
    return list(Product.objects.filter(supplier__code="S001").order_by("article")[:count])


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_a_promo_name_merged_down_its_rows_names_every_row(demo_user, settings, engine):
    # given: four rows of one promo; its name (column A) merged over rows 3-6, the title over A1:M1,
    # and the start date (column I) merged over the first two rows
    settings.PROMO_IMPORT_ENGINE = engine
    items = products(4)
    start = HEADER.index("Начало")
    rows = [line(p, **{"Название акции": NAME if index == 0 else None}) for index, p in enumerate(items)]
    rows[1]["Начало"] = None
    column = openpyxl.utils.get_column_letter(start + 1)
    content = merged_sheet(rows, ["A1:M1", "A3:A6", f"{column}3:{column}4"])

    # when s001 uploads it
    upload, result = submit(demo_user("s001"), content)

    # then: one promo of the four lines, named as the merged cell says, nothing else
    assert result.ok, result.errors
    promo = upload.promos.get()
    assert (promo.name, promo.lines.count()) == (NAME, 4)
    assert Promo.objects.count() == 1
    assert result.warnings == []


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_the_error_workbook_carries_a_merged_value_on_every_row(demo_user, settings, engine):
    # given: a merged promo name over three rows, the last row's discount out of range
    settings.PROMO_IMPORT_ENGINE = engine
    rows = [line(p, **{"Название акции": NAME if index == 0 else None}) for index, p in enumerate(products(3))]
    rows[2]["Скидка, %"] = 150
    upload, result = submit(demo_user("s001"), merged_sheet(rows, ["A3:A5"]))
    assert [(error["row"], error["code"]) for error in result.errors] == [(5, "discount_out_of_range")]

    # when the supplier downloads the error workbook
    marked = openpyxl.load_workbook(BytesIO(upload_error_workbook(upload)))

    # then each of the three rows carries the promo name, so the fixed file reads the same
    assert [marked["Акции"][f"A{row}"].value for row in (3, 4, 5)] == [NAME, NAME, NAME]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_hidden_rows_are_loaded_and_the_upload_names_them(demo_user, settings, engine):
    # given: four rows (sheet rows 3-6); rows 4 and 6 hidden, as a filter leaves them, and the
    # title row above the header hidden too
    settings.PROMO_IMPORT_ENGINE = engine
    rows = [line(p, **{"Название акции": NAME}) for p in products(4)]

    # when s001 uploads it
    upload, result = submit(demo_user("s001"), merged_sheet(rows, hidden=[1, 4, 6]))

    # then: all four lines are loaded, with one warning on the file naming the hidden data rows
    assert result.ok, result.errors
    assert upload.promos.get().lines.count() == 4
    assert [(w["row"], w["code"]) for w in result.warnings] == [(0, "rows_hidden_loaded")]
    assert result.warnings[0]["message"] == (
        "Скрытые в файле строки (вручную или фильтром) загружены, как и видимые: 4, 6. Если их "
        "загружать не нужно, удалите эти строки из файла и загрузите его снова.")


def test_a_sheet_without_hidden_rows_gets_no_such_warning(demo_user):
    # given: the same rows, nothing hidden
    rows = [line(p, **{"Название акции": NAME}) for p in products(2)]
    # when uploaded
    _upload, result = submit(demo_user("s001"), merged_sheet(rows))
    # then: no warning at all
    assert result.ok and result.warnings == []


def test_a_two_row_header_with_titles_merged_down_is_read(demo_user):
    # given: a header over two rows, as suppliers draw it: «Товар» over «Артикул» and «Штрихкод»
    # (row 2), every other title merged down rows 1-2
    book = openpyxl.Workbook()
    sheet = book.active
    product_columns = ("Артикул", "Штрихкод")
    sheet.append([("Товар" if title == "Артикул" else None) if title in product_columns else title
                  for title in HEADER])
    sheet.append([title if title in product_columns else None for title in HEADER])
    for index, title in enumerate(HEADER, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        if title not in product_columns:
            sheet.merge_cells(f"{letter}1:{letter}2")
    for p in products(2):
        row = line(p, **{"Название акции": NAME})
        sheet.append([row.get(title) for title in HEADER])
    buffer = BytesIO()
    book.save(buffer)

    # when s001 uploads it
    upload, result = submit(demo_user("s001"), buffer.getvalue())

    # then: the header is found on row 2, and both rows are loaded
    assert result.ok, result.errors
    assert upload.promos.get().lines.count() == 2
