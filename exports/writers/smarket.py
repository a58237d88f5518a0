"""S-Market: ``smarket_promo_<YYYYMMDD>_<NN>.csv`` (erp-formats.md §3, a designed flat file).
windows-1251 (``SMARKET_ENCODING``), ``;``, CRLF, header row, decimal comma (``SMARKET_DECIMAL``),
dates dd.mm.yyyy; fields holding ``;``, ``"`` or line breaks are quoted. Characters the encoding
cannot hold become ``?`` and are listed as warnings. One record = promo × store × article, sorted
PROMO_CODE, STORE_ID (numeric), ARTICLE; a record key is promo + store + article. Promo names
are formula-safe (``config.spreadsheets.csv_text``: a leading ``=``, ``+``, ``-``, ``@``, tab or
CR gets an apostrophe).

With ``SMARKET_FORMAT=set10`` the Set Retail writer produces the S-Market file instead
(see :func:`exports.writers.writers_for`)."""

from __future__ import annotations

import codecs
from decimal import Decimal

from django.conf import settings

from config.spreadsheets import csv_text
from exports.records import Night, Part, paused_gc, records, tally
from exports.selection import FIX, NM, PCT, LineRecord, PromoRecord
from exports.wording import RunRefused, message
from exports.writers.base import FileSink, Writer, WriteResult, term, two_decimals
from promo.rules import TILL_NAME_MAX

COLUMNS = ("ACTION", "PROMO_CODE", "REVISION", "PROMO_NAME", "MECHANIC", "STORE_ID", "ARTICLE", "EAN",
           "DATE_FROM", "DATE_TO", "REGULAR_PRICE", "DISCOUNT_PCT", "PROMO_PRICE", "N", "M", "SUPPLIER_INN",
           "COMPENSATION_PCT")
NAME_LENGTH = TILL_NAME_MAX
NEWLINE = "\r\n"


class SMarketWriter(Writer):
    system = "smarket"
    kind = "smarket"
    prefix = "smarket_promo"
    extension = "csv"

    def __init__(self, *, encoding: str | None = None, decimal: str | None = None):
        self.encoding = encoding or settings.SMARKET_ENCODING
        self.decimal = settings.SMARKET_DECIMAL if decimal is None else decimal
        try:
            codecs.lookup(self.encoding)
        except LookupError as exc:  # fail the run before any file is opened
            raise RunRefused(message("smarket_encoding", value=self.encoding)) from exc

    def head_terms(self, promo: PromoRecord) -> dict[str, str]:
        return {"revision": str(promo.revision), "name": self._name(promo), "mechanic": promo.mechanic,
                "start": term(promo.start), "end": term(promo.end), "supplier_inn": promo.supplier_inn}

    def line_terms(self, promo: PromoRecord, line: LineRecord) -> dict[str, str]:
        return {"ean": line.ean, "regular_price": term(line.regular_price),
                "discount_percent": term(line.discount_percent) if promo.mechanic == PCT else "",
                "promo_price": term(line.computed_price) if promo.mechanic in (PCT, FIX) else "",
                "n": term(line.n) if promo.mechanic == NM else "", "m": term(line.m) if promo.mechanic == NM else "",
                "compensation": _compensation(line)}

    def write(self, night: Night, sink: FileSink, result: WriteResult) -> None:
        result.warnings += night.warnings
        self._warnings = result.warnings

        write = sink.write
        write((";".join(COLUMNS) + NEWLINE).encode(self.encoding))
        heads: dict[Part, bytes] = {}
        tails: dict[LineRecord, bytes] = {}
        stores: dict[int, bytes] = {}
        records_written = deletions = 0
        last_part = None
        head = b""
        with paused_gc():
            for part, store, line, _key in records(night.parts):
                if part is not last_part:
                    last_part = part
                    head = heads.get(part)
                    if head is None:
                        head = heads[part] = self._head(part.promo)
                tail = tails.get(line)
                if tail is None:
                    tail = tails[line] = self._tail(part.promo, line)
                store_part = stores.get(store)
                if store_part is None:
                    store_part = stores[store] = f"{store};".encode(self.encoding)
                write(head + store_part + tail)
                records_written += 1
        for part in night.parts:
            if part.deleted:
                deletions += part.records
        result.records = records_written
        result.deletions = deletions
        tally(night.parts, result)

    def _name(self, promo: PromoRecord) -> str:
        return (csv_text(promo.name) or "")[:NAME_LENGTH]

    def _head(self, promo: PromoRecord) -> bytes:
        fields = [
            "D" if promo.deleted else "A",
            self._text(promo.code, promo, "PROMO_CODE"),
            str(promo.revision),
            self._text(self._name(promo), promo, "PROMO_NAME"),
            promo.mechanic,
        ]
        return (";".join(fields) + ";").encode(self.encoding)

    def _tail(self, promo: PromoRecord, line: LineRecord) -> bytes:
        number = self._number
        fields = [
            self._text(line.article, promo, "ARTICLE"),
            self._text(line.ean, promo, "EAN"),
            f"{promo.start:%d.%m.%Y}",
            f"{promo.end:%d.%m.%Y}",
            number(two_decimals(line.regular_price)),
            number(two_decimals(line.discount_percent)) if promo.mechanic == PCT and line.discount_percent is not None else "",
            number(two_decimals(line.computed_price))
            if promo.mechanic in (PCT, FIX) and line.computed_price is not None else "",
            str(line.n) if promo.mechanic == NM and line.n is not None else "",
            str(line.m) if promo.mechanic == NM and line.m is not None else "",
            self._text(promo.supplier_inn, promo, "SUPPLIER_INN"),
            number(_compensation(line)),
        ]
        return (";".join(fields) + NEWLINE).encode(self.encoding)

    def _number(self, value: str) -> str:
        return value.replace(".", self.decimal)

    def _text(self, value: str, promo: PromoRecord, column: str) -> str:
        """Quote if needed; replace characters the encoding lacks by ``?`` with a warning."""
        try:
            value.encode(self.encoding)
        except UnicodeEncodeError:
            lost = sorted({char for char in value if not _encodable(char, self.encoding)})
            value = "".join("?" if char in lost else char for char in value)
            warning = message("chars_replaced", code=promo.code, column=column, chars=" ".join(lost),
                              encoding=self.encoding)
            if warning not in self._warnings:  # once per promo and column, not per part of the promo
                self._warnings.append(warning)
        if any(char in value for char in ';"\r\n'):
            value = '"' + value.replace('"', '""') + '"'
        return value


def _compensation(line: LineRecord) -> str:
    """COMPENSATION_PCT: the supplier's percent with 2 decimals (``5`` -> ``5.00``, as every other
    percent and money column), empty when there is none (erp-formats.md §3)."""
    return two_decimals(Decimal(line.compensation)) if line.compensation else ""


def _encodable(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True
