"""Reading ids and counts from query strings and form data, shared by every app.

``str.isdigit()`` is true for characters ``int()`` cannot read («²», «①») and ``int()`` reads
digits of other scripts («١٢», «１２»); an id from a URL is plain ASCII digits or nothing, so
a stray character is ignored (or a form error) instead of a server error."""

from __future__ import annotations

# The largest value of a PostgreSQL bigint: ids and versions beyond it cannot exist.
MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """``"123"`` -> 123; anything that is not a whole number of ASCII digits within the range
    of a database id (empty, «²», «-5», «1.5», ``None``) -> None."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_ID else None
