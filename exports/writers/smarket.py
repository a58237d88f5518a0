"""S-Market: ``smarket_promo_<YYYYMMDD>_<NN>.csv`` (erp-formats.md §3, a designed flat file).
windows-1251 (``SMARKET_ENCODING``), ``;``, CRLF, header row, decimal comma (``SMARKET_DECIMAL``),
dates dd.mm.yyyy; fields holding ``;``, ``"`` or line breaks are quoted. Characters the encoding
cannot hold become ``?`` and are listed as warnings. One record = promo × store × article, sorted
PROMO_CODE, STORE_ID (numeric), ARTICLE.

With ``SMARKET_FORMAT=set10`` the Set Retail writer produces the S-Market file instead
(see :func:`exports.writers.writers_for`)."""

from __future__ import annotations

import codecs

from django.conf import settings
from django.utils.translation import gettext as _

from exports.selection import FIX, NM, PCT, LineRecord, PromoRecord, Selection, promo_branch_product
from exports.writers.base import FileSink, Writer, WriteResult, two_decimals

COLUMNS = ("ACTION", "PROMO_CODE", "REVISION", "PROMO_NAME", "MECHANIC", "STORE_ID", "ARTICLE", "EAN",
           "DATE_FROM", "DATE_TO", "REGULAR_PRICE", "DISCOUNT_PCT", "PROMO_PRICE", "N", "M", "SUPPLIER_INN",
           "COMPENSATION_PCT")
NAME_LENGTH = 100
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
            raise ValueError(_("SMARKET_ENCODING: неизвестная кодировка «{value}».").format(
                value=self.encoding)) from exc

    def write(self, selection: Selection, sink: FileSink, result: WriteResult) -> None:
        promos = selection.promos
        coded = selection.coded("smarket", promos)
        result.warnings += coded.warnings
        self._warnings = result.warnings

        write = sink.write
        write((";".join(COLUMNS) + NEWLINE).encode(self.encoding))
        tails: dict[LineRecord, bytes] = {}
        stores: dict[int, bytes] = {}
        records = 0
        last_promo = None
        head = b""
        for promo, store, line in promo_branch_product(promos, coded):
            if promo is not last_promo:
                last_promo = promo
                head = self._head(promo)
                result.promo_ids.add(promo.pk)
                result.lines += len(promo.lines)
            tail = tails.get(line)
            if tail is None:
                tail = tails[line] = self._tail(promo, line)
            store_part = stores.get(store)
            if store_part is None:
                store_part = stores[store] = f"{store};".encode(self.encoding)
            write(head + store_part + tail)
            records += 1
        result.records = records
        result.promos = len(result.promo_ids)

    def _head(self, promo: PromoRecord) -> bytes:
        fields = [
            "D" if promo.deleted else "A",
            self._text(promo.code, promo, "PROMO_CODE"),
            str(promo.revision),
            self._text(promo.name[:NAME_LENGTH], promo, "PROMO_NAME"),
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
            number(line.compensation),
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
            self._warnings.append(
                _("Промо {code}, {column}: символы {chars} не представимы в {encoding} и заменены на «?».").format(
                    code=promo.code, column=column, chars=" ".join(lost), encoding=self.encoding))
        if any(char in value for char in ';"\r\n'):
            value = '"' + value.replace('"', '""') + '"'
        return value


def _encodable(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True
