"""The two engines that read an uploaded workbook, behind one interface.

Each lists its worksheets as ``sheets`` [(name, state)] and ``rows(name)`` yields (row_number,
values, formats) for every row that holds a value, in sheet order: row numbers are exactly
Excel's, blank rows are skipped (a sheet formatted down to row 1,048,576 costs nothing), values
are padded to column A; ``formats`` are the cells' number formats, or None when the engine cannot
see them. A cell merged over several rows reads the same in each of them (``layout.merged_filled``):
a promo name merged over its rows names every row, as the supplier sees it.

- ``calamine``: python-calamine in its memory-limited child process (sandbox.py). calamine reads
  an error cell (#N/A) as an empty string: the survey found where they are, and they come back
  as ``CellError``.
- ``openpyxl``: read-only, streaming, flat memory. Its row parser is openpyxl's own, driven here
  so that it keeps nothing behind (openpyxl's keeps every row element, every formatted row's
  dimensions and every conditional format it meets) and skips the rows a sheet does not have
  (openpyxl's yields an empty row for each missing one: 100 million for one cell at row
  99,999,999). Any row beyond Excel's 1,048,576 is a damaged file.

``WorkbookSource`` is the same for the error workbook: every sheet, row by row.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from promo.services.imports.layout import column_letters, merged_filled
from promo.services.imports.package import (
    EXCEL_MAX_ROWS,
    Survey,
    check_file,
    survey,
    unreadable,
)
from promo.services.imports.problems import FileProblem
from promo.services.imports.sandbox import CalamineSandbox, SandboxFailed
from promo.services.imports.values import CellError, UncalculatedFormula

ENGINES = ("calamine", "openpyxl")
_MB = 1024 * 1024


class OpenpyxlEngine:
    name = "openpyxl"
    marks_formulas = True  # the error workbook's source copies cells as they are

    def __init__(self, path: Path, survey: Survey):
        import openpyxl

        # openpyxl keeps the shared strings as Python objects: refuse what would not fit.
        if survey.shared_bytes + 80 * survey.shared_strings > settings.PROMO_IMPORT_SANDBOX_MB * _MB:
            raise unreadable("too_big_uncompressed",
                             max_mb=round(settings.PROMO_UPLOAD_MAX_UNCOMPRESSED_BYTES / _MB))
        self.survey = survey
        self.book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
        self.sheets = [(sheet.title, sheet.sheet_state.lower()) for sheet in self.book.worksheets]

    def rows(self, sheet_name: str) -> Iterator[tuple[int, tuple, tuple | None]]:
        return merged_filled(self._rows(sheet_name), self.survey.stats(sheet_name))

    def _rows(self, sheet_name: str) -> Iterator[tuple[int, tuple, tuple | None]]:
        from openpyxl.cell.read_only import ReadOnlyCell

        sheet = self.book[sheet_name]
        # openpyxl parses every cell, formatted empty ones too: its time is bounded by their count.
        stats = self.survey.stats(sheet_name)
        limit = settings.PROMO_UPLOAD_MAX_CELLS
        if stats is not None and stats.cells > limit:
            raise unreadable("too_many_cells", count=stats.cells, max=limit)
        formula_rows = _formula_rows(stats if self.marks_formulas else None)
        with sheet._get_source() as source:
            parser = _rows_only_parser(source, sheet)
            for number, cells in parser.parse():
                if number > EXCEL_MAX_ROWS:
                    raise unreadable("broken")
                if not cells or (all(cell["value"] is None for cell in cells) and number not in formula_rows):
                    continue
                width = max(cell["column"] for cell in cells)
                values: list = [None] * width
                formats: list = [None] * width
                for cell in cells:
                    index = cell["column"] - 1
                    if index < 0:
                        continue
                    read = ReadOnlyCell(sheet, **cell)
                    values[index] = CellError(read.value) if read.data_type == "e" else read.value
                    formats[index] = read.number_format
                if number in formula_rows:
                    _mark_formulas(values, number, formula_rows[number])
                yield number, tuple(values), tuple(formats)

    def last_row(self, sheet_name: str) -> int | None:
        """The row count the sheet declares (only for the progress bar: it may lie)."""
        declared = self.book[sheet_name].max_row
        return None if declared is None else min(declared, EXCEL_MAX_ROWS)

    def close(self) -> None:
        self.book.close()


def _rows_only_parser(source, sheet):
    """openpyxl's worksheet parser (3.1) for the rows alone, keeping nothing once a row is read."""
    from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse

    book = sheet.parent

    class RowsOnly(WorkSheetParser):
        def parse(self):
            depth = 0
            root = data = None
            for event, element in iterparse(self.source, events=("start", "end")):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root = element
                    elif depth == 2 and element.tag.endswith("}sheetData"):
                        data = element
                    continue
                depth -= 1
                if element.tag == ROW_TAG and depth == 2:
                    row = self.parse_row(element)
                    self.row_dimensions.clear()
                    data.clear()
                    yield row
                elif depth == 1 and element is not data:
                    root.clear()  # views, formats, validations...: not needed, not kept

    return RowsOnly(source, sheet._shared_strings, data_only=True, epoch=book.epoch,
                    date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)


class CalamineEngine:
    name = "calamine"
    marks_formulas = True  # the error workbook's source copies cells as they are

    def __init__(self, path: Path, survey: Survey):
        self.survey = survey
        self.box = CalamineSandbox(path, memory_mb=settings.PROMO_IMPORT_SANDBOX_MB,
                                   timeout=settings.PROMO_IMPORT_SANDBOX_SECONDS)
        self.sheets = [(sheet.name, sheet.visible) for sheet in self.box.sheets]
        self._last_rows: dict[str, int | None] = {}

    def rows(self, sheet_name: str) -> Iterator[tuple[int, tuple, tuple | None]]:
        return merged_filled(self._rows(sheet_name), self.survey.stats(sheet_name))

    def _rows(self, sheet_name: str) -> Iterator[tuple[int, tuple, tuple | None]]:
        _start, end, rows = self.box.open_sheet(sheet_name)
        self._last_rows[sheet_name] = None if end is None else end[0] + 1
        stats = self.survey.stats(sheet_name)
        errors = stats.errors if stats is not None else {}
        error_rows = {row for row, _column in errors}
        formula_rows = _formula_rows(stats if self.marks_formulas else None)
        try:
            for number, values in rows:
                if number in error_rows:
                    # calamine reads an error cell (#N/A, #DIV/0!) as an empty string.
                    values = tuple(CellError(errors[(number, index)]) if (number, index) in errors else value
                                   for index, value in enumerate(values))
                if number in formula_rows:
                    marked = list(values)
                    _mark_formulas(marked, number, formula_rows[number])
                    values = tuple(marked)
                yield number, values, None
        finally:
            rows.close()

    def last_row(self, sheet_name: str) -> int | None:
        return self._last_rows.get(sheet_name)

    def close(self) -> None:
        self.box.close()


def _formula_rows(stats) -> dict[int, list[int]]:
    """Row -> the 0-based columns of its formula cells without a value (``SheetStats.formulas``)."""
    rows: dict[int, list[int]] = {}
    for row, index in (stats.formulas if stats is not None else ()):
        rows.setdefault(row, []).append(index)
    return rows


def _mark_formulas(values: list, number: int, indexes: list[int]) -> None:
    """Put an ``UncalculatedFormula`` where row ``number`` has a formula without a value (read
    as empty), so the row says so instead of holding an empty cell."""
    for index in indexes:
        if index >= len(values):
            values.extend([None] * (index + 1 - len(values)))
        if values[index] is None or values[index] == "":
            values[index] = UncalculatedFormula(f"{column_letters(index + 1)}{number}")


def open_engine(path: Path, engine: str, survey: Survey):
    if engine not in ENGINES:
        raise ValueError(f"unknown import engine {engine!r}; expected one of {ENGINES}")
    try:
        return (CalamineEngine if engine == "calamine" else OpenpyxlEngine)(path, survey)
    except (FileProblem, SandboxFailed):
        raise
    except Exception:
        # Any parser failure on a file that passed check_file means a damaged workbook.
        raise unreadable("broken") from None


def guarded(iterator):
    """Pass rows through; a parser error halfway through a sheet is a damaged file."""
    try:
        yield from iterator
    except (FileProblem, SandboxFailed):
        raise
    except Exception:
        raise unreadable("broken") from None


def engines_for(survey: Survey, configured: str) -> list[str]:
    """The engines to try, in order: the configured one (openpyxl first for a sparse sheet),
    then openpyxl when calamine cannot read the file within its limits."""
    if configured == "calamine" and not any(stats.sparse for stats in survey.sheets.values()):
        return ["calamine", "openpyxl"]
    return ["openpyxl"]


class WorkbookSource:
    """Every sheet of an uploaded workbook row by row, through the same engines and limits as
    the reader (for the error workbook): ``with WorkbookSource(path) as source:
    for number, values, formats in source.rows(name)``. Raises ``FileProblem`` for a file the
    reader refuses and ``SandboxFailed`` when calamine cannot read it: then
    ``WorkbookSource(path, fallback=True)`` reads it with openpyxl."""

    def __init__(self, path: str | Path, *, fallback: bool = False):
        path = Path(path)
        check_file(path)
        measured = survey(path)
        engines = engines_for(measured, settings.PROMO_IMPORT_ENGINE)
        engine = engines[-1] if fallback else engines[0]
        self._engine = open_engine(path, engine, measured)
        self._engine.marks_formulas = False  # copied as read: the problem marks the cell
        self.engine_name = engine
        self.sheets = [name for name, _state in self._engine.sheets]

    def rows(self, sheet_name: str) -> Iterator[tuple[int, tuple, tuple | None]]:
        return guarded(self._engine.rows(sheet_name))

    def __enter__(self) -> WorkbookSource:
        return self

    def __exit__(self, *exc_info) -> None:
        self._engine.close()
