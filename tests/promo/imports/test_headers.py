"""Header mapping: every spelling in the sample workbooks, RU and EN, and the header row search."""

from pathlib import Path

import openpyxl
import pytest

from promo.services.imports.headers import (
    FIELDS,
    LABELS,
    SYNONYMS,
    find_header,
    fold,
    match_header,
)
from promo.services.imports.problems import FileProblem

WORKBOOKS = Path(__file__).resolve().parents[2] / "data" / "workbooks"
SAMPLE_FILES = sorted(path.name for path in WORKBOOKS.glob("*.xlsx") if path.name != "s003_not_a_workbook.xlsx")


def sheet_rows(name: str):
    book = openpyxl.load_workbook(WORKBOOKS / name, read_only=True)
    try:
        return [(number, row) for number, row in enumerate(book.worksheets[0].iter_rows(values_only=True), 1)]
    finally:
        book.close()


@pytest.mark.parametrize("text, folded", [
    ("Скидка,\n%", "скидка"),
    ("  название АКЦИИ ", "названиеакции"),
    ("Штрих-код", "штрихкод"),
    ("Промо цена", "промоцена"),
    ("Дата начала\u00a0", "датаначала"),
    ("Шёлк", "шелк"),
    (None, ""),
])
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_every_header_of_the_samples_is_recognised(name):
    # given the header row of a sample sheet
    header = find_header(sheet_rows(name)) if name != "s003_missing_column.xlsx" else None
    rows = dict(sheet_rows(name))
    header_row = header.row if header else 1
    # then every non-empty header cell maps to a field, each field once
    titles = [value for value in rows[header_row] if value is not None]
    fields = [match_header(title) for title in titles]
    assert None not in fields, dict(zip(titles, fields, strict=True))
    assert len(set(fields)) == len(fields)


def test_english_headers_map_like_the_russian_ones():
    english = find_header(sheet_rows("s004_english_headers.xlsx"))
    russian = find_header(sheet_rows("s001_discount_clean.xlsx"))
    assert english.columns == russian.columns
    assert english.titles["ean"] == "Barcode"
    assert english.titles["compensation"] == "Supplier compensation, %"


@pytest.mark.parametrize("text, field", [
    ("Штрихкод", "ean"), ("Штрих-код", "ean"), ("ШК", "ean"), ("EAN", "ean"), ("Barcode", "ean"),
    ("Штрихкод (EAN-13)", "ean"),
    ("Наименование", "product_name"), ("Наименование товара", "product_name"), ("Товар", "product_name"),
    ("Name", "product_name"),
    ("Начало", "start"), ("Дата начала", "start"), ("Start", "start"),
    ("Окончание", "end"), ("Дата окончания", "end"), ("End", "end"),
    ("Промо-цена", "promo_price"), ("Цена по акции", "promo_price"), ("Promo price", "promo_price"),
    ("Скидка, %", "discount"), ("Discount", "discount"),
    ("Компенсация поставщика", "compensation"), ("Compensation", "compensation"),
    ("Supplier compensation, %", "compensation"),
    ("Название акции", "promo_name"), ("Promo name", "promo_name"),
    ("Поставщик", "supplier"), ("Supplier", "supplier"),
    ("Артикул", "article"), ("Article", "article"), ("Механика", "mechanic"), ("Mechanic", "mechanic"),
    ("Регулярная цена", "regular_price"), ("Regular price", "regular_price"),
    ("Филиалы", "branches"), ("Branches", "branches"), ("Комментарий", "comment"), ("Comment", "comment"),
])
def test_readme_synonyms(text, field):
    assert match_header(text) == field
    assert match_header(text.upper()) == field


@pytest.mark.parametrize("text", ["Цена", "Итого", "Предложение по промо-акциям на июнь 2027", "", 15, None])
def test_other_cells_are_not_headers(text):
    assert match_header(text) is None


def test_every_field_has_a_label_and_synonyms_that_map_back():
    assert set(LABELS) == set(FIELDS) == set(SYNONYMS)
    for field, names in SYNONYMS.items():
        assert {match_header(name) for name in names} == {field}
        assert match_header(str(LABELS[field])) == field


def test_header_below_title_rows_is_found():
    # given s003_messy_valid: two title rows and a blank row above the header
    header = find_header(sheet_rows("s003_messy_valid.xlsx"))
    # then the header is row 4 and every column is mapped, as written
    assert header.row == 4
    assert len(header.columns) == 13
    assert header.titles["discount"] == "Скидка,\n%"
    assert header.titles["promo_name"] == "название АКЦИИ"


def test_missing_required_column_is_reported_on_the_header_row():
    with pytest.raises(FileProblem) as raised:
        find_header(sheet_rows("s003_missing_column.xlsx"))
    problem = raised.value.problem
    assert (problem.row, problem.code) == (1, "header_missing")
    assert problem.params["missing"] == ["Механика"]


def test_ean_or_article_is_enough():
    rows = [(1, ("Артикул", "Механика", "Начало", "Окончание"))]
    assert find_header(rows).columns == {"article": 0, "mechanic": 1, "start": 2, "end": 3}
    with pytest.raises(FileProblem) as raised:
        find_header([(1, ("Наименование", "Механика", "Начало", "Окончание"))])
    assert raised.value.problem.params["missing"] == ["Штрихкод или Артикул"]


def test_no_header_at_all_is_reported_on_row_one():
    rows = [(number, ("какой-то текст", number)) for number in range(1, 30)]
    with pytest.raises(FileProblem) as raised:
        find_header(rows)
    assert (raised.value.problem.row, raised.value.problem.code) == (1, "header_missing")


def test_only_the_first_twenty_rows_are_searched():
    rows = [(number, (None,)) for number in range(1, 21)]
    rows.append((21, ("Штрихкод", "Механика", "Начало", "Окончание")))
    with pytest.raises(FileProblem):
        find_header(rows)


def test_first_column_naming_a_field_wins():
    header = find_header([(1, ("Штрихкод", "Механика", "Начало", "Окончание", "ШК"))])
    assert header.columns["ean"] == 0
