"""The rejected workbook, returned with its problems marked.

Every bad cell is filled (red for an error, yellow for a warning) and carries a comment with
its message; a problem without a column marks its whole row; a first sheet «Ошибки» lists them
all. The source is read with openpyxl read-only and written with a write-only workbook, one row
at a time, so a 100,000-row file costs no more memory than a small one. Text is always written
as text (``config.spreadsheets.xlsx_text``): a cell such as ``=HYPERLINK(...)`` or ``+7 913...``
never turns into a formula.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from config.spreadsheets import xlsx_text
from promo.services.imports.headers import HEADER_SEARCH_ROWS, HeaderMap, fold, scan_header
from promo.services.imports.problems import FileProblem, Problem
from promo.services.imports.reader import check_file

ERROR_FILL = PatternFill(fill_type="solid", start_color="FFFF7C80", end_color="FFFF7C80")
WARNING_FILL = PatternFill(fill_type="solid", start_color="FFFFEB9C", end_color="FFFFEB9C")
HEADER_FONT = Font(bold=True)
COMMENT_AUTHOR = "Promo Portal"


def text_cell(sheet, value: Any) -> WriteOnlyCell:
    """A write-only cell; a string is stored as a string whatever it starts with (openpyxl
    would store "=..." as a formula: CSV/formula injection)."""
    return xlsx_text(WriteOnlyCell(sheet, value=value))


def build_error_workbook(*, source_path: str | Path, problems: list[Problem],
                         sheet_title: str | None = None) -> bytes:
    """The uploaded workbook with ``problems`` marked, plus the «Ошибки» sheet. ``sheet_title``
    names the data sheet (the one ``SheetReader`` read); by default it is found the same way.
    A file that cannot be read as a workbook comes back as the «Ошибки» sheet alone."""
    ordered = sorted(problems, key=lambda problem: (problem.row, problem.column, problem.code))
    target = Workbook(write_only=True)
    errors_title = _("Ошибки")
    _write_problem_list(target.create_sheet(errors_title), ordered)
    source = _open_source(Path(source_path))
    if source is not None:
        try:
            data_title, header = _data_sheet(source, sheet_title)
            for sheet in source.worksheets:
                if sheet.title == errors_title:
                    continue  # the list of a previous rejection, re-uploaded
                if sheet.title == data_title:
                    _copy_sheet(sheet, target.create_sheet(sheet.title), ordered, header)
                else:
                    _copy_sheet(sheet, target.create_sheet(sheet.title), [], None)
        finally:
            source.close()
    buffer = BytesIO()
    target.save(buffer)
    return buffer.getvalue()


def _open_source(path: Path):
    try:
        check_file(path)
        return load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except FileProblem:
        return None
    except Exception:
        # check_file passed but the parser fails: a damaged file, only the list goes back.
        return None


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
        cells = [text_cell(sheet, value) for value in (
            problem.row if problem.row else _("файл"), problem.column, problem.code, problem.message)]
        cells[0].fill = WARNING_FILL if problem.is_warning else ERROR_FILL
        sheet.append(cells)


def _rows(sheet) -> Iterable[tuple]:
    """Every row of a read-only sheet, blank ones included, ignoring declared dimensions."""
    sheet.reset_dimensions()
    return sheet.iter_rows()


def _data_sheet(source, sheet_title: str | None) -> tuple[str | None, HeaderMap | None]:
    """The data sheet and its header: the first sheet whose first 20 rows hold a complete
    header, as SheetReader picks it (or the one named); else the first sheet, without header
    (a header_missing problem then marks its row there)."""
    for sheet in source.worksheets:
        if sheet_title is not None and sheet.title != sheet_title:
            continue
        head = []
        for number, cells in enumerate(_rows(sheet), start=1):
            head.append((number, tuple(cell.value for cell in cells)))
            if number >= HEADER_SEARCH_ROWS:
                break
        header = scan_header(head)
        if header is not None and (sheet_title is not None or not header.missing):
            return sheet.title, header
    return (source.worksheets[0].title if source.worksheets else None), None


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


def _copy_sheet(source_sheet, sheet, problems: list[Problem], header: HeaderMap | None) -> None:
    by_cell, by_row = _place(problems, header)
    last_column = defaultdict(int)
    for row, index in by_cell:
        last_column[row] = max(last_column[row], index + 1)
    header_width = max(header.columns.values()) + 1 if header and header.columns else 1
    for number, cells in enumerate(_rows(source_sheet), start=1):
        row_marks = by_row.get(number, [])
        width = max(len(cells), last_column.get(number, 0), header_width if row_marks else 0)
        out = []
        for index in range(width):
            source = cells[index] if index < len(cells) else None
            value = getattr(source, "value", None)
            cell = text_cell(sheet, value)
            if value is not None and source.number_format != "General":
                cell.number_format = source.number_format
            marks = by_cell.get((number, index), [])
            if row_marks and index == 0:
                marks = row_marks + marks
            shown = marks or row_marks
            if shown:
                cell.fill = WARNING_FILL if all(problem.is_warning for problem in shown) else ERROR_FILL
            if marks:
                cell.comment = _comment(marks)
            out.append(cell)
        sheet.append(out)


def _comment(problems: list[Problem]) -> Comment:
    text = "\n".join(f"{problem.message} [{problem.code}]" for problem in problems)
    comment = Comment(text, COMMENT_AUTHOR)
    comment.width = 320
    comment.height = min(400, 60 + 18 * len(text) // 40)
    return comment
