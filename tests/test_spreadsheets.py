"""config/spreadsheets.py: user text never becomes a live formula in a CSV or .xlsx file."""

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from config.spreadsheets import FORMULA_TRIGGERS, csv_text, formula_like, xlsx_text

ATTACKS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_csv_text_prefixes_formula_like_text(text):
    assert csv_text(text) == "'" + text


@pytest.mark.parametrize("value", ["Крем для рук", "50% скидка", "", None, 15, "a=b"])
def test_csv_text_leaves_other_values_alone(value):
    assert csv_text(value) == value


@given(st.text())
def test_csv_text_never_starts_with_a_trigger(text):
    assert not str(csv_text(text)).startswith(FORMULA_TRIGGERS)
    assert formula_like(text) == text.startswith(FORMULA_TRIGGERS)


@pytest.mark.parametrize("write_only", [False, True])
def test_xlsx_text_keeps_the_text_and_stores_it_as_a_string(write_only):
    # given a workbook with formula-looking user text in it, written through the helper
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet() if write_only else workbook.active
    if write_only:
        sheet.append([xlsx_text(WriteOnlyCell(sheet, value=text)) for text in ATTACKS])
    else:
        for column, text in enumerate(ATTACKS, start=1):
            xlsx_text(sheet.cell(row=1, column=column, value=text))
    buffer = io.BytesIO()
    workbook.save(buffer)
    # when the file is opened again
    cells = list(load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0].iter_rows(max_row=1))[0]
    # then every cell is a string holding what was written (XML reads a bare CR back as LF),
    # never a formula
    assert [cell.value for cell in cells] == [text.replace("\r", "\n") for text in ATTACKS]
    assert {cell.data_type for cell in cells} == {"s"}
    assert all(cell.quotePrefix for cell in cells)
