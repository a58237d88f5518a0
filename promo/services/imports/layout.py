"""What Excel shows of a sheet that its cells alone do not say: cells merged over several rows
(the value is kept in the range's first row only, Excel shows it over the whole range) and
rows hidden by hand or by a filter. The survey (:mod:`.package`) finds both in the bytes it
already scans (:func:`scan_layout`); the engines read a merged value on every row it covers
(:func:`merged_filled`); the reader tells which hidden rows it loaded. Column letters live
here too: every part of the import that names a cell uses them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from promo.services.imports.package import SheetStats

# Merged ranges and hidden rows remembered per sheet (a sheet is refused long before either
# matters beyond this).
MAX_LAYOUT_ITEMS = 10_000

_MERGED = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref=["\']([A-Za-z]{1,3})(\d{1,7}):([A-Za-z]{1,3})(\d{1,7})["\']')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\shidden=["\'](?:1|true)["\'][^>]*>')
_ROW_NUMBER = re.compile(rb'\sr=["\'](\d{1,12})["\']')


def column_index(letters: str) -> int:
    """1-based column number of "A", "Z", "AA", "XFD"."""
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def column_letters(number: int) -> str:
    """"A" for 1, "AA" for 27."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def scan_layout(stats: SheetStats, buf: bytes) -> None:
    """Note the merged ranges spanning rows and the hidden rows of a piece of a worksheet part
    (whole elements only, as the survey cuts it)."""
    if b"mergeCell" in buf:
        for first_col, first_row, last_col, last_row in _MERGED.findall(buf):
            top, bottom = sorted((int(first_row), int(last_row)))
            if top < bottom and len(stats.merged) < MAX_LAYOUT_ITEMS:
                left, right = sorted((column_index(first_col.decode()) - 1, column_index(last_col.decode()) - 1))
                stats.merged.append((top, bottom, left, right))
    if b"hidden=" in buf:
        for tag in _HIDDEN_ROW.findall(buf):
            number = _ROW_NUMBER.search(tag)
            if number is not None and len(stats.hidden_rows) < MAX_LAYOUT_ITEMS:
                stats.hidden_rows.add(int(number.group(1)))


def merged_filled(rows: Iterator[tuple[int, tuple, tuple | None]], stats) -> Iterator[tuple[int, tuple, tuple | None]]:
    """``rows`` with the cells of a merged range (``SheetStats.merged``) below its first row
    holding what that row holds in the range's columns (value and number format). Blank rows
    stay skipped: a row is never made non-blank by a merge alone."""
    ranges = sorted(stats.merged) if stats is not None else []
    if not ranges:
        yield from rows
        return
    pending = 0  # ranges[pending:] start below the rows seen
    active: list[tuple[int, int, int, list, list | None]] = []  # (last row, left, right, values, formats)
    for number, values, formats in rows:
        while pending < len(ranges) and ranges[pending][0] < number:
            pending += 1  # its first row holds nothing: nothing to show below it
        active = [item for item in active if item[0] >= number]
        if active:
            values, formats = _filled(values, formats, active)
        while pending < len(ranges) and ranges[pending][0] == number:
            _top, last, left, right = ranges[pending]
            pending += 1
            active.append((last, left, right, _span(values, left, right), _span(formats, left, right)))
        yield number, values, formats


def _span(cells: tuple | None, left: int, right: int) -> list | None:
    if cells is None:
        return None
    return [cells[index] if index < len(cells) else None for index in range(left, right + 1)]


def _filled(values: tuple, formats: tuple | None, active: list) -> tuple[tuple, tuple | None]:
    values, formats = list(values), None if formats is None else list(formats)
    for _last, left, right, top_values, top_formats in active:
        if len(values) <= right:
            values.extend([None] * (right + 1 - len(values)))
            if formats is not None:
                formats.extend([None] * (right + 1 - len(formats)))
        for index in range(left, right + 1):
            if (values[index] is None or values[index] == "") and top_values[index - left] is not None:
                values[index] = top_values[index - left]
                if formats is not None and top_formats is not None:
                    formats[index] = top_formats[index - left]
    return tuple(values), None if formats is None else tuple(formats)
