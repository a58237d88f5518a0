"""SheetReader and check_file: the sample workbooks on both engines, and every kind of bad file
refused with the right code before (or without) reading it whole."""

import struct
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from promo.services.imports import values as v
from promo.services.imports.problems import FileProblem
from promo.services.imports.reader import ENGINES, SheetReader, check_file

WORKBOOKS = Path(__file__).resolve().parents[2] / "data" / "workbooks"
HEADER = ["Название акции", "Штрихкод", "Механика", "Скидка, %", "Начало", "Окончание"]


def data_row(n: int) -> list:
    return [f"Акция {n}", "4614155800444", "Скидка %", 15, date(2027, 6, 1), date(2027, 6, 30)]


def write_xlsx(path: Path, rows: dict[int, list] | list[list], *, title="Акции", first_column=1,
               sheets_before=()) -> Path:
    """A workbook whose sheet ``title`` has ``rows`` ({row_number: values} or a list from row 1)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, cells in sheets_before:
        sheet = book.create_sheet(name)
        for values in cells:
            sheet.append(values)
    sheet = book.create_sheet(title)
    numbered = rows if isinstance(rows, dict) else dict(enumerate(rows, start=1))
    for number, values in numbered.items():
        for offset, value in enumerate(values):
            sheet.cell(row=number, column=first_column + offset, value=value)
    book.save(path)
    return path


def read_all(path, engine):
    with SheetReader(path, engine=engine) as reader:
        return reader, list(reader)


def refusal(path, engine="calamine"):
    with pytest.raises(FileProblem) as raised, SheetReader(path, engine=engine) as reader:
        list(reader)
    return raised.value.problem


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.param


# --- the sample workbooks --------------------------------------------------------------------------

@pytest.mark.parametrize("name, header_row, rows", [
    ("s001_discount_clean.xlsx", 1, list(range(2, 32))),
    ("s001_discount_corrected.xlsx", 1, list(range(2, 32))),
    ("s002_nplusm_clean.xlsx", 1, list(range(2, 17))),
    ("s003_messy_errors.xlsx", 1, list(range(2, 14))),
    ("s003_messy_valid.xlsx", 4, [n for n in range(5, 27) if n != 15]),
    ("s004_english_headers.xlsx", 1, list(range(2, 14))),
])
def test_sample_rows_are_numbered_as_excel_numbers_them(name, header_row, rows, engine):
    reader, read = read_all(WORKBOOKS / name, engine)
    assert reader.sheet_title == "Акции"
    assert reader.header.row == header_row
    assert [row.row for row in read] == rows
    assert reader.rows_total is not None and reader.rows_total >= len(rows)


def test_messy_valid_header_and_first_row(engine):
    reader, read = read_all(WORKBOOKS / "s003_messy_valid.xlsx", engine)
    # then the odd spellings map to their fields, titles kept as written
    assert reader.header.titles["ean"] == "Штрих-код"
    assert reader.header.columns["ean"] == 2
    first = read[0]
    assert first.row == 5
    assert first.cells["promo_name"] == "Летняя распродажа"
    assert first.cells["article"] is None
    assert v.parse_ean(first.cells["ean"]) == "4648264171614"
    assert first.cells["start"] == "01.06.2027"


def parsed(row):
    """Every value of a row through its parser; a refusal shows as its code."""
    parsers = {
        "promo_name": v.parse_text, "article": v.parse_text, "ean": v.parse_ean, "product_name": v.parse_text,
        "mechanic": v.parse_mechanic, "promo_price": v.parse_decimal, "regular_price": v.parse_decimal,
        "start": v.parse_date, "end": v.parse_date, "compensation": v.parse_discount,
        "branches": v.parse_text, "comment": v.parse_text,
        "discount": lambda raw: v.parse_discount(raw, percent_format=row.percent_format.get("discount", False)),
    }
    out = {}
    for name, raw in row.cells.items():
        try:
            out[name] = parsers[name](raw)
        except v.ValueProblem as problem:
            out[name] = problem.code
    return row.row, out


@pytest.mark.parametrize("name", sorted(p.name for p in WORKBOOKS.glob("*.xlsx") if "not_a" not in p.name and "missing" not in p.name))
def test_both_engines_read_the_same_values(name):
    rows = {engine: [parsed(row) for row in read_all(WORKBOOKS / name, engine)[1]] for engine in ENGINES}
    assert rows["calamine"] == rows["openpyxl"]


def test_messy_valid_values_all_parse(engine):
    # given s003_messy_valid: numbers as text, EANs as numbers and with spaces, dates in four spellings
    rows = [parsed(row)[1] for row in read_all(WORKBOOKS / "s003_messy_valid.xlsx", engine)[1]]
    # then every value parses, and to what the supplier meant
    assert {row["discount"] for row in rows} == {Decimal(15), Decimal("15.5"), Decimal(20), Decimal(25)}
    assert {row["start"] for row in rows} == {date(2027, 6, 1)}
    assert {row["end"] for row in rows} == {date(2027, 6, 30)}
    assert {row["mechanic"] for row in rows} == {("percent", None, None)}
    assert all(len(row["ean"]) == 13 for row in rows)
    assert rows[0]["regular_price"] == Decimal("210.90")


def test_messy_errors_bad_values_are_refused_by_the_parsers(engine):
    rows = dict(parsed(row) for row in read_all(WORKBOOKS / "s003_messy_errors.xlsx", engine)[1])
    assert rows[3]["ean"] == "barcode_checksum"
    assert rows[8]["mechanic"] == "mechanic_unknown"
    assert rows[11]["start"] == "date_invalid"
    assert rows[13]["discount"] is None


def test_percent_format_is_seen_where_the_engine_can_tell():
    read = {engine: {row.row: row for row in read_all(WORKBOOKS / "s003_messy_valid.xlsx", engine)[1]}
            for engine in ENGINES}
    assert read["openpyxl"][9].percent_format["discount"] is True
    assert read["openpyxl"][10].percent_format["discount"] is False
    # calamine cannot see formats; the below-1-is-a-fraction rule gives the same discount
    assert read["calamine"][9].percent_format == {}
    assert v.parse_discount(read["calamine"][9].cells["discount"]) == Decimal(25)


def test_missing_column_is_header_missing_on_row_one(engine):
    problem = refusal(WORKBOOKS / "s003_missing_column.xlsx", engine)
    assert (problem.row, problem.code) == (1, "header_missing")
    assert problem.params["missing"] == ["Механика"]


def test_text_file_named_xlsx_is_unreadable():
    problem = refusal(WORKBOOKS / "s003_not_a_workbook.xlsx")
    assert (problem.row, problem.code, problem.params["reason"]) == (0, "file_unreadable", "csv")
    assert "Книга Excel (.xlsx)" in problem.message


# --- sheets and rows the reader must get right ---------------------------------------------------

def test_first_sheet_with_a_header_is_read(tmp_path, engine):
    # given an instructions sheet before the data sheet
    path = write_xlsx(tmp_path / "two.xlsx", [HEADER, data_row(1)],
                      sheets_before=[("Инструкция", [["Как заполнить"], ["Колонка", "Что писать"]])])
    reader, read = read_all(path, engine)
    assert reader.sheet_title == "Акции"
    assert [row.row for row in read] == [2]


def test_columns_and_rows_keep_their_place_when_the_sheet_starts_at_b2(tmp_path, engine):
    path = write_xlsx(tmp_path / "offset.xlsx", {2: HEADER, 3: data_row(1), 5: data_row(2)}, first_column=2)
    reader, read = read_all(path, engine)
    assert reader.header.row == 2
    assert reader.header.columns["promo_name"] == 1
    assert [(row.row, row.cells["promo_name"]) for row in read] == [(3, "Акция 1"), (5, "Акция 2")]


def test_rows_after_long_runs_of_blank_rows_are_all_read(tmp_path, engine):
    # given data in row 2, row 900, row 2000 (after 1,099 blank rows) and row 60,000
    path = write_xlsx(tmp_path / "gaps.xlsx", {1: HEADER, 2: data_row(1), 900: data_row(2), 2000: data_row(3),
                                               60_000: data_row(4)})
    # when it is read, then every data row comes back, with its number
    _reader, read = read_all(path, engine)
    assert [row.row for row in read] == [2, 900, 2000, 60_000]


def test_rows_beyond_the_declared_dimensions_are_read(tmp_path, engine):
    # given a sheet whose <dimension> claims A1:F2 but which holds 6 data rows
    path = write_xlsx(tmp_path / "dims.xlsx", [HEADER] + [data_row(n) for n in range(6)])
    rewrite_part(path, "xl/worksheets/sheet1.xml",
                 lambda xml: xml.replace(b'<dimension ref="A1:F7"/>', b'<dimension ref="A1:F2"/>'))
    _reader, read = read_all(path, engine)
    assert [row.row for row in read] == [2, 3, 4, 5, 6, 7]


def test_too_many_rows_are_refused_while_streaming(tmp_path, engine, settings):
    settings.PROMO_UPLOAD_MAX_ROWS = 3
    write_xlsx(tmp_path / "three.xlsx", [HEADER] + [data_row(n) for n in range(3)])
    assert len(read_all(tmp_path / "three.xlsx", engine)[1]) == 3
    path = write_xlsx(tmp_path / "four.xlsx", [HEADER] + [data_row(n) for n in range(4)])
    problem = refusal(path, engine)
    assert (problem.code, problem.params) == ("file_unreadable", {"reason": "too_many_rows", "max_rows": 3})
    assert "больше 3 строк" in problem.message


def test_header_without_data_rows_is_file_empty(tmp_path, engine):
    path = write_xlsx(tmp_path / "header-only.xlsx", {1: HEADER, 5: [None, " "]})
    problem = refusal(path, engine)
    assert (problem.row, problem.code) == (0, "file_empty")


def test_empty_workbook_is_file_empty(tmp_path, engine):
    book = openpyxl.Workbook()
    book.save(tmp_path / "empty.xlsx")
    problem = refusal(tmp_path / "empty.xlsx", engine)
    assert (problem.row, problem.code) == (0, "file_empty")


def test_zero_byte_file_is_file_empty(tmp_path):
    (tmp_path / "zero.xlsx").write_bytes(b"")
    assert refusal(tmp_path / "zero.xlsx").code == "file_empty"


def test_sheet_without_any_header_is_header_missing_on_row_one(tmp_path, engine):
    path = write_xlsx(tmp_path / "title.xlsx", [["Предложение на июнь"], ["Поставщик: ООО «Ромашка»"]])
    problem = refusal(path, engine)
    assert (problem.row, problem.code) == (1, "header_missing")


def test_reader_is_read_once_and_closes(tmp_path):
    path = write_xlsx(tmp_path / "once.xlsx", [HEADER, data_row(1)])
    reader = SheetReader(path)
    assert len(list(reader)) == 1
    with pytest.raises(RuntimeError):
        iter(reader)
    reader.close()


# --- files refused before parsing ----------------------------------------------------------------

def rewrite_part(path: Path, name: str, change) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            archive.writestr(info.filename, change(data) if info.filename == name else data)


def set_declared_size(path: Path, name: str, size: int) -> None:
    """Make the zip directory (and the local header) lie about one part's uncompressed size."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    struct.pack_into("<I", data, local + 22, size)
    encoded = name.encode()
    central = data.find(b"PK\x01\x02")
    while central != -1:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46:central + 46 + length]) == encoded:
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


@pytest.fixture
def forbid_inflating(monkeypatch):
    """Call it to fail the test if anything then opens a part of a zip (that would inflate it)."""
    def install():
        def refuse(*args, **kwargs):
            raise AssertionError("a zip part was opened")
        monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    return install


class CountingFile:
    def __init__(self, handle, counter):
        self.handle, self.counter = handle, counter

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.counter["bytes"] += len(data)
        return data

    def seek(self, *args):
        return self.handle.seek(*args)


@pytest.fixture
def count_reads(monkeypatch):
    """Call it to count, from then on, the bytes read from files opened through pathlib."""
    counter = {"bytes": 0}
    real_open = Path.open

    def install():
        monkeypatch.setattr(Path, "open", lambda self, *a, **k: CountingFile(real_open(self, *a, **k), counter))
        return counter
    return install


def test_declared_huge_part_is_refused_without_inflating(tmp_path, forbid_inflating, engine):
    # given a workbook whose sheet part claims to unpack to 4 GB
    path = write_xlsx(tmp_path / "bomb.xlsx", [HEADER, data_row(1)])
    set_declared_size(path, "xl/worksheets/sheet1.xml", 0xFFFF0000)
    forbid_inflating()
    # then it is refused from the zip directory alone
    problem = refusal(path, engine)
    assert (problem.code, problem.params["reason"]) == ("file_unreadable", "too_big_uncompressed")
    assert "после распаковки больше 400 МБ" in problem.message


def test_real_zip_bomb_is_refused_without_inflating(tmp_path, settings, forbid_inflating):
    # given a real bomb: 64 MB of zeros that compress to a few kilobytes, above a 16 MB cap
    settings.PROMO_UPLOAD_MAX_UNCOMPRESSED_BYTES = 16 * 1024 * 1024
    path = write_xlsx(tmp_path / "bomb.xlsx", [HEADER, data_row(1)])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/zeros.bin", b"\0" * (64 * 1024 * 1024))
    assert path.stat().st_size < 200_000
    forbid_inflating()
    with pytest.raises(FileProblem) as raised:
        check_file(path)
    assert raised.value.problem.params["reason"] == "too_big_uncompressed"


def test_part_lying_about_its_size_is_refused(tmp_path, engine):
    # given a sheet part that declares 1 KB but unpacks to far more
    path = write_xlsx(tmp_path / "liar.xlsx", [HEADER] + [data_row(n) for n in range(2000)])
    set_declared_size(path, "xl/worksheets/sheet1.xml", 1024)
    problem = refusal(path, engine)
    assert (problem.code, problem.params["reason"]) == ("file_unreadable", "broken")


def ole_file(path: Path, streams: list[str]) -> Path:
    """A minimal OLE2 compound file: header, one directory sector, then 4 MB never read."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<H", header, 30, 9)  # 512-byte sectors
    struct.pack_into("<I", header, 48, 0)  # the directory starts at sector 0
    directory = bytearray(512)
    for index, name in enumerate(["Root Entry", *streams]):
        raw = name.encode("utf-16-le") + b"\0\0"
        directory[index * 128:index * 128 + len(raw)] = raw
        struct.pack_into("<H", directory, index * 128 + 64, len(raw))
    path.write_bytes(bytes(header) + bytes(directory) + b"\xff" * (4 * 1024 * 1024))
    return path


@pytest.mark.parametrize("streams, reason, hint", [
    (["Workbook", "\x05SummaryInformation"], "xls", "Excel 97–2003 (.xls)"),
    (["\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"], "encrypted", "защищена паролем"),
    (["Something"], "ole", "(.xls) или книга, защищённая паролем"),
])
def test_ole_files_are_refused_with_their_hint(tmp_path, count_reads, streams, reason, hint):
    path = ole_file(tmp_path / "old.xlsx", streams)
    bytes_read = count_reads()
    with pytest.raises(FileProblem) as raised:
        check_file(path)
    problem = raised.value.problem
    assert (problem.row, problem.code, problem.params["reason"]) == (0, "file_unreadable", reason)
    assert hint in problem.message
    assert bytes_read["bytes"] <= 16 * 1024


def test_csv_renamed_to_xlsx_is_refused_without_reading_it_whole(tmp_path, count_reads):
    path = tmp_path / "promo.xlsx"
    path.write_text("Штрихкод;Механика;Начало;Окончание\n" + "4614155800444;Скидка %;01.06.2027;30.06.2027\n" * 100_000,
                    encoding="utf-8")
    bytes_read = count_reads()
    with pytest.raises(FileProblem) as raised:
        check_file(path)
    assert raised.value.problem.params["reason"] == "csv"
    assert bytes_read["bytes"] <= 16 * 1024 < path.stat().st_size


def test_utf16_text_export_is_a_csv(tmp_path):
    path = tmp_path / "unicode.xlsx"
    path.write_bytes("Штрихкод\tМеханика\n".encode("utf-16"))
    with pytest.raises(FileProblem) as raised:
        check_file(path)
    assert raised.value.problem.params["reason"] == "csv"


def test_file_above_the_size_cap_is_refused(tmp_path, settings, count_reads):
    settings.PROMO_UPLOAD_MAX_BYTES = 1024 * 1024
    path = write_xlsx(tmp_path / "big.xlsx", [HEADER])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/photo.bin", bytes(range(256)) * 8192)
    bytes_read = count_reads()
    with pytest.raises(FileProblem) as raised:
        check_file(path)
    assert raised.value.problem.params == {"reason": "too_large", "max_mb": 1}
    assert bytes_read["bytes"] <= 16 * 1024


@pytest.mark.parametrize("parts, reason", [
    ({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<Types/>"}, "not_workbook"),
    ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}, "ods"),
])
def test_other_zip_documents_are_refused(tmp_path, parts, reason):
    path = tmp_path / "doc.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert refusal(path).params["reason"] == reason


def test_truncated_workbook_is_broken(tmp_path, engine):
    path = write_xlsx(tmp_path / "cut.xlsx", [HEADER] + [data_row(n) for n in range(50)])
    path.write_bytes(path.read_bytes()[:-200])
    problem = refusal(path, engine)
    assert (problem.code, problem.params["reason"]) == ("file_unreadable", "broken")


def test_damaged_sheet_xml_is_broken(tmp_path, engine):
    path = write_xlsx(tmp_path / "bad-xml.xlsx", [HEADER] + [data_row(n) for n in range(5)])
    rewrite_part(path, "xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2] + b"<<<")
    assert refusal(path, engine).code == "file_unreadable"


def test_datetime_and_number_cells_come_back_raw(tmp_path, engine):
    path = write_xlsx(tmp_path / "raw.xlsx", [HEADER, ["А", 4614155800444, "2+1", 0.25, datetime(2027, 6, 1, 10, 30), 46568]])
    row = read_all(path, engine)[1][0]
    assert v.parse_ean(row.cells["ean"]) == "4614155800444"
    assert v.parse_date(row.cells["start"]) == date(2027, 6, 1)
    assert v.parse_date(row.cells["end"]) == date(2027, 6, 30)


def test_a_reader_closed_before_reading_rows_releases_the_file():
    # given an opened reader whose rows were never iterated
    reader = SheetReader(WORKBOOKS / "s001_discount_clean.xlsx")
    # when it is closed, then nothing fails, and it cannot be read afterwards
    reader.close()
    with pytest.raises(RuntimeError):
        iter(reader)
