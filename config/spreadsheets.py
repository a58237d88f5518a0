"""Text a spreadsheet must not evaluate: the one defence against formula (CSV) injection.

Suppliers and users write promo names, product names and comments; the portal writes them into
CSV files (the ERP exports) and .xlsx files (activity log, template, error workbook). A text that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken for a formula by Excel
or LibreOffice when the file is opened (OWASP, "CSV Injection").

- CSV cells have no type: :func:`csv_text` puts an apostrophe before such a text, as OWASP
  advises (a spreadsheet hides it; a program reading the file sees it as part of the text).
- .xlsx cells have one: :func:`xlsx_text` keeps the text exactly as written, stores it as a
  string cell and sets the quote prefix, so it is shown as typed and never evaluated, not even
  after someone edits the cell.

Every writer of user text calls one of the two; nothing else decides what is formula-like.
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    """A text a spreadsheet would evaluate (or start evaluating) when it opens the file."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_text(value: Any) -> Any:
    """``value`` as it goes into a CSV cell: a formula-like text gets a leading apostrophe;
    anything else (other texts, numbers, dates, None) is returned as it is."""
    return "'" + value if formula_like(value) else value


def xlsx_text(cell):
    """Make an openpyxl cell (a worksheet cell or a ``WriteOnlyCell``) that holds user text
    keep it as text; returns the cell. openpyxl itself turns a string starting with ``=`` into
    a formula cell, so the type is set back to string here."""
    if isinstance(cell.value, str) and (cell.data_type == "f" or formula_like(cell.value)):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
