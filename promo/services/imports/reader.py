"""Streaming reader of an uploaded promo sheet.

``check_file`` looks at the bytes before any parser does: size cap, zip signature (an .xls,
an encrypted workbook or a CSV renamed to .xlsx each get their own hint), the sizes the zip
directory declares (a zip bomb is refused without inflating it) and the workbook part.

``SheetReader`` then picks the first sheet with a header row (first 20 rows), and yields one
``SheetRow`` per non-blank row, reading one row at a time. It does not trust the declared
dimensions: it stops after ``BLANK_RUN_LIMIT`` blank rows in a row and counts rows itself
against ``PROMO_UPLOAD_MAX_ROWS``.

Two engines (``PROMO_IMPORT_ENGINE``): python-calamine (the default, several times faster,
see docs/development/import-reader.md) and openpyxl read-only (slower, but it also sees number
formats, so it can tell a percent-formatted cell).
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from django.conf import settings

from promo.services.imports.headers import HEADER_SEARCH_ROWS, HeaderMap, scan_header
from promo.services.imports.problems import FileProblem, Problem

ENGINES = ("calamine", "openpyxl")
BLANK_RUN_LIMIT = 1000
MAX_ZIP_ENTRIES = 10_000
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_MB = 1024 * 1024


def _unreadable(reason: str, **params: Any) -> FileProblem:
    return FileProblem(Problem("file_unreadable", 0, params={"reason": reason, **params}))


def check_file(path: str | Path) -> None:
    """Refuse a file that is not a sane .xlsx before any parser touches it; raises
    ``FileProblem`` (file_unreadable or file_empty, row 0) with a hint for the user."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError:
        raise _unreadable("broken") from None
    if size > settings.PROMO_UPLOAD_MAX_BYTES:
        raise _unreadable("too_large", max_mb=round(settings.PROMO_UPLOAD_MAX_BYTES / _MB))
    if size == 0:
        raise FileProblem(Problem("file_empty", 0, params={"reason": "no_sheets"}))
    if head.startswith(_OLE_MAGIC):
        raise _unreadable(_ole_kind(path))
    if not head.startswith(_ZIP_MAGIC):
        raise _unreadable("csv" if _looks_like_text(head) else "not_workbook")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _unreadable("broken") from None
    # The central directory is all that has been read so far: nothing is inflated.
    declared = sum(entry.file_size for entry in entries)
    if len(entries) > MAX_ZIP_ENTRIES or declared > settings.PROMO_UPLOAD_MAX_UNCOMPRESSED_BYTES:
        raise _unreadable("too_big_uncompressed",
                          max_mb=round(settings.PROMO_UPLOAD_MAX_UNCOMPRESSED_BYTES / _MB))
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        raise _unreadable("ods" if "content.xml" in names and "mimetype" in names else "not_workbook")


def _looks_like_text(head: bytes) -> bool:
    """CSV, TSV or any other text: a byte-order mark, or no NUL and almost no control bytes."""
    if head.startswith(_TEXT_BOMS):
        return True
    if not head or b"\x00" in head:
        return False
    control = sum(1 for byte in head if byte < 0x20 and byte not in (0x09, 0x0A, 0x0D))
    return control <= len(head) // 100


def _ole_kind(path: Path) -> str:
    """An OLE2 compound file is either an Excel 97-2003 workbook or an encrypted .xlsx (Excel
    wraps a password-protected workbook in OLE2). Read the first directory sector only and
    look at the stream names."""
    try:
        with path.open("rb") as handle:
            header = handle.read(512)
            sector_shift = struct.unpack_from("<H", header, 30)[0]
            first_dir_sector = struct.unpack_from("<I", header, 48)[0]
            if not 7 <= sector_shift <= 16:
                return "ole"
            sector_size = 1 << sector_shift
            handle.seek((first_dir_sector + 1) * sector_size)
            directory = handle.read(sector_size)
    except (OSError, struct.error):
        return "ole"
    names = set()
    for offset in range(0, len(directory) - 127, 128):
        length = struct.unpack_from("<H", directory, offset + 64)[0]
        if 2 <= length <= 64:
            names.add(directory[offset:offset + length - 2].decode("utf-16-le", "replace"))
    if names & {"EncryptionInfo", "EncryptedPackage"}:
        return "encrypted"
    if names & {"Workbook", "Book"}:
        return "xls"
    return "ole"


def _verify_declared_sizes(path: Path) -> None:
    """Inflate each part once through zipfile, which stops at the size the directory declares
    and checks the CRC: a part that lies about its size (a crafted zip bomb) fails here,
    in bounded memory, instead of inside an engine that would trust it."""
    try:
        with zipfile.ZipFile(path) as archive:
            for entry in archive.infolist():
                with archive.open(entry) as part:
                    while part.read(1 << 20):
                        pass
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        raise _unreadable("broken") from None


# --- engines -----------------------------------------------------------------------------------
# Each yields (row_number, values, percent_columns) for every row, blank ones included, so row
# numbers are exactly Excel's; percent_columns is the set of 0-based columns holding a number in
# a percent-formatted cell, or None when the engine cannot see number formats.


class _OpenpyxlEngine:
    name = "openpyxl"

    def __init__(self, path: Path):
        import openpyxl

        self.book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
        self.sheet_names = [sheet.title for sheet in self.book.worksheets]
        self._declared: dict[str, int | None] = {}

    def declared_rows(self, sheet_name: str) -> int | None:
        if sheet_name not in self._declared:
            self._declared[sheet_name] = self.book[sheet_name].max_row
        return self._declared[sheet_name]

    def rows(self, sheet_name: str) -> Iterator[tuple[int, tuple, set[int] | None]]:
        sheet = self.book[sheet_name]
        self.declared_rows(sheet_name)
        # Declared dimensions can be wrong (and openpyxl would stop at them): read what is there.
        sheet.reset_dimensions()
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            values = tuple(cell.value for cell in cells)
            percent = {
                index for index, cell in enumerate(cells)
                if isinstance(cell.value, int | float) and "%" in (cell.number_format or "")
            }
            yield number, values, percent

    def close(self) -> None:
        self.book.close()


class _CalamineEngine:
    name = "calamine"

    def __init__(self, path: Path):
        from python_calamine import CalamineWorkbook, SheetTypeEnum

        _verify_declared_sizes(path)
        self.book = CalamineWorkbook.from_path(str(path))
        self.sheet_names = [
            meta.name for meta in self.book.sheets_metadata if meta.typ == SheetTypeEnum.WorkSheet
        ]
        self._sheets: dict[str, Any] = {}

    def _sheet(self, sheet_name: str):
        if sheet_name not in self._sheets:
            self._sheets = {sheet_name: self.book.get_sheet_by_name(sheet_name)}
        return self._sheets[sheet_name]

    def declared_rows(self, sheet_name: str) -> int | None:
        sheet = self._sheet(sheet_name)
        return None if sheet.start is None else sheet.start[0] + sheet.height

    def rows(self, sheet_name: str) -> Iterator[tuple[int, tuple, set[int] | None]]:
        sheet = self._sheet(sheet_name)
        if sheet.start is None:
            return
        # python-calamine (0.9) yields rows from row 1 but cells from the first used column;
        # pad back to column A (tests pin this with a sheet that starts at B2).
        padding = (None,) * sheet.start[1]
        for number, values in enumerate(sheet.iter_rows(), start=1):
            yield number, padding + tuple(None if value == "" else value for value in values), None

    def close(self) -> None:
        self._sheets = {}
        self.book.close()


def _open_engine(path: Path, engine: str):
    if engine not in ENGINES:
        raise ValueError(f"unknown import engine {engine!r}; expected one of {ENGINES}")
    try:
        return (_CalamineEngine if engine == "calamine" else _OpenpyxlEngine)(path)
    except FileProblem:
        raise
    except Exception:
        # Any parser failure on a file that passed check_file means a damaged workbook.
        raise _unreadable("broken") from None


# --- reader ------------------------------------------------------------------------------------


@dataclass
class SheetRow:
    """One non-blank data row: raw values by field, as the engine read them."""

    row: int
    cells: dict[str, Any]
    # field -> the cell had a % number format (only where the engine can tell; else empty).
    percent_format: dict[str, bool] = field(default_factory=dict)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class SheetReader:
    """Streams the data rows of an uploaded promo sheet.

    ``with SheetReader(path) as reader: for row in reader: ...``. Opening checks the file,
    picks the first sheet with a header row and makes sure there is at least one data row;
    it raises ``FileProblem`` (file_unreadable, header_missing, file_empty) otherwise. The
    iteration raises ``FileProblem`` (file_unreadable) when the rows exceed the cap."""

    def __init__(self, path: str | Path, *, engine: str | None = None):
        self.path = Path(path)
        self.engine_name = engine or settings.PROMO_IMPORT_ENGINE
        self.header: HeaderMap
        self.sheet_title: str = ""
        self.rows_total: int | None = None
        self._rows: Iterator[SheetRow] | None = None
        check_file(self.path)
        self._engine = _open_engine(self.path, self.engine_name)
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> SheetReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self._rows is not None:
            # A generator has close(); a plain iterator (itertools.chain) has nothing to release.
            close = getattr(self._rows, "close", None)
            if close is not None:
                close()
            self._rows = None
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def __iter__(self) -> Iterator[SheetRow]:
        if self._rows is None:
            raise RuntimeError("SheetReader is closed or already read")
        rows, self._rows = self._rows, None
        return rows

    def _open(self) -> None:
        incomplete: HeaderMap | None = None
        any_content = False
        for sheet_name in self._guarded(self._engine.sheet_names):
            raw_rows = self._guarded(self._engine.rows(sheet_name))
            head = []
            for item in raw_rows:
                head.append(item)
                if item[0] >= HEADER_SEARCH_ROWS:
                    break
            any_content = any_content or any(not _is_blank(v) for _n, values, _p in head for v in values)
            header = scan_header((number, values) for number, values, _percent in head)
            if header is not None and not header.missing:
                self.header, self.sheet_title = header, sheet_name
                declared = self._guarded_call(self._engine.declared_rows, sheet_name)
                self.rows_total = None if declared is None else max(0, declared - header.row)
                pending = [item for item in head if item[0] > header.row]
                rows = self._data_rows(chain(pending, raw_rows))
                first = next(rows, None)
                if first is None:
                    raise FileProblem(Problem("file_empty", 0))
                self._rows = chain([first], rows)
                return
            raw_rows.close()
            if header is not None and (incomplete is None or len(header.columns) > len(incomplete.columns)):
                incomplete = header
        if incomplete is None and not any_content:
            raise FileProblem(Problem("file_empty", 0, params={"reason": "no_sheets"}))
        incomplete = incomplete or HeaderMap(row=1)
        raise FileProblem(Problem("header_missing", incomplete.row,
                                  params={"missing": incomplete.missing_labels()}))

    def _data_rows(self, raw_rows) -> Iterator[SheetRow]:
        columns = self.header.columns
        limit = settings.PROMO_UPLOAD_MAX_ROWS
        blank_run = 0
        count = 0
        for number, values, percent in raw_rows:
            width = len(values)
            cells = {name: values[index] if index < width else None for name, index in columns.items()}
            if all(_is_blank(value) for value in cells.values()):
                blank_run += 1
                if blank_run >= BLANK_RUN_LIMIT:
                    return
                continue
            blank_run = 0
            count += 1
            if count > limit:
                raise _unreadable("too_many_rows", max_rows=limit)
            percent_format = {} if percent is None else {
                name: index in percent for name, index in columns.items()
            }
            yield SheetRow(number, cells, percent_format)

    @staticmethod
    def _guarded(iterator):
        """Pass rows through; a parser error halfway through a sheet is a damaged file."""
        try:
            yield from iterator
        except FileProblem:
            raise
        except Exception:
            raise _unreadable("broken") from None

    @staticmethod
    def _guarded_call(function, *args):
        try:
            return function(*args)
        except Exception:
            raise _unreadable("broken") from None
