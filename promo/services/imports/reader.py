"""Streaming reader of an uploaded promo sheet.

Before any engine runs, ``check_file`` looks at the bytes and the zip directory and ``survey``
inflates every part once and measures the sheets (promo/services/imports/package.py).

``SheetReader`` then finds the sheet with the promo table, says which one it read and refuses
ambiguity (two visible sheets with a table; a table only on a hidden sheet), and yields one
``SheetRow`` per non-blank row to the end of the sheet (a run of blank rows never ends it),
counting rows itself against ``PROMO_UPLOAD_MAX_ROWS`` and columns against
``PROMO_UPLOAD_MAX_COLUMNS``.

Two engines (``PROMO_IMPORT_ENGINE``): python-calamine (the default, several times faster, see
docs/development/import-reader.md), run in a child process with a memory limit
(promo/services/imports/sandbox.py), and openpyxl read-only (slower, streams in flat memory, and
sees number formats, so it can tell a percent-formatted cell). A file calamine cannot read within
its limits is read with openpyxl, from where calamine stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.conf import settings

from promo.services.imports.engines import ENGINES, WorkbookSource, engines_for, guarded, open_engine
from promo.services.imports.headers import HEADER_SEARCH_ROWS, HeaderMap, scan_header
from promo.services.imports.layout import column_letters
from promo.services.imports.package import check_file, survey, unreadable
from promo.services.imports.problems import FileProblem, Problem, list_params
from promo.services.imports.sandbox import SandboxFailed
from promo.services.imports.values import clean_display

__all__ = ["ENGINES", "SheetReader", "SheetRow", "WorkbookSource", "check_file"]

_VISIBLE = "visible"


# --- reader ------------------------------------------------------------------------------------


@dataclass
class SheetRow:
    """One non-blank data row: raw values by field, as the engine read them."""

    row: int
    cells: dict[str, Any]
    # field -> the cell had a % number format (only where the engine can tell; else empty).
    percent_format: dict[str, bool] = field(default_factory=dict)


def _percent_format(columns: dict[str, int], values: tuple, formats: tuple) -> dict[str, bool]:
    """field -> the cell holds a number in a percent-formatted cell."""
    width = len(formats)
    return {name: index < width and isinstance(values[index], int | float) and "%" in (formats[index] or "")
            for name, index in columns.items()}


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _Probe:
    """What the first rows of one sheet hold."""

    name: str
    state: str
    header: HeaderMap | None = None
    has_data: bool = False
    rows: Iterator | None = None  # the open row stream (the last probed sheet only)
    head: list = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.header is not None and not self.header.missing

    @property
    def title(self) -> str:
        return clean_display(self.name)


class SheetReader:
    """Streams the data rows of an uploaded promo sheet.

    ``with SheetReader(path) as reader: for row in reader: ...``. Opening checks the file,
    picks the sheet with the promo table and makes sure there is at least one data row; it
    raises ``FileProblem`` (file_unreadable, header_missing, header_duplicate, file_empty,
    sheet_hidden, sheets_ambiguous) otherwise. ``warnings`` holds sheet-level warnings (a hidden
    sheet with a table that was not read). The iteration raises ``FileProblem``
    (file_unreadable) when the rows or columns exceed the caps. A reader is read once."""

    def __init__(self, path: str | Path, *, engine: str | None = None):
        self.path = Path(path)
        self.engine_name = engine or settings.PROMO_IMPORT_ENGINE
        if self.engine_name not in ENGINES:
            raise ValueError(f"unknown import engine {self.engine_name!r}; expected one of {ENGINES}")
        self.header: HeaderMap
        self.sheet_title: str = ""
        self.rows_total: int | None = None
        self.warnings: list[Problem] = []
        self._rows: Iterator[SheetRow] | None = None
        self._engine = None
        check_file(self.path)
        self.survey = survey(self.path)
        first, *then = engines_for(self.survey, self.engine_name)
        try:
            try:
                self._start(first)
            except SandboxFailed:
                if not then:
                    raise unreadable("broken") from None
                self._fall_back()
                self._start(then[0])
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> SheetReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self._rows is not None:
            close = getattr(self._rows, "close", None)
            if close is not None:
                close()
            self._rows = None
        self._close_engine()

    def _close_engine(self) -> None:
        if self._engine is not None:
            engine, self._engine = self._engine, None
            engine.close()

    def _fall_back(self) -> None:
        self._close_engine()
        self.warnings = []

    def __iter__(self) -> Iterator[SheetRow]:
        if self._rows is None:
            raise RuntimeError("SheetReader is closed or already read")
        rows, self._rows = self._rows, None
        return rows

    # --- choosing the sheet -----------------------------------------------------------------------

    def _start(self, engine_name: str) -> None:
        self._engine = open_engine(self.path, engine_name, self.survey)
        chosen = self._choose(self._probe_all())
        self.header, self.sheet_title = chosen.header, chosen.name
        self._check_duplicates(chosen)
        last_row = self._guarded_call(self._engine.last_row, chosen.name)
        self.rows_total = None if last_row is None else max(0, last_row - chosen.header.row)
        if chosen.rows is None:  # another sheet was probed after it: read it again
            chosen.rows, chosen.head = self._raw_rows(chosen.name), []
        pending = [item for item in chosen.head if item[0] > chosen.header.row]
        rows = self._data_rows(chosen.name, pending, chosen.rows, skip_to=chosen.header.row)
        first = next(rows, None)
        if first is None:
            raise FileProblem(Problem("file_empty", 0))
        self._rows = self._then(first, rows)

    @staticmethod
    def _then(first: SheetRow, rows: Iterator[SheetRow]) -> Iterator[SheetRow]:
        yield first
        yield from rows

    def _probe_all(self) -> list[_Probe]:
        """Probe every sheet holding values; the first visible one last, so that (as almost
        always) the sheet read is the one still open."""
        sheets = [(name, state) for name, state in self._engine.sheets
                  if (stats := self.survey.stats(name)) is None or stats.cells]
        visible = [index for index, (_name, state) in enumerate(sheets) if state == _VISIBLE]
        if visible:
            sheets.append(sheets.pop(visible[0]))
        probes = []
        for name, state in sheets:
            for probe in probes:
                if probe.rows is not None:
                    probe.rows.close()  # before the next sheet is opened: one sheet at a time
                    probe.rows = None
            probes.append(self._probe(name, state))
        order = {name: index for index, (name, _state) in enumerate(self._engine.sheets)}
        return sorted(probes, key=lambda probe: order.get(probe.name, 0))

    def _probe(self, name: str, state: str) -> _Probe:
        probe = _Probe(name=name, state=state)
        rows = self._raw_rows(name)
        for item in rows:
            probe.head.append(item)
            if item[0] >= HEADER_SEARCH_ROWS:
                break
        probe.header = scan_header((number, values) for number, values, _formats in probe.head
                                   if number <= HEADER_SEARCH_ROWS)
        if probe.complete:
            columns = probe.header.columns.values()
            probe.has_data = any(number > probe.header.row and self._has_data(values, columns)
                                 for number, values, _percent in probe.head)
            if not probe.has_data:
                # Blank rows after the header are passed over (kept: none), up to the first data row.
                for item in rows:
                    if self._has_data(item[1], columns):
                        probe.head.append(item)
                        probe.has_data = True
                        break
            probe.rows = rows
        else:
            rows.close()
        return probe

    @staticmethod
    def _has_data(values: tuple, columns) -> bool:
        width = len(values)
        return any(index < width and not _is_blank(values[index]) for index in columns)

    def _choose(self, probes: list[_Probe]) -> _Probe:
        tables = [probe for probe in probes if probe.complete and probe.has_data]
        visible = [probe for probe in tables if probe.state == _VISIBLE]
        hidden = [probe for probe in tables if probe.state != _VISIBLE]
        if len(visible) > 1:
            raise FileProblem(Problem("sheets_ambiguous", 0, params=list_params("sheets", [p.title for p in visible])))
        if visible:
            for probe in hidden:
                self.warnings.append(Problem("sheet_hidden_skipped", 0, params={
                    "sheet": probe.title, "read": visible[0].title}))
            return visible[0]
        if hidden:
            raise FileProblem(Problem("sheet_hidden", 0, params=list_params("sheets", [p.title for p in hidden])))
        if any(probe.complete for probe in probes):
            raise FileProblem(Problem("file_empty", 0))
        if not any(probe.header is not None for probe in probes) and not any(not _is_blank(value) for probe in probes
                                      for _n, values, _p in probe.head for value in values):
            raise FileProblem(Problem("file_empty", 0, params={"reason": "no_sheets"}))
        best = max(((probe.header, probe.name) for probe in probes if probe.header is not None),
                   key=lambda pair: len(pair[0].columns), default=(HeaderMap(row=1), probes[0].name if probes else ""))
        # "sheet" tells the error workbook where the row is.
        raise FileProblem(Problem("header_missing", best[0].row, params={
            "missing": best[0].missing_labels(), "sheet": best[1]}))

    @staticmethod
    def _check_duplicates(chosen: _Probe) -> None:
        header = chosen.header
        if header.duplicates:
            name, indexes = next(iter(header.duplicates.items()))
            raise FileProblem(Problem("header_duplicate", header.row, header.titles[name], params={
                "columns": [column_letters(index + 1) for index in indexes], "sheet": chosen.name}))

    # --- rows ---------------------------------------------------------------------------------------

    def _raw_rows(self, sheet_name: str):
        return guarded(self._engine.rows(sheet_name))

    def _data_rows(self, sheet_name: str, pending: list, raw_rows, *, skip_to: int) -> Iterator[SheetRow]:
        columns = self.header.columns
        names, indexes = tuple(columns), tuple(columns.values())
        reach = max(indexes, default=-1) + 1
        # The mapped cells of a row that reaches every mapped column, in one C call.
        pick = itemgetter(*indexes) if len(indexes) > 1 else None
        limit = settings.PROMO_UPLOAD_MAX_ROWS
        cap = settings.PROMO_UPLOAD_MAX_COLUMNS
        count = 0
        last = skip_to
        stats = self.survey.stats(sheet_name)
        hidden, loaded_hidden = (stats.hidden_rows if stats is not None else set()), []
        stream = iter(pending)
        while True:
            try:
                for number, values, formats in stream:
                    if number <= last:
                        continue
                    last = number
                    width = len(values)
                    if width > cap and any(value is not None for value in values[cap:]):
                        far = cap + next(index for index, value in enumerate(values[cap:]) if value is not None)
                        raise unreadable("too_many_columns", sheet=clean_display(sheet_name),
                                         cell=f"{column_letters(far + 1)}{number}", max=cap)
                    if pick is not None and width >= reach:
                        cells = dict(zip(names, pick(values), strict=True))
                    else:
                        cells = {name: values[index] if index < width else None for name, index in columns.items()}
                    if all(_is_blank(value) for value in cells.values()):
                        continue
                    count += 1
                    if count > limit:
                        raise unreadable("too_many_rows", max_rows=limit)
                    if number in hidden:
                        loaded_hidden.append(number)
                    yield SheetRow(number, cells, {} if formats is None else _percent_format(columns, values, formats))
                if stream is raw_rows:
                    if loaded_hidden:
                        # Read like the others (a hidden row is still the supplier's), but said.
                        self.warnings.append(Problem("rows_hidden_loaded", 0, params=list_params("rows", loaded_hidden)))
                    return
                stream = raw_rows
            except SandboxFailed:
                # calamine gave up halfway (time, memory): go on with openpyxl after the last row.
                self._close_engine()
                self._engine = open_engine(self.path, "openpyxl", self.survey)
                stream = raw_rows = self._raw_rows(sheet_name)

    @staticmethod
    def _guarded_call(function, *args):
        try:
            return function(*args)
        except (FileProblem, SandboxFailed):
            raise
        except Exception:
            raise unreadable("broken") from None
