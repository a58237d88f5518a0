"""The downloadable template: headers the reader maps, the mechanic drop-down, instructions, and
the supplier's own products to copy from."""

from datetime import date
from io import BytesIO

import openpyxl
import pytest

from promo.services.imports import values as v
from promo.services.imports.reader import SheetReader, check_file
from promo.services.imports.template import build_template, template_columns
from suppliers.models import Product, Supplier

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


@pytest.fixture
def s001():
    return Supplier.objects.get(code="S001")


def saved(tmp_path, content: bytes, name="template.xlsx"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_supplier_template_is_a_valid_xlsx_with_three_sheets(tmp_path, s001, django_assert_max_num_queries):
    # when the supplier downloads the template
    with django_assert_max_num_queries(2):
        content = build_template(supplier=s001, today=TODAY)
    path = saved(tmp_path, content)
    # then it passes the upload checks and has the promo, instructions and products sheets
    check_file(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Акции", "Инструкция", "Мои товары"]


def test_template_round_trips_through_the_reader(tmp_path, s001):
    path = saved(tmp_path, build_template(supplier=s001, today=TODAY))
    with SheetReader(path) as reader:
        rows = list(reader)
        header = reader.header
    # then every column of the template is mapped, in order, and the example row parses
    assert header.row == 1
    assert header.columns == {name: index for index, name in enumerate(template_columns(supplier=s001))}
    assert [row.row for row in rows] == [2]
    example = rows[0].cells
    product = Product.objects.get(ean=v.parse_ean(example["ean"]))
    assert product.supplier == s001
    assert v.parse_text(example["article"]) == product.article
    assert v.parse_mechanic(example["mechanic"]) == ("percent", None, None)
    assert 1 <= v.parse_discount(example["discount"]) <= 90
    start, end = v.parse_date(example["start"]), v.parse_date(example["end"])
    assert (start - TODAY).days >= 14 and start.weekday() == 0
    assert 0 < (end - start).days < 92


def test_mechanic_column_has_a_drop_down(tmp_path, s001):
    book = openpyxl.load_workbook(saved(tmp_path, build_template(supplier=s001, today=TODAY)))
    sheet = book["Акции"]
    lists = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1
    assert lists[0].formula1 == '"Скидка %,Цена,2+1,3+2,1+1"'
    assert "E2" in lists[0].sqref and "E5000" in lists[0].sqref
    # and every choice of the drop-down is a mechanic the reader accepts
    for choice in lists[0].formula1.strip('"').split(","):
        v.parse_mechanic(choice)


def test_columns_carry_date_number_and_text_formats(tmp_path, s001):
    sheet = openpyxl.load_workbook(saved(tmp_path, build_template(supplier=s001, today=TODAY)))["Акции"]
    assert sheet["I2"].number_format == "DD.MM.YYYY"
    assert sheet["J2"].number_format == "DD.MM.YYYY"
    assert sheet.column_dimensions["I"].number_format == "DD.MM.YYYY"
    assert sheet.column_dimensions["C"].number_format == "@"
    assert sheet.column_dimensions["H"].number_format == "#,##0.00"
    # a discount column must not be a percent format, or 15 would show as 1500 %
    assert "%" not in sheet.column_dimensions["F"].number_format
    assert sheet["C2"].data_type == "s"


def test_products_sheet_lists_exactly_the_suppliers_products(tmp_path, s001):
    sheet = openpyxl.load_workbook(saved(tmp_path, build_template(supplier=s001, today=TODAY)))["Мои товары"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Артикул", "Штрихкод", "Наименование", "Регулярная цена")
    expected = [
        (article, ean, name, float(price))
        for article, ean, name, price in Product.objects.filter(supplier=s001, active=True)
        .order_by("article").values_list("article", "ean", "name", "regular_price")
    ]
    assert rows[1:] == expected
    assert len(expected) > 10
    # and barcodes are text, so Excel keeps all 13 digits
    assert all(cell.data_type == "s" for (cell,) in sheet.iter_rows(min_row=2, min_col=2, max_col=2))


def test_instructions_explain_columns_and_rules(tmp_path, s001):
    sheet = openpyxl.load_workbook(saved(tmp_path, build_template(supplier=s001, today=TODAY)))["Инструкция"]
    text = "\n".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row if value)
    for header in ("Штрихкод", "Механика", "Скидка, %", "Начало", "Окончание", "Филиалы"):
        assert header in text
    assert "от 1 до 90" in text
    assert "не больше 92 дн." in text
    assert "через 14 дн." in text
    assert "«Все»" in text and "«;»" in text and "B0001" in text


def test_english_template(tmp_path, s001):
    path = saved(tmp_path, build_template(supplier=s001, language="en", today=TODAY))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Promos", "Instructions", "My products"]
    assert [cell.value for cell in book["Promos"][1]][:5] == ["Promo name", "Article", "Barcode", "Name", "Mechanic"]
    lists = [dv for dv in book["Promos"].data_validations.dataValidation if dv.type == "list"]
    assert lists[0].formula1 == '"percent,fixed price,2+1,3+2,1+1"'
    with SheetReader(path) as reader:
        assert set(reader.header.columns) == set(template_columns(supplier=s001))
        row = next(iter(reader))
    assert v.parse_mechanic(row.cells["mechanic"]) == ("percent", None, None)
    assert row.cells["branches"] == "All"


def test_marketer_template_has_a_supplier_column_and_no_products(tmp_path):
    path = saved(tmp_path, build_template(today=TODAY))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Акции", "Инструкция"]
    assert book["Акции"]["A1"].value == "Поставщик"
    with SheetReader(path) as reader:
        assert reader.header.columns["supplier"] == 0
        assert next(iter(reader)).cells["supplier"] == "S001"


def test_products_of_other_suppliers_never_appear(tmp_path, s001):
    content = build_template(supplier=s001, today=TODAY)
    sheet = openpyxl.load_workbook(BytesIO(content))["Мои товары"]
    articles = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert not Product.objects.filter(article__in=articles).exclude(supplier=s001).exists()
