"""The reader's limits (issue 11 items 1 and 2): calamine only ever runs in its sandbox, a file
beyond a cap is refused before any engine allocates for it, what calamine cannot read within its
limits is read by openpyxl, and the error workbook survives any source."""

import zipfile
import zlib
from io import BytesIO

import pytest
import python_calamine
from openpyxl import load_workbook

from promo.services.imports import package
from promo.services.imports.error_workbook import build_error_workbook
from promo.services.imports.problems import FileProblem, Problem
from promo.services.imports.reader import ENGINES, SheetReader
from promo.services.imports.values import CellError
from tests.promo.imports import hostile

WORKBOOKS = hostile.WORKBOOKS


def write(tmp_path, data: bytes, name: str = "file.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path, engine=None):
    with SheetReader(path, engine=engine) as reader:
        return reader, list(reader)


def refusal(path, engine=None) -> Problem:
    with pytest.raises(FileProblem) as raised:
        read(path, engine)
    return raised.value.problem


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.param


def test_calamine_never_runs_in_the_portals_own_process(monkeypatch):
    # given calamine made to fail if this process ever opens a workbook with it
    def refuse(*args, **kwargs):
        raise AssertionError("calamine ran in the web or worker process")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)
    # when a sample is read with the calamine engine, then it is read all the same (by the child)
    reader, rows = read(WORKBOOKS / "s001_discount_clean.xlsx", "calamine")
    assert len(rows) == 30 and reader._engine is None


def test_a_file_calamine_cannot_read_within_its_memory_is_read_by_openpyxl(settings):
    # given a sandbox too small for anything
    settings.PROMO_IMPORT_SANDBOX_MB = 16
    # when a sample is read, then openpyxl gives the same rows
    _reader, small = read(WORKBOOKS / "s003_messy_valid.xlsx", "calamine")
    settings.PROMO_IMPORT_SANDBOX_MB = 256
    _reader, normal = read(WORKBOOKS / "s003_messy_valid.xlsx", "calamine")
    assert [row.row for row in small] == [row.row for row in normal] and len(small) == 21


def test_one_value_at_xfd1048576_is_refused_naming_the_cell(tmp_path, engine):
    # given a 1 KB file with a header, a row and one value at XFD1048576 (calamine: 512 GB)
    path = write(tmp_path, hostile.CRAFTED["far cell XFD1048576 (dense-array bomb)"]())
    problem = refusal(path, engine)
    assert (problem.code, problem.params["reason"], problem.params["cell"]) == (
        "file_unreadable", "too_many_columns", "XFD1048576")
    assert "значение в ячейке XFD1048576, а колонок может быть не больше 256" in problem.message


def test_the_column_cap_is_a_setting(tmp_path, settings, engine):
    # given a six-column sheet and a cap of five columns
    settings.PROMO_UPLOAD_MAX_COLUMNS = 5
    path = write(tmp_path, hostile.one_sheet(hostile.promo_rows()))
    # then its first data row is refused at its sixth cell
    assert refusal(path, engine).params == {"reason": "too_many_columns", "sheet": "Акции", "cell": "F2", "max": 5}


def test_a_value_far_below_the_table_is_read_not_allocated(tmp_path, engine):
    # given a row at 1,048,576 under a one-row table: calamine would hold a million rows
    path = write(tmp_path, hostile.one_sheet({**hostile.promo_rows(), 1_048_576: list(hostile.ROW)}))
    _reader, rows = read(path, engine)
    assert [row.row for row in rows] == [2, 1_048_576]


def test_a_row_beyond_excels_last_is_a_damaged_file(tmp_path, engine):
    path = write(tmp_path, hostile.CRAFTED["row number beyond Excel"]())
    assert (refusal(path, engine).code, refusal(path, engine).params["reason"]) == ("file_unreadable", "broken")


@pytest.mark.parametrize("name", ["billion laughs", "external entity", "undefined entity"])
def test_entity_tricks_are_refused_as_damaged(tmp_path, engine, name):
    path = write(tmp_path, hostile.CRAFTED[name]())
    assert refusal(path, engine).params["reason"] == "broken"


def test_a_dtd_is_refused_before_any_engine_runs(tmp_path, monkeypatch):
    # the survey refuses it: no engine is even opened
    monkeypatch.setattr("promo.services.imports.reader.open_engine", lambda *a: pytest.fail("engine opened"))
    path = write(tmp_path, hostile.CRAFTED["billion laughs"]())
    assert refusal(path).params["reason"] == "broken"


def test_a_long_text_repeated_in_every_cell_is_refused_before_reading(tmp_path, monkeypatch):
    # given 20,000 cells showing one 30,000-character shared string (a 100 KB file, 1.2 GB of text)
    monkeypatch.setattr("promo.services.imports.reader.open_engine", lambda *a: pytest.fail("engine opened"))
    path = write(tmp_path, hostile.CRAFTED["shared-string amplification"]())
    problem = refusal(path)
    assert (problem.params["reason"], problem.params["max_mb"]) == ("too_much_text", 128)
    assert "больше 128 МБ текста" in problem.message


def test_the_text_cap_counts_each_shared_string_once_per_cell(tmp_path, settings):
    # given 2,000 cells of a 1,000-character shared string: 2 MB of text
    sheet = hostile.sheet_xml({1: hostile.HEADER, **{n: [f'<c r="A{n}" t="s"><v>0</v></c>'] for n in range(2, 2002)}})
    path = write(tmp_path, hostile.raw_xlsx([("Акции", sheet, None)], shared=hostile._shared(["ж" * 1000])))
    settings.PROMO_UPLOAD_MAX_TEXT_MB = 1
    assert refusal(path).params["reason"] == "too_much_text"
    settings.PROMO_UPLOAD_MAX_TEXT_MB = 8
    assert package.survey(path).sheets["Акции"].text_bytes >= 2000 * 2000


def test_openpyxl_refuses_more_cells_than_the_cap(tmp_path, settings):
    settings.PROMO_UPLOAD_MAX_CELLS = 50
    path = write(tmp_path, hostile.one_sheet(hostile.promo_rows(20)))
    problem = refusal(path, "openpyxl")
    assert (problem.params["reason"], problem.params["max"]) == ("too_many_cells", 50)


def test_error_cells_are_errors_not_empty_cells(tmp_path, engine):
    # given a discount computed by a formula that failed (calamine reads it as "")
    path = write(tmp_path, hostile.CRAFTED["error cells"]())
    _reader, rows = read(path, engine)
    assert rows[0].cells["discount"] == CellError("#DIV/0!")


def test_rows_formatted_down_to_the_last_row_cost_nothing(tmp_path, engine):
    # given a one-row table with 1,048,573 formatted empty rows below it
    path = write(tmp_path, hostile.CRAFTED["rows formatted down to 1,048,576"]())
    reader, rows = read(path, engine)
    assert [row.row for row in rows] == [2]


@pytest.mark.parametrize("dimension", ["A1:XFD1048576", "A1:F99999999999999"])
def test_the_row_estimate_never_exceeds_a_sheet_or_raises(tmp_path, dimension):
    path = write(tmp_path, hostile.one_sheet(hostile.promo_rows(), dimension=dimension))
    assert package.estimate_rows(path) == package.EXCEL_MAX_ROWS - 1


def test_the_row_estimate_of_a_damaged_deflate_stream_is_none(tmp_path):
    # given a sample whose sheet's compressed stream is garbage from its first bytes
    data = bytearray((WORKBOOKS / "s001_discount_clean.xlsx").read_bytes())
    with zipfile.ZipFile(BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start:start + 16] = b"\xff" * 16
    with zipfile.ZipFile(BytesIO(bytes(data))) as archive, pytest.raises(zlib.error):
        archive.read("xl/worksheets/sheet1.xml")
    # then the estimate is simply unknown, not a zlib.error (the reader then says what is wrong)
    path = write(tmp_path, bytes(data))
    assert package.estimate_rows(path) is None
    assert refusal(path).params["reason"] == "broken"


@pytest.mark.parametrize("name", ["undefined entity", "malformed sheet XML", "raw NaN, INF and 1e999 cells",
                                  "control characters and NUL in text", "error cells", "shared-string amplification",
                                  "far cell XFD1048576 (dense-array bomb)"])
def test_the_error_workbook_opens_whatever_the_source(tmp_path, name):
    # given a hostile source and a problem on its second row
    path = write(tmp_path, hostile.CRAFTED[name]())
    content = build_error_workbook(source_path=path, problems=[Problem("value_required", 2, "Название акции")])
    # then a workbook comes back that opens, with the list first
    book = load_workbook(BytesIO(content))
    assert book.sheetnames[0] == "Ошибки"
    assert [row[2] for row in book["Ошибки"].iter_rows(min_row=2, values_only=True)] == ["value_required"]
