"""How many rows of a worksheet part hold a value, read in chunks (promo/services/imports/package.py
asks it only about a file it already refuses, to tell the row limit from too much text: rows
that are only formatted are not the supplier's rows)."""

from __future__ import annotations

import re
import zipfile

CHUNK = 1 << 20

# A row element with its content (None for an empty <row .../>), and a value inside it: a number
# or a shared string's index (<v>), or an inline string's text (<t>).
_ROW_ELEMENT = re.compile(rb"<(?:\w+:)?row\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?row\s*>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?(?:v|t(?:\s[^>]*)?)>[^<]")


def rows_with_data(archive: zipfile.ZipFile, part: str, *, stop_after: int) -> int:
    """How many rows of a worksheet part hold a value (counting stops past ``stop_after``)."""
    count = 0
    tail = b""
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(CHUNK)
            buf = tail + chunk
            cut = len(buf)
            if chunk:  # cut before the last row start, so each row is seen whole
                start, prefixed = buf.rfind(b"<row"), buf.rfind(b":row")
                if prefixed > start:
                    start = buf.rfind(b"<", 0, prefixed)
                if start > 0:
                    cut = start
                elif len(buf) < 16 * CHUNK:
                    tail = buf
                    continue
            for match in _ROW_ELEMENT.finditer(buf, 0, cut):
                body = match.group(1)
                if body and _VALUE.search(body):
                    count += 1
            if count > stop_after or not chunk:
                return count
            tail = buf[cut:]
