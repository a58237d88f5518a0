"""The rejected workbook, returned with its problems marked.

Every bad cell is filled (red for an error, yellow for a warning) and carries a comment with
its message; a problem without a column marks its whole row; a first sheet «Ошибки» lists them
all. Built streaming: the source is read row by row through the reader's own engines and limits
(calamine in its sandbox, openpyxl when calamine cannot; never a full load of the original) and
written with a write-only workbook, one row at a time, so a 100,000-row file costs no more memory
than a small one. Unmarked cells are written as plain values (the fast path of the write-only
writer); user text goes through ``config.spreadsheets.xlsx_text``, so ``=HYPERLINK(...)`` or
``+7 913...`` never turns into a formula.

It never fails on the file: what cannot be read or written comes back as the «Ошибки» sheet alone.
Number formats are copied where the engine sees them (openpyxl); with calamine dates are shown as
dd.mm.yyyy and other numbers as General.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict, deque
from collections.abc import Iterable
from contextlib import suppress
from datetime import date, datetime, time, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from config.spreadsheets import formula_like, xlsx_text
from promo.services.imports.engines import WorkbookSource
from promo.services.imports.headers import HEADER_SEARCH_ROWS, HeaderMap, fold, scan_header
from promo.services.imports.problems import FileProblem, Problem
from promo.services.imports.sandbox import SandboxFailed
from promo.services.imports.values import CellError

logger = logging.getLogger(__name__)

ERROR_FILL = PatternFill(fill_type="solid", start_color="FFFF7C80", end_color="FFFF7C80")
WARNING_FILL = PatternFill(fill_type="solid", start_color="FFFFEB9C", end_color="FFFFEB9C")
HEADER_FONT = Font(bold=True)
COMMENT_AUTHOR = "Promo Portal"
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
_INVALID_TITLE = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def text_cell(sheet, value: Any) -> WriteOnlyCell:
    """A write-only cell; a string is stored as a string whatever it starts with (openpyxl
    would store "=..." as a formula: CSV/formula injection)."""
    return xlsx_text(WriteOnlyCell(sheet, value=_writable(value)))


def _writable(value: Any) -> Any:
    """A value openpyxl can write into a valid file: no control characters in text, no NaN or
    infinity (Excel refuses "nan" in a number cell), an Excel error shown as its text."""
    if isinstance(value, str):
        return value if value.isprintable() else ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value).upper()
    if value is None or isinstance(value, int | float | date | datetime | time | timedelta):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def build_error_workbook(*, source_path: str | Path, problems: list[Problem],
                         sheet_title: str | None = None) -> bytes:
    """The uploaded workbook with ``problems`` marked, plus the «Ошибки» sheet (by row; a row's
    problems in the order given, as the upload page lists them). ``sheet_title``
    names the data sheet (the one ``SheetReader`` read); by default the sheet a problem names,
    else the first. A file that cannot be read as a workbook comes back as the list alone."""
    # By row, and within a row in the order given: the validator's (the sheet's columns, left to
    # right), which the upload page shows too.
    ordered = sorted(problems, key=lambda problem: problem.row)
    sheet_title = sheet_title or next((p.params["sheet"] for p in ordered if p.params.get("sheet")), None)
    for fallback in (False, True):
        try:
            return _build(Path(source_path), ordered, sheet_title, fallback)
        except FileProblem:
            break  # the reader refuses the file: its problem is in the list already
        except SandboxFailed:
            continue  # calamine cannot read it within its limits: openpyxl streams it
        except Exception:  # noqa: BLE001 - a damaged file must still get its list of problems
            logger.warning("Error workbook: the source %s could not be copied", source_path, exc_info=True)
            break
    return _save(_list_only(ordered))


def _build(path: Path, problems: list[Problem], sheet_title: str | None, fallback: bool) -> bytes:
    errors_titles = _errors_titles()
    with WorkbookSource(path, fallback=fallback) as source:
        target = _list_only(problems)
        try:
            names = [name for name in source.sheets if name not in errors_titles]
            data_title = sheet_title if sheet_title in names else (names[0] if names else None)
            used: set[str] = {title.casefold() for title in target.sheetnames}
            for name in names:
                sheet = target.create_sheet(_sheet_title(name, used))
                _copy_sheet(source.rows(name), sheet, problems if name == data_title else [])
        except BaseException:
            _discard(target)
            raise
    return _save(target)


def _discard(target: Workbook) -> None:
    """Close the sheet writers of a workbook that will not be saved (they hold temp files)."""
    for sheet in target.worksheets:
        with suppress(Exception):
            sheet.close()


def _list_only(problems: list[Problem]) -> Workbook:
    target = Workbook(write_only=True)
    _write_problem_list(target.create_sheet(_("Ошибки")), problems)
    return target


def _save(target: Workbook) -> bytes:
    buffer = BytesIO()
    target.save(buffer)
    return buffer.getvalue()


def _errors_titles() -> set[str]:
    """The list sheet in every language: a re-uploaded error workbook does not repeat it."""
    titles = {_("Ошибки")}
    for language, _name in settings.LANGUAGES:
        with override(language):
            titles.add(_("Ошибки"))
    return titles


def _sheet_title(name: str, used: set[str]) -> str:
    """The source's sheet name, made valid for openpyxl (31 characters, no []:*?/\\) and unique."""
    base = ILLEGAL_CHARACTERS_RE.sub("", name).translate(_INVALID_TITLE).strip("'")[:31] or "Sheet"
    title, number = base, 1
    while title.casefold() in used:
        number += 1
        title = f"{base[:27]} ({number})"
    used.add(title.casefold())
    return title


def _write_problem_list(sheet, problems: list[Problem]) -> None:
    for letter, width in zip("ABCD", (10, 28, 26, 110), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    heading = []
    for text in (_("Строка"), _("Колонка"), _("Код"), _("Сообщение")):
        cell = text_cell(sheet, text)
        cell.font = HEADER_FONT
        heading.append(cell)
    sheet.append(heading)
    for problem in problems:
        first = text_cell(sheet, problem.row if problem.row else _("файл"))
        first.fill = WARNING_FILL if problem.is_warning else ERROR_FILL
        sheet.append([first, *(_text(sheet, value) for value in (problem.column, problem.code, problem.message))])


def _text(sheet, value: str) -> Any:
    """A text as a plain value (the writer's fast path) unless it needs a cell to stay text."""
    return text_cell(sheet, value) if formula_like(value) or not value.isprintable() else value


def _place(problems: list[Problem], header: HeaderMap | None):
    """Problems by cell (row, 0-based column) when their column is found in the header, by
    row otherwise. File-level problems (row 0) stay in the list only."""
    indexes: dict[str, int] = {}
    folded: dict[str, int] = {}
    if header is not None:
        for name, index in header.columns.items():
            indexes[header.titles[name]] = index
            folded[fold(header.titles[name])] = index
    by_cell: dict[tuple[int, int], list[Problem]] = defaultdict(list)
    by_row: dict[int, list[Problem]] = defaultdict(list)
    for problem in problems:
        if problem.row <= 0:
            continue
        index = None
        if problem.column:
            index = indexes.get(problem.column, folded.get(fold(problem.column)))
        if index is None:
            by_row[problem.row].append(problem)
        else:
            by_cell[(problem.row, index)].append(problem)
    return by_cell, by_row


def _copy_sheet(rows: Iterable[tuple[int, tuple, tuple | None]], sheet, problems: list[Problem]) -> None:
    """Write the rows of one source sheet; the first 20 are held back until the header is known."""
    rows = iter(rows)
    head = []
    if problems:
        for item in rows:
            head.append(item)
            if item[0] >= HEADER_SEARCH_ROWS:
                break
    header = scan_header((number, values) for number, values, _formats in head
                         if number <= HEADER_SEARCH_ROWS) if problems else None
    by_cell, by_row = _place(problems, header)
    last_column: dict[int, int] = defaultdict(int)
    for row, index in by_cell:
        last_column[row] = max(last_column[row], index + 1)
    header_width = max(header.columns.values()) + 1 if header and header.columns else 1
    # Marked rows in order; one the engine does not give (a blank row) is written all the same.
    marks = deque(sorted(set(by_row) | {row for row, _index in by_cell}))
    writer = _RowWriter(sheet)

    def marked(number: int, values: tuple = (), formats: tuple | None = None) -> None:
        width = max(len(values), last_column.get(number, 0), header_width if by_row.get(number) else 0)
        writer.cells(number, _marked_row(sheet, number, values, formats, by_cell, by_row, width))

    for number, values, formats in _chain(head, rows):
        while marks and marks[0] < number:
            marked(marks.popleft())
        if marks and marks[0] == number:
            marks.popleft()
            marked(number, values, formats)
        else:
            writer.plain(number, values, formats)
    while marks:
        marked(marks.popleft())


class _RowWriter:
    """Writes the rows of a write-only sheet under their own numbers (the source's blank rows
    are not written at all). openpyxl 3.1's ``WriteOnlyWorksheet._write_rows`` numbers rows 1,
    2, 3... itself, so an equivalent that takes the number replaces it.

    A plain row (no mark, no text that looks like a formula) is written as XML text straight into
    the sheet's stream when the writer is et_xmlfile's (openpyxl's without lxml): the same cells
    openpyxl would write, at a fraction of its cost per cell; its styles (a date or number format)
    are registered through openpyxl cells, once each. Any other row goes through openpyxl's cells."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.raw = None
        self.last = 0
        self._styles: dict[str, str] = {}
        self._letters: list[str] = []
        sheet._get_writer()
        sheet._rows = self._rows()
        next(sheet._rows)

    def _rows(self):
        writer = self.sheet._writer
        xf = writer.xf.send(True)
        self.raw = getattr(xf, "_file", None)
        with xf.element("sheetData"):
            try:
                while True:
                    number, values = yield
                    writer.write_row(xf, self.sheet._values_to_row(values, number), number)
            except GeneratorExit:
                pass
        writer.xf.send(None)

    def cells(self, number: int, values: list) -> None:
        if number > self.last:  # rows come in order; a repeated row number is written once
            self.last = number
            self.sheet._rows.send((number, values))

    def plain(self, number: int, values: tuple, formats: tuple | None) -> None:
        xml = self._xml(number, values, formats) if self.raw is not None else None
        if xml is None:
            self.cells(number, _plain_row(self.sheet, values, formats))
        elif number > self.last:
            self.last = number
            self.raw(xml)

    def _style(self, number_format: str) -> str:
        if number_format not in self._styles:
            cell = WriteOnlyCell(self.sheet)
            cell.number_format = number_format
            self._styles[number_format] = f' s="{cell.style_id}"'
        return self._styles[number_format]

    def _letter(self, index: int) -> str:
        while len(self._letters) <= index:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters[index]

    def _xml(self, number: int, values: tuple, formats: tuple | None) -> str | None:
        out = [f'<row r="{number}">']
        for index, value in enumerate(values):
            if value is None:
                continue
            ref = f"{self._letter(index)}{number}"
            form = formats[index] if formats and index < len(formats) else None
            style = self._style(form) if form and form != "General" else ""
            kind = value.__class__
            if kind is str or kind is CellError:
                text = str(value)
                if formula_like(text):
                    return None  # xlsx_text keeps it text: openpyxl's cells
                text = _writable(text)
                if "&" in text or "<" in text or ">" in text:
                    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                space = ' xml:space="preserve"' if text != text.strip() else ""
                out.append(f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>')
            elif kind is bool:
                out.append(f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>')
            elif kind is int:
                out.append(f'<c r="{ref}"{style} t="n"><v>{value}</v></c>')
            elif kind is float:
                if not math.isfinite(value):
                    out.append(f'<c r="{ref}" t="inlineStr"><is><t>{str(value).upper()}</t></is></c>')
                else:
                    out.append(f'<c r="{ref}"{style} t="n"><v>{value:.16g}</v></c>')
            elif kind is datetime or kind is date:
                if not style:
                    plain_date = kind is date or value.time() == datetime.min.time()
                    style = self._style(DATE_FORMAT if plain_date else DATETIME_FORMAT)
                out.append(f'<c r="{ref}"{style} t="n"><v>{to_excel(value):.16g}</v></c>')
            else:
                return None  # times, durations: openpyxl's cells
        out.append("</row>")
        return "".join(out)


def _chain(head: list, rows):
    yield from head
    yield from rows


def _plain_row(sheet, values: tuple, formats: tuple | None) -> list:
    """The fast path: plain values; a cell object only where a value needs one (text that
    looks like a formula, a date, a copied number format)."""
    out = []
    for index, value in enumerate(values):
        if value is None:
            out.append(None)
        elif isinstance(value, str):
            out.append(_text(sheet, value))
        elif isinstance(value, bool):
            out.append(value)
        elif isinstance(value, int | float) and not (formats and formats[index] not in (None, "General")):
            out.append(_writable(value))
        else:
            out.append(_cell(sheet, value, formats[index] if formats and index < len(formats) else None))
    return out


def _cell(sheet, value: Any, number_format: str | None) -> WriteOnlyCell:
    cell = text_cell(sheet, value)
    if number_format and number_format != "General" and value is not None:
        cell.number_format = number_format
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT if value.time() != datetime.min.time() else DATE_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    return cell


def _marked_row(sheet, number: int, values: tuple, formats: tuple | None, by_cell, by_row, width: int) -> list:
    row_marks = by_row.get(number, [])
    out = []
    for index in range(width):
        value = values[index] if index < len(values) else None
        cell = _cell(sheet, value, formats[index] if formats and index < len(formats) else None)
        marks = by_cell.get((number, index), [])
        if row_marks and index == 0:
            marks = row_marks + marks
        shown = marks or row_marks
        if shown:
            cell.fill = WARNING_FILL if all(problem.is_warning for problem in shown) else ERROR_FILL
        if marks:
            cell.comment = _comment(marks)
        out.append(cell)
    return out


def _comment(problems: list[Problem]) -> Comment:
    text = _writable("\n".join(problem.message for problem in problems))  # for people: no internal codes
    comment = Comment(text, COMMENT_AUTHOR)
    comment.width = 320
    comment.height = min(400, 60 + 18 * len(text) // 40)
    return comment
