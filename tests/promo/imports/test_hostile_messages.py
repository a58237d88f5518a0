"""Hostile uploads are refused with a message that says what to fix, at a readable length: a
workbook of thousands of sheets names the first few and how many more; a sheet over the row
limit is told the row limit, not «too much text»; the row estimate that decides between
importing at once and queueing is not fooled by wide rows (qa-3 #8)."""

import pytest
from django.utils import translation

from promo.services.imports import package
from promo.services.imports.problems import LIST_SHOWN, problem_from_record, problem_record
from tests.promo.imports import hostile
from tests.promo.imports.test_reader_limits import refusal, write
from tests.promo.imports.test_silent_loss import send  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def many_sheets(count: int) -> bytes:
    # every sheet holds the promo table: the workbook is ambiguous
    sheets = [(f"Лист{n:04d}", hostile.sheet_xml(hostile.promo_rows(1)), None) for n in range(count)]
    return hostile.raw_xlsx(sheets)


def test_three_hundred_sheets_are_named_by_the_first_ten_and_a_count(tmp_path):
    # given a workbook whose 300 visible sheets all hold a promo table
    path = write(tmp_path, many_sheets(300))
    # when it is read
    problem = refusal(path)
    # then it is refused as ambiguous, naming ten sheets and «и ещё 290», in a short message
    assert problem.code == "sheets_ambiguous"
    assert "«Лист0000», «Лист0001»" in problem.message and "«Лист0009» и ещё 290." in problem.message
    assert "Лист0010" not in problem.message and len(problem.message) < 400
    # and the stored record is small too, and says the same when read again, in English as well
    record = problem_record(problem)
    assert len(record["params"]["sheets"]) == LIST_SHOWN and record["params"]["sheets_total"] == 300
    assert problem_from_record(record).message == problem.message
    with translation.override("en"):
        assert "«Лист0009» and 290 more" in problem_from_record(record).message


def test_an_old_record_with_every_sheet_name_is_shown_capped_too():
    # given an upload refused before the cap: its record holds all 3,000 names
    record = {"row": 0, "column": "", "code": "sheets_ambiguous",
              "params": {"sheets": [f"Л{n}" for n in range(3000)]}}
    # then its message names ten and the count of the rest
    message = problem_from_record(record).message
    assert "«Л9» и ещё 2990." in message and len(message) < 400


def test_the_api_answers_a_many_sheets_file_with_a_short_message(send):  # noqa: F811
    # given 40 sheets with a promo table each
    content = many_sheets(40)
    # when it is sent
    body = send(content)
    # then the refusal is short and names how many more sheets there are
    message = body["errors"][0]["message"]
    assert not body["ok"] and "и ещё 30." in message and len(message) < 400


def test_a_sheet_over_the_row_limit_is_told_the_row_limit_not_too_much_text(tmp_path, settings):
    # given a sheet of 100 data rows, each showing a 10,000-character shared string (2 MB of
    # text), over both a 50-row limit and a 1 MB text limit
    settings.PROMO_UPLOAD_MAX_ROWS = 50
    settings.PROMO_UPLOAD_MAX_TEXT_MB = 1
    rows = {1: hostile.HEADER, **{n: [f'<c r="A{n}" t="s"><v>0</v></c>'] for n in range(2, 102)}}
    path = write(tmp_path, hostile.raw_xlsx([("Акции", hostile.sheet_xml(rows), None)],
                                            shared=hostile._shared(["ж" * 10000])))
    # when it is read, then it is refused for its rows, which is what the supplier has to split
    problem = refusal(path)
    assert (problem.params["reason"], problem.params["max_rows"]) == ("too_many_rows", 50)
    assert "В листе больше 50 строк с данными" in problem.message
    # and with a row limit it keeps, the same file is refused for its text, as before
    settings.PROMO_UPLOAD_MAX_ROWS = 200_000
    assert refusal(path).params["reason"] == "too_much_text"


def test_the_row_estimate_of_wide_rows_without_a_dimension_is_close(tmp_path):
    # given 1,000 data rows of 246 filled columns and no declared dimension
    row = [*hostile.ROW, *([7] * 240)]
    rows = {1: hostile.HEADER, **{n: list(row) for n in range(2, 1002)}}
    path = write(tmp_path, hostile.one_sheet(rows))
    # then the estimate is about 1,000 rows (it used to be about 16,000: queued needlessly)
    assert 900 <= package.estimate_rows(path) <= 1100


def test_the_row_estimate_of_a_short_sheet_without_a_dimension_is_exact(tmp_path):
    path = write(tmp_path, hostile.one_sheet(hostile.promo_rows(30)))
    assert package.estimate_rows(path) == 30


def test_too_much_text_over_formatted_empty_rows_is_told_the_text_not_the_row_limit(tmp_path, settings):
    # given a sheet of 30 data rows showing a 10,000-character text in four columns (1.2 MB of
    # text, over a 1 MB text limit) followed by 200 formatted but empty rows: more row elements
    # than the 50-row limit, though only 30 rows hold data (written with openpyxl, write-only)
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import PatternFill

    settings.PROMO_UPLOAD_MAX_ROWS = 50
    settings.PROMO_UPLOAD_MAX_TEXT_MB = 1
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Акции")
    sheet.append(hostile.HEADER)
    text = "ж" * 10_000
    for _ in range(30):
        sheet.append([text, "4614155800444", text, text, text, 46580])
    fill = PatternFill("solid", fgColor="FFFF00")
    for _ in range(200):
        cell = WriteOnlyCell(sheet)
        cell.fill = fill
        sheet.append([cell])
    path = tmp_path / "text.xlsx"
    workbook.save(path)
    assert path.stat().st_size < 200_000  # bounded: the text is stored once
    # when it is read
    problem = refusal(path)
    # then it is refused for its text, the real cause, not for the row limit the supplier did not pass
    assert problem.params["reason"] == "too_much_text"
    assert "больше 1 МБ текста" in problem.message and "строк" not in problem.message
    # and with 60 rows of data the row limit is what it says
    sheet_rows = {1: hostile.HEADER, **{n: [f'<c r="A{n}" t="s"><v>0</v></c>'] for n in range(2, 62)},
                  **{n: [f'<c r="A{n}" s="1"/>'] for n in range(62, 262)}}
    many = write(tmp_path, hostile.raw_xlsx([("Акции", hostile.sheet_xml(sheet_rows), None)],
                                            shared=hostile._shared(["ж" * 30000])), name="rows.xlsx")
    assert (refusal(many).params["reason"], refusal(many).params["max_rows"]) == ("too_many_rows", 50)
