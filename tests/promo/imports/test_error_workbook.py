"""The rejected workbook comes back with its bad cells marked and a sheet «Ошибки»."""

import re
import zipfile
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest

from promo.services.imports import error_workbook
from promo.services.imports.error_workbook import ERROR_FILL, WARNING_FILL, build_error_workbook
from promo.services.imports.problems import Problem
from promo.services.imports.reader import SheetReader

WORKBOOKS = Path(__file__).resolve().parents[2] / "data" / "workbooks"
MESSY_ERRORS = WORKBOOKS / "s003_messy_errors.xlsx"
PROBLEMS = [
    Problem("barcode_checksum", 3, "Штрихкод", {"value": "4602629073785"}),
    Problem("discount_out_of_range", 5, "Скидка, %", {"value": 150, "min": 1, "max": 90}),
    Problem("product_not_found", 12, "", {"value": "A999999"}),
    Problem("duplicate_merged", 9, "Артикул", {"other_row": 2}),
    Problem("date_invalid", 11, "Начало", {"value": "31.02.2027"}),
    Problem("period_reversed", 6, "Окончание", {"start": "31.07.2027", "end": "01.07.2027"}),
]


def load(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(BytesIO(content))


def fill_of(cell) -> str | None:
    return cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type == "solid" else None


@pytest.fixture
def marked():
    return load(build_error_workbook(source_path=MESSY_ERRORS, problems=PROBLEMS))


def test_bad_cell_is_red_with_its_message_as_a_comment(marked):
    sheet = marked["Акции"]
    # then the barcode cell of row 3 (column C) is red and says what is wrong
    assert fill_of(sheet["C3"]) == ERROR_FILL.fgColor.rgb
    assert sheet["C3"].comment.text.startswith("Штрихкод 4602629073785: неверная контрольная цифра")
    assert sheet["C3"].value == "4602629073785"
    # and the cells around it are untouched
    assert fill_of(sheet["B3"]) is None and sheet["B3"].comment is None
    assert fill_of(sheet["C4"]) is None
    # as are the discount of row 5 and the start date of row 11
    assert fill_of(sheet["F5"]) == ERROR_FILL.fgColor.rgb and "150 %" in sheet["F5"].comment.text
    assert sheet["I11"].comment.text.startswith("Дата «31.02.2027» не распознана")
    # and no comment carries an internal code such as [barcode_checksum]
    comments = [cell.comment.text for row in sheet.iter_rows() for cell in row if cell.comment]
    assert comments and not [text for text in comments if re.search(r"\[[a-z_]+\]", text)]


def test_problem_without_a_column_marks_the_whole_row(marked):
    sheet = marked["Акции"]
    assert all(fill_of(cell) == ERROR_FILL.fgColor.rgb for cell in sheet[12][:13])
    assert "A999999" in sheet["A12"].comment.text
    assert fill_of(sheet["A13"]) is None


def test_warning_is_yellow(marked):
    assert fill_of(marked["Акции"]["B9"]) == WARNING_FILL.fgColor.rgb


def test_errors_sheet_lists_every_problem_first(marked):
    assert marked.sheetnames == ["Ошибки", "Акции"]
    rows = list(marked["Ошибки"].iter_rows(values_only=True))
    assert rows[0] == ("Строка", "Колонка", "Код", "Сообщение")
    listed = [(row, code) for row, _column, code, _message in rows[1:]]
    assert listed == sorted((problem.row, problem.code) for problem in PROBLEMS)
    assert all(message for *_rest, message in rows[1:])
    assert ("Штрихкод", "barcode_checksum") in [(column, code) for _row, column, code, _message in rows[1:]]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_values_and_formats_of_the_source_are_kept(engine, settings):
    # given the engine that reads the source
    settings.PROMO_IMPORT_ENGINE = engine
    # when the error workbook is built
    sheet = load(build_error_workbook(source_path=MESSY_ERRORS, problems=PROBLEMS))["Акции"]
    # then every value is kept as it was
    source = openpyxl.load_workbook(MESSY_ERRORS)["Акции"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        [cell.value for cell in row] for row in source.iter_rows()
    ]
    # and a date is shown as a date: in its own format where the engine sees formats (openpyxl)
    assert source["I2"].is_date and sheet["I2"].is_date
    if engine == "openpyxl":
        assert sheet["I2"].number_format == source["I2"].number_format
    else:
        assert sheet["I2"].number_format == "DD.MM.YYYY"


def test_marked_workbook_can_be_fixed_and_uploaded_again(tmp_path):
    # given the returned workbook, saved by the supplier as is
    path = tmp_path / "fixed.xlsx"
    path.write_bytes(build_error_workbook(source_path=MESSY_ERRORS, problems=PROBLEMS))
    # then the reader skips «Ошибки» and reads the same rows of «Акции»
    with SheetReader(path) as reader:
        assert reader.sheet_title == "Акции"
        assert [row.row for row in reader] == list(range(2, 14))
    # and marking it again does not repeat the old list
    again = load(build_error_workbook(source_path=path, problems=PROBLEMS[:1]))
    assert again.sheetnames == ["Ошибки", "Акции"]
    assert len(list(again["Ошибки"].iter_rows())) == 2


def test_formula_looking_text_stays_text(tmp_path):
    # given a sheet whose text cells look like formulas
    source = openpyxl.Workbook()
    sheet = source.active
    sheet.title = "Акции"
    sheet.append(["Штрихкод", "Механика", "Начало", "Окончание", "Комментарий"])
    sheet.append(["4614155800444", "Скидка %", "01.06.2027", "30.06.2027", "placeholder"])
    sheet["E2"].value = '=HYPERLINK("http://evil.example","click")'
    sheet["E2"].data_type = "s"
    sheet.append(["+7 913 000-00-00", "@SUM(A1)", "-2+3", "=1+2", None])
    sheet["D3"].data_type = "s"
    path = tmp_path / "inject.xlsx"
    source.save(path)
    problems = [
        Problem("value_required", 2, "Комментарий"),
        Problem("mechanic_unknown", 3, "Механика", {"value": "@SUM(A1)"}),
        Problem("value_required", 3, "=cmd|' /C calc'!A0"),
    ]
    # when the error workbook is built
    content = build_error_workbook(source_path=path, problems=problems)
    # then no sheet holds a formula, and the text is kept as written
    with zipfile.ZipFile(BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    book = load(content)
    assert book["Акции"]["E2"].value == '=HYPERLINK("http://evil.example","click")'
    assert book["Акции"]["E2"].data_type == "s"
    assert book["Акции"]["D3"].value == "=1+2"
    assert book["Акции"]["B3"].value == "@SUM(A1)"
    assert "=cmd|' /C calc'!A0" in [row[1] for row in book["Ошибки"].iter_rows(values_only=True)]


def test_unreadable_file_comes_back_as_the_list_alone():
    problems = [Problem("file_unreadable", 0, params={"reason": "csv"})]
    book = load(build_error_workbook(source_path=WORKBOOKS / "s003_not_a_workbook.xlsx", problems=problems))
    assert book.sheetnames == ["Ошибки"]
    assert list(book["Ошибки"].iter_rows(values_only=True))[1][:3] == ("файл", None, "file_unreadable")


def test_header_missing_marks_the_header_row():
    problems = [Problem("header_missing", 1, params={"missing": ["Механика"]})]
    book = load(build_error_workbook(source_path=WORKBOOKS / "s003_missing_column.xlsx", problems=problems))
    sheet = book["Акции"]
    assert all(fill_of(cell) == ERROR_FILL.fgColor.rgb for cell in sheet[1])
    assert "«Механика»" in sheet["A1"].comment.text
    assert fill_of(sheet["A2"]) is None


def test_source_is_streamed_never_loaded_whole(monkeypatch, settings):
    # a 100,000-row upload must not be loaded as cell objects: with openpyxl it is opened read-only
    settings.PROMO_IMPORT_ENGINE = "openpyxl"
    calls = []
    real = openpyxl.load_workbook

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)
    build_error_workbook(source_path=MESSY_ERRORS, problems=PROBLEMS)
    assert calls and all(call.get("read_only") for call in calls)


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_plain_rows_written_as_text_are_the_cells_openpyxl_would_write(engine, settings, monkeypatch):
    # given the error workbook built on the fast path (plain rows as XML text) ...
    settings.PROMO_IMPORT_ENGINE = engine
    fast = load(build_error_workbook(source_path=MESSY_ERRORS, problems=PROBLEMS))["Акции"]
    # ... and with every row through openpyxl's own cells
    monkeypatch.setattr(error_workbook._RowWriter, "_xml", lambda *args: None)
    cells = load(build_error_workbook(source_path=MESSY_ERRORS, problems=PROBLEMS))["Акции"]
    # then both hold the same values, types, number formats and marks, cell by cell
    def seen(sheet):
        return [[(cell.value, cell.data_type, cell.number_format, fill_of(cell)) for cell in row]
                for row in sheet.iter_rows()]
    assert seen(fast) == seen(cells)
