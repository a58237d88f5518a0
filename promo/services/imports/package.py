"""The .xlsx package before any spreadsheet engine sees it.

``check_file`` reads the first 8 KB and the zip directory only: size cap, what the bytes are (an
.xls, an encrypted workbook, a CSV renamed to .xlsx each get their own hint), the sizes the zip
directory declares (a zip bomb is refused without inflating it) and the workbook part.

``survey`` then inflates every part once through ``zipfile`` (which stops at the declared size
and checks the CRC, so a part lying about its size fails here, in bounded memory) in 1 MB chunks
and measures each worksheet on the way with byte counts and searches, never parsing XML and never
doing Python work per cell: how many cells it holds, how much text (a shared string counted in
every cell that shows it), where its error cells (``#N/A``) are. Parts declaring a DTD are refused: OOXML forbids them, and every
entity trick (billion laughs, external entities) needs one. What is beyond the caps is refused
here, before any engine allocates anything.

Nothing here trusts the file: every exception of zipfile, zlib or the XML parser becomes
``FileProblem(file_unreadable)`` with a reason.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from django.conf import settings

from promo.services.imports.layout import column_index, scan_layout
from promo.services.imports.problems import FileProblem, Problem
from promo.services.imports.sheet_rows import rows_with_data

MAX_ZIP_ENTRIES = 10_000
# Excel's own limits: a reference beyond them is not a sheet Excel could have written.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
# Parts an engine parses whole into memory besides the sheets and the shared strings (workbook,
# styles, relationships, theme, properties): a real one is a few hundred kilobytes.
MAX_PARSED_PART_BYTES = 16 * 1024 * 1024
# Beyond this row a sheet with few rows is read with openpyxl (see SheetStats.sparse).
SPARSE_ROWS = 100_000
# Error cells remembered per sheet (a sheet full of #N/A is refused on its first rows anyway).
MAX_ERROR_CELLS = 10_000

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_MB = 1024 * 1024
_CHUNK = 1 << 20
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, ValueError, EOFError,
               NotImplementedError, RuntimeError, struct.error, KeyError, IndexError, OverflowError)
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def unreadable(reason: str, **params: Any) -> FileProblem:
    return FileProblem(Problem("file_unreadable", 0, params={"reason": reason, **params}))


# --- before inflating anything ------------------------------------------------------------------


def check_file(path: str | Path) -> None:
    """Refuse a file that is not a sane .xlsx before any parser touches it; raises
    ``FileProblem`` (file_unreadable or file_empty, row 0) with a hint for the user."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError:
        raise unreadable("broken") from None
    if size > settings.PROMO_UPLOAD_MAX_BYTES:
        raise unreadable("too_large", max_mb=round(settings.PROMO_UPLOAD_MAX_BYTES / _MB))
    if size == 0:
        raise FileProblem(Problem("file_empty", 0, params={"reason": "no_sheets"}))
    if head.startswith(_OLE_MAGIC):
        raise unreadable(_ole_kind(path))
    if not head.startswith(_ZIP_MAGIC):
        raise unreadable("csv" if _looks_like_text(head) else "not_workbook")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except _ZIP_ERRORS:
        raise unreadable("broken") from None
    # The central directory is all that has been read so far: nothing is inflated.
    declared = sum(entry.file_size for entry in entries)
    if len(entries) > MAX_ZIP_ENTRIES or declared > settings.PROMO_UPLOAD_MAX_UNCOMPRESSED_BYTES:
        raise _too_big()
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        raise unreadable("ods" if "content.xml" in names and "mimetype" in names else "not_workbook")
    for entry in entries:
        if _parsed_whole(entry.filename) and entry.file_size > MAX_PARSED_PART_BYTES:
            raise _too_big()


def _too_big() -> FileProblem:
    return unreadable("too_big_uncompressed", max_mb=round(settings.PROMO_UPLOAD_MAX_UNCOMPRESSED_BYTES / _MB))


def _parsed_whole(name: str) -> bool:
    return (name in ("[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml") or name.endswith(".rels")
            or name.startswith(("xl/theme/", "docProps/")))


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
    except (OSError, struct.error, ValueError, OverflowError):
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


def estimate_rows(path: str | Path) -> int | None:
    """Data rows the first worksheet declares in its ``<dimension>`` (or a guess from its
    unzipped size), read without parsing the sheet; None for anything that is not a readable
    workbook. Only decides between processing at once and queueing, so it never raises and
    never answers more than a sheet can hold."""
    try:
        with zipfile.ZipFile(path) as archive:
            sheets = sorted((info for info in archive.infolist()
                             if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")),
                            key=lambda info: info.filename)
            if not sheets:
                return None
            with archive.open(sheets[0]) as part:
                head = part.read(_ESTIMATE_HEAD)
            match = _DIMENSION.search(head[:4096])
            if match and match.group(1):
                rows = int(match.group(1)[:8]) - 1
            else:
                rows = _rows_from_head(head, sheets[0].file_size)
            return max(0, min(rows, EXCEL_MAX_ROWS - 1))
    except Exception:  # noqa: BLE001 - a guess: whatever the file does, the reader says it properly
        return None


def _rows_from_head(head: bytes, size: int) -> int:
    """Data rows of a sheet without a declared dimension: counted in its first bytes if the
    whole sheet is there, else its size over the bytes per row of the rows seen (a wide row of
    246 columns is not 400 bytes), else a rough guess."""
    starts = [found.start() for found in _ROW_START.finditer(head)]
    if len(head) >= size:
        return len(starts) - 1
    if len(starts) >= 3:
        per_row = (starts[-1] - starts[0]) / (len(starts) - 1)
        return int((size - starts[0]) / per_row) - 1
    return size // _BYTES_PER_ROW


_ESTIMATE_HEAD = 256 * 1024
_ROW_START = re.compile(rb"<(?:\w+:)?row\b")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension[^>]*ref="[A-Za-z]+\d+:?[A-Za-z]*(\d*)"')
# The header row is among the first rows of a sheet (promo.services.imports.headers).
HEADER_ROWS = 20
# Rough size of one sheet row in the unzipped XML, for a file without a declared dimension.
_BYTES_PER_ROW = 400


# --- the survey ---------------------------------------------------------------------------------


@dataclass
class SheetStats:
    """What one worksheet part holds, measured without parsing it. Counts are upper bounds:
    an odd spelling counts extra, never less, so a decision taken on them is on the safe side."""

    part: str
    size: int = 0
    cells: int = 0  # elements whose name starts with "c": every cell, filled or only formatted
    rows: int = 0  # row elements
    last_row: int = 0  # the number of the last row element
    inline_text: bool = False  # holds inline strings or formula text (t="inlineStr", t="str")
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, 0-based column) -> "#N/A"
    # (row, 0-based column) of formula cells without a calculated value (a file written by a
    # script: openpyxl writes <f>H2*0.8</f><v/>); both engines read them as empty.
    formulas: set[tuple[int, int]] = field(default_factory=set)
    # Merged ranges spanning more than one row, as (first row, last row, first 0-based column,
    # last 0-based column): only the first row holds the value, the rows below show it too.
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)  # rows hidden by hand or by a filter
    text_bytes: int = 0  # the text of its cells, shared strings expanded (an upper bound)

    @property
    def sparse(self) -> bool:
        """Rows far apart (a value at row 1,048,576 under a short table): calamine would hold
        every row in between, openpyxl streams past them."""
        return self.last_row > SPARSE_ROWS and self.last_row > 4 * self.rows


@dataclass
class Survey:
    sheets: dict[str, SheetStats] = field(default_factory=dict)  # by sheet name
    shared_strings: int = 0
    shared_bytes: int = 0
    shared_lengths: array = field(default_factory=lambda: array("I"))  # bytes of each shared string

    def stats(self, sheet_name: str) -> SheetStats | None:
        return self.sheets.get(sheet_name)


def survey(path: str | Path) -> Survey:
    """Inflate every part once (CRC and declared size checked) and measure the worksheets;
    raises ``FileProblem(file_unreadable)`` for a damaged package (reason ``broken``) or one
    whose content is more than the reader may take on (``too_many_cells``, ``too_much_text``:
    a long shared string repeated in every cell is counted every time)."""
    result = Survey()
    try:
        with zipfile.ZipFile(path) as archive:
            parts = _sheet_parts(archive)
            by_part = {part: name for name, part in parts.items()}
            entries = sorted(archive.infolist(), key=lambda entry: entry.filename != _SHARED)  # strings first
            for entry in entries:
                scanner = _SheetScan(entry.filename) if entry.filename in by_part else None
                strings = _StringsScan(result) if entry.filename == _SHARED else None
                prolog = entry.filename.endswith((".xml", ".rels", ".vml"))
                previous = b""
                with archive.open(entry) as stream:
                    while chunk := stream.read(_CHUNK):
                        if prolog:
                            # A DTD can only come before the first element.
                            head = previous[-16:] + chunk
                            if _declares_dtd(head):
                                raise unreadable("broken")
                            prolog = _FIRST_ELEMENT.search(head) is None
                            previous = chunk
                        if scanner is not None:
                            scanner.feed(chunk)
                        elif strings is not None:
                            strings.feed(chunk)
                if scanner is not None:
                    result.sheets[by_part[entry.filename]] = scanner.finish()
                elif strings is not None:
                    strings.finish()
            _measure_text(archive, result)
    except FileProblem:
        raise
    except (*_ZIP_ERRORS, ElementTree.ParseError):
        raise unreadable("broken") from None
    text_limit = settings.PROMO_UPLOAD_MAX_TEXT_MB * _MB
    too_many_strings = result.shared_strings > settings.PROMO_UPLOAD_MAX_CELLS
    if too_many_strings or sum(stats.text_bytes for stats in result.sheets.values()) > text_limit:
        # Too much content: when a sheet also has more rows of data than a sheet may, that is
        # what the supplier has to fix (split the file), not «too much text».
        refuse_too_many_rows(result, path)
        if too_many_strings:
            raise unreadable("too_many_cells", count=result.shared_strings, max=settings.PROMO_UPLOAD_MAX_CELLS)
        raise unreadable("too_much_text", max_mb=settings.PROMO_UPLOAD_MAX_TEXT_MB)
    return result


def refuse_too_many_rows(result: Survey, path: str | Path) -> None:
    """``FileProblem(file_unreadable, too_many_rows)`` if a sheet has more rows holding data than
    ``PROMO_UPLOAD_MAX_ROWS`` (and its header row). Only asked about a file already refused for
    its content (``too_much_text``, ``too_many_cells``), so that the message names the limit the
    supplier has to fix. Rows that are only formatted (a fill or a border down to row 100,000)
    are not the supplier's rows: they count for nothing, so a file with too much text and many
    formatted empty rows is told about its text. The row elements bound the count: only a sheet
    with more of them than the limit is read again, to count its rows with a value."""
    limit = settings.PROMO_UPLOAD_MAX_ROWS
    candidates = [stats.part for stats in result.sheets.values() if stats.rows - 1 > limit]
    if not candidates:
        return
    try:
        with zipfile.ZipFile(path) as archive:
            over = any(rows_with_data(archive, part, stop_after=limit + 1) > limit + 1 for part in candidates)
    except (*_ZIP_ERRORS, ElementTree.ParseError):
        raise unreadable("broken") from None
    if over:
        raise unreadable("too_many_rows", max_rows=limit)


_SHARED = "xl/sharedStrings.xml"
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_SHARED_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bt\s*=\s*["\']s["\'][^>]*>\s*<(?:\w+:)?v\b[^>]*>\s*(\d{1,9})\s*<')


class _StringsScan:
    """Counts the shared strings and the bytes of each (the XML of its <si>, an upper bound of
    its text), chunk by chunk."""

    def __init__(self, result: Survey):
        self.result = result
        self.tail = b""
        self.separator: bytes | None = None
        self.in_string = False

    def feed(self, chunk: bytes) -> None:
        self.result.shared_bytes += len(chunk)
        self._split(self.tail + chunk, last=False)

    def finish(self) -> None:
        self._split(self.tail, last=True)

    def _split(self, buf: bytes, *, last: bool) -> None:
        self.tail = b""
        if self.separator is None:
            match = re.search(rb"<(\w+:)?sst\b", buf)
            if match is None:
                self.tail = b"" if last else buf[-256:]
                return
            self.separator = b"<" + (match.group(1) or b"") + b"si"
        if not self.in_string:
            at = buf.find(self.separator)
            if at < 0:
                self.tail = b"" if last else buf[-len(self.separator):]
                return
            buf, self.in_string = buf[at + len(self.separator):], True
        # the first piece continues the string in progress; the last one may be cut off
        pieces = buf.split(self.separator)
        if not last:
            self.tail = pieces.pop()
        lengths = self.result.shared_lengths
        if len(lengths) + len(pieces) <= settings.PROMO_UPLOAD_MAX_CELLS:
            lengths.extend(len(piece) + 3 for piece in pieces)
        self.result.shared_strings += len(pieces)


def _measure_text(archive: zipfile.ZipFile, result: Survey) -> None:
    """The text each sheet's cells hold: inline text (bounded by the part's own bytes) plus the
    shared strings its cells refer to. Counted exactly (one more pass over the part) only when
    the cheap bound, every cell referring to the longest string, is above the limit."""
    longest = max(result.shared_lengths, default=0)
    limit = settings.PROMO_UPLOAD_MAX_TEXT_MB * _MB
    lengths = result.shared_lengths
    for stats in result.sheets.values():
        inline = max(0, stats.size - 11 * stats.cells) if stats.inline_text else 0
        shared = stats.cells * longest
        if inline + shared > limit and longest:
            shared = 0
            tail = b""
            with archive.open(stats.part) as stream:
                while chunk := stream.read(_CHUNK):
                    buf = tail + chunk
                    cut = buf.rfind(b"</")
                    cut = cut if cut > 0 else len(buf)
                    for index in map(int, _SHARED_REF.findall(buf, 0, cut)):
                        shared += lengths[index] if index < len(lengths) else 0
                    tail = buf[cut:]
                    if inline + shared > limit:
                        break
        stats.text_bytes = inline + shared


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name -> its part, from xl/workbook.xml and its relationships."""
    rels_name = "xl/_rels/workbook.xml.rels"
    names = set(archive.namelist())
    if rels_name not in names:
        return {}
    workbook = _parse(archive.read("xl/workbook.xml"))
    rels = _parse(archive.read(rels_name))
    targets = {}
    for rel in rels.iter(f"{{{_RELS_NS}}}Relationship"):
        if rel.get("Type", "").endswith("/worksheet"):
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id")] = part
    parts = {}
    for sheet in workbook.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        rel_id = next((value for key, value in sheet.attrib.items() if key.endswith("}id")), None)
        part = targets.get(rel_id)
        if part in names and sheet.get("name") is not None:
            parts[sheet.get("name")] = part
    return parts


def _declares_dtd(data: bytes) -> bool:
    return b"<!DOCTYPE" in data or b"<!ENTITY" in data


def _parse(data: bytes):
    if _declares_dtd(data):
        raise unreadable("broken")
    return ElementTree.fromstring(data)


class _SheetScan:
    """Measures a worksheet part chunk by chunk with byte counts only (C speed): nothing is
    done per cell in Python, so surveying a 100,000-row sheet costs a fraction of reading it.
    Chunks are cut before the last row start, so a row (and its cells) is seen whole."""

    _ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d{1,12})"')
    _ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?\bt="e"[^>]*)>\s*<(?:\w+:)?v>([^<]{0,64})<')
    _REF = re.compile(rb'\br="([A-Za-z]{1,3})(\d{1,7})"')
    # A cell holding a formula and no value (no <v>, or an empty one); a formula whose result is
    # an empty text says t="str" and is left alone.
    _BARE_FORMULA = re.compile(
        rb'<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*'
        rb'(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>')

    def __init__(self, part: str):
        self.stats = SheetStats(part=part)
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        self.stats.size += len(chunk)
        buf = self.tail + chunk
        cut = max(buf.rfind(b"<row"), buf.rfind(b":row"))
        if cut <= 0:
            if len(buf) < 16 * _CHUNK:
                self.tail = buf
                return
            cut = buf.rfind(b">") + 1
        self._scan(buf[:cut])
        self.tail = buf[cut:]

    def finish(self) -> SheetStats:
        self._scan(self.tail)
        self.tail = b""
        return self.stats

    def _scan(self, buf: bytes) -> None:
        stats = self.stats
        # Every element whose name starts with "c" (cells, and a few such as <col> outside the
        # sheet data), whatever the prefix: an upper bound of the cells.
        stats.cells += buf.count(b"<c") + (buf.count(b":c") if b":c" in buf else 0)
        rows = buf.count(b"<row") + (buf.count(b":row") if b":row" in buf else 0)
        if rows:
            stats.rows += rows
            start = max(buf.rfind(b"<row"), buf.rfind(b"<", 0, max(buf.rfind(b":row"), 0) + 1))
            match = self._ROW_NUMBER.match(buf, start) if start >= 0 else None
            stats.last_row = int(match.group(1)) if match else stats.last_row + rows
        if not stats.inline_text and (b"inlineStr" in buf or b't="str"' in buf or b"t='str'" in buf):
            stats.inline_text = True
        if b't="e"' in buf and len(stats.errors) < MAX_ERROR_CELLS:
            for attrs, text in self._ERROR_CELL.findall(buf):
                ref = self._REF.search(attrs)
                if ref is not None:
                    stats.errors[(int(ref.group(2)), column_index(ref.group(1).decode()) - 1)] = \
                        text.decode("utf-8", "replace").strip()
        scan_layout(stats, buf)  # merged ranges, hidden rows
        if (b"<f" in buf or b":f" in buf) and len(stats.formulas) < MAX_ERROR_CELLS:
            for attrs in self._BARE_FORMULA.findall(buf):
                ref = self._REF.search(attrs)
                if ref is not None and b't="str"' not in attrs and b"t='str'" not in attrs:
                    stats.formulas.add((int(ref.group(2)), column_index(ref.group(1).decode()) - 1))

