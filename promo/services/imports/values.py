"""Pure parsers of the cell values a supplier sheet really holds (STYLE.md §12).

Each takes the raw value as the reader gives it (str, int, float, Decimal, date, datetime,
``CellError`` or None) and returns a plain value, None for an empty cell, or raises
``ValueProblem`` carrying an error code of the import contract, and nothing else whatever the
input. No Django models, no database: hypothesis tests them by the thousand.

What is refused rather than guessed (docs/development/import-reader.md):

- an Excel error cell (#N/A, #DIV/0!) anywhere: ``cell_error``;
- an invisible character (a control character other than tab and line breaks, a zero-width
  space or joiner, a bidi mark or override, a soft hyphen, a BOM: Unicode categories Cc and Cf)
  in any cell: ``invisible_char``;
- in numbers, barcodes, dates and N+M, a digit that is not ASCII 0-9 (superscript ², fullwidth
  ３, Arabic-Indic ٣, ½...): ``digit_not_ascii``;
- a number of 10^10 or more (1e308, 10^30): ``price_invalid`` with reason ``too_large``;
- a text longer than its field: ``text_too_long`` (never cut).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from promo.mechanics import FIXED_PRICE, N_PLUS_M, PERCENT, plain_decimal
from promo.rules import nplusm_problem
from suppliers.validators import is_valid_ean


class ValueProblem(ValueError):
    """A cell value that cannot be read; ``code`` is an error code of the import contract and
    ``params`` feed its message (``value`` is the cell as written)."""

    def __init__(self, code: str, params: dict | None = None):
        super().__init__(code)
        self.code = code
        self.params = params or {}


class CellError:
    """An Excel error cell (#N/A, #DIV/0!, #REF!...): not a value, in whatever column."""

    __slots__ = ("text",)

    def __init__(self, text: Any):
        self.text = clean_display(str(text or "").strip())[:64] or "#ERROR"

    def key(self) -> str:
        """What tells two of these apart (the error's text); equal cells of one kind are equal."""
        return self.text

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.key() == self.key()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.key()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key()!r})"

    def params(self) -> dict:
        """The params of its ``cell_error`` problem."""
        return {"value": self.text}


class UncalculatedFormula(CellError):
    """A formula cell saved without its calculated value (written by a script, never opened in
    Excel): both engines read it as empty; the survey finds it (``SheetStats.formulas``)."""

    __slots__ = ("cell",)

    def __init__(self, cell: str):
        super().__init__("")
        self.cell = cell

    def key(self) -> str:
        return self.cell

    def params(self) -> dict:
        return {"cell": self.cell, "reason": "formula"}

    def __str__(self) -> str:
        return self.text


# Longest text a cell can hold in Excel: a longer comment could not be shown or written back.
EXCEL_MAX_TEXT = 32_767
# Numbers from here on are no price, discount or share of anything (and not Decimal-safe).
MAX_NUMBER = Decimal(10) ** 10

# Unicode categories Cc (controls, except tab, line feed, carriage return) and Cf (format:
# zero-width space/joiners, bidi marks/embeddings/overrides/isolates, soft hyphen, BOM...), as of
# Unicode 14 (a test compares it with unicodedata).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)


def clean_display(text: str) -> str:
    """``text`` without invisible characters: for names shown in messages (a sheet title, a
    header as written), never for values."""
    return _INVISIBLE.sub("", text)


def _check_text(text: str) -> None:
    """Refuse a text with an invisible character (see the module docstring)."""
    if (found := _INVISIBLE.search(text)) is not None:
        char = found.group()
        code = f"U+{ord(char):04X}"
        name = unicodedata.name(char, "")
        raise ValueProblem("invisible_char", {"value": clean_display(text).strip(),
                                              "char": f"{code} {name}".strip()})


def _check_digits(text: str) -> None:
    """Refuse a digit that is not ASCII 0-9 in a number, a barcode, a date or N+M."""
    if text.isascii():
        return
    for char in text:
        if char.isnumeric() and not "0" <= char <= "9":
            raise ValueProblem("digit_not_ascii", {"value": text.strip(), "char": char})


def _check_number_text(raw: str) -> None:
    _check_text(raw)
    _check_digits(raw)


# A lone dash is how people write "nothing" in a sheet.
_EMPTY_MARKS = {"", "-", "–", "—"}
_GROUPING = re.compile(r"[\s'’_]+")
_CURRENCY = re.compile(r"(₽|руб\.?|р\.|rub\.?|rur)$", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_SCIENTIFIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)e[+-]?\d+$", re.IGNORECASE)


def _shown(raw: Any) -> str:
    """The cell as the user wrote it, for messages."""
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e16:
        return str(int(raw))
    if isinstance(raw, int) and not isinstance(raw, bool) and raw.bit_length() > 64:
        return format(Decimal(raw), ".6E")
    return str(raw).strip()


def parse_text(raw: Any, *, max_length: int | None = None) -> str | None:
    """Text of a cell, stripped; None when empty. Numbers come back as written (15.0 -> "15"),
    dates as dd.mm.yyyy. Text that looks like a formula ("=A1") is kept as text, never run.
    Raises ``invisible_char``, ``cell_error``, and ``text_too_long`` above ``max_length``."""
    if raw is None:
        return None
    if isinstance(raw, str):
        _check_text(raw)
        text = raw.strip()
        if max_length is not None and len(text) > max_length:
            raise ValueProblem("text_too_long", {"length": len(text), "max": max_length})
        return text or None
    if isinstance(raw, CellError):
        raise ValueProblem("cell_error", raw.params())
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if isinstance(raw, Decimal):
        return format(raw, "f")
    if isinstance(raw, datetime):
        return raw.strftime("%d.%m.%Y %H:%M") if raw.time() != time(0) else raw.strftime("%d.%m.%Y")
    if isinstance(raw, date):
        return raw.strftime("%d.%m.%Y")
    return str(raw).strip() or None


def _number(raw: Any, code: str) -> tuple[Decimal | None, bool]:
    """The number in a cell and whether it was written with a % sign."""
    if raw is None:
        return None, False
    if isinstance(raw, CellError):
        raise ValueProblem("cell_error", raw.params())
    if isinstance(raw, bool):
        raise ValueProblem(code, {"value": str(raw)})
    if isinstance(raw, int):
        return _bounded(Decimal(raw), raw, code), False
    if isinstance(raw, float | Decimal):
        value = Decimal(repr(raw)) if isinstance(raw, float) else raw
        if not value.is_finite():
            raise ValueProblem(code, {"value": _shown(raw)})
        return _bounded(value, raw, code), False
    if not isinstance(raw, str):
        raise ValueProblem(code, {"value": _shown(raw)})
    _check_number_text(raw)
    text = unicodedata.normalize("NFKC", raw).strip().replace("−", "-")
    if text in _EMPTY_MARKS:
        return None, False
    percent = text.endswith("%")
    text = _CURRENCY.sub("", text.rstrip("%").strip())
    text = _GROUPING.sub("", text)
    text = _decimal_point(text)
    if not _PLAIN_NUMBER.match(text):
        raise ValueProblem(code, {"value": raw.strip()})
    return _bounded(Decimal(text), raw, code), percent


def _bounded(value: Decimal, raw: Any, code: str) -> Decimal:
    if abs(value) >= MAX_NUMBER:
        shown = raw.strip() if isinstance(raw, str) else format(value, "E") if value.adjusted() > 20 else _shown(raw)
        raise ValueProblem(code, {"value": shown[:40], "reason": "too_large"})
    return value


def _decimal_point(text: str) -> str:
    """Make the decimal separator a point: the last of "," and "." when both are used
    ("1.234,50", "1,234.50"); a lone comma is decimal (Russian); repeated ones group thousands.
    Grouped digits must come in threes, so "12,5,3.1" is not a number."""
    commas, points = text.count(","), text.count(".")
    if commas and points:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        whole, _mark, fraction = text.rpartition(decimal_mark)
        return _ungroup(whole, grouping) + "." + fraction
    if commas == 1:
        return text.replace(",", ".")
    if commas > 1:
        return _ungroup(text, ",")
    if points > 1:
        return _ungroup(text, ".")
    return text


def _ungroup(text: str, grouping: str) -> str:
    head, *groups = text.split(grouping)
    sign = head[:1] if head[:1] in "+-" else ""
    if not 1 <= len(head) - len(sign) <= 3 or any(len(group) != 3 for group in groups):
        return "not a number"
    return head + "".join(groups)


def parse_decimal(raw: Any, code: str = "price_invalid") -> Decimal | None:
    """A number from a number or from text such as "1 234,50", "1\\u00a0234.5", " 20 ", "15%",
    "15,5", "199 ₽"; None when empty. Raises ``ValueProblem(code, {"value"})`` otherwise."""
    value, _percent = _number(raw, code)
    return value


def _percent_of(fraction: Decimal) -> Decimal:
    """A fraction as a percentage with the digits it was written with: 0.25 -> 25, 0.155 ->
    15.5, 1 -> 100 (never 1E+2). ``scaleb`` moves the decimal point, so no trailing zeros are
    made up the way ``* 100`` makes them (0.155 * 100 = 15.500)."""
    return plain_decimal(fraction.scaleb(2))


def parse_discount(raw: Any, *, percent_format: bool = False, code: str = "price_invalid") -> Decimal | None:
    """A percentage: 15, "15%", "15,5", " 20 " -> as written. A number in a percent-formatted
    cell is a fraction (0.25 shown as 25 % -> 25); so is any number below 1 written without a
    % sign, which covers percent cells when the engine cannot see number formats. The range is
    not checked here (validation does it). Fits the compensation column as well. Text that is no
    number gives reason ``percent`` (its message asks for a percent, not a price)."""
    try:
        value, explicit_percent = _number(raw, code)
    except ValueProblem as problem:
        if problem.code == code and "reason" not in problem.params:
            problem.params["reason"] = "percent"
        raise
    if value is None:
        return None
    if percent_format and not isinstance(raw, str):
        return _percent_of(value)
    if not explicit_percent and 0 < value < 1:
        return _percent_of(value)
    return value


def parse_ean(raw: Any) -> str | None:
    """The digits of an EAN-13 or EAN-8 written as a number (4648264171614), a float
    (4.6e12), or text with spaces ("467 1784 581236"); None when empty. A leading zero that
    Excel dropped from a number is put back. Raises ``barcode_checksum`` when the length or the
    check digit is wrong."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return _ean_from_text(raw)
    return _ean(raw)


@lru_cache(maxsize=16384)
def _ean_from_text(raw: str) -> str | None:
    # A bulk sheet repeats each product in many promos: the text of an EAN is parsed once.
    return _ean(raw)


def _ean(raw: Any) -> str | None:
    numeric = not isinstance(raw, str)
    if isinstance(raw, CellError):
        raise ValueProblem("cell_error", raw.params())
    if isinstance(raw, bool):
        raise ValueProblem("barcode_checksum", {"value": str(raw), "reason": "length"})
    if isinstance(raw, int):
        if raw.bit_length() > 64:
            raise ValueProblem("barcode_checksum", {"value": "…", "reason": "length"})
        digits = str(raw)
    elif isinstance(raw, float | Decimal):
        value = Decimal(repr(raw)) if isinstance(raw, float) else raw
        if not value.is_finite() or value.adjusted() > 13 or value != value.to_integral_value():
            raise ValueProblem("barcode_checksum", {"value": _shown(raw)[:40], "reason": "length"})
        digits = str(int(value))
    elif isinstance(raw, str):
        _check_number_text(raw)
        text = re.sub(r"[\s\-]+", "", unicodedata.normalize("NFKC", raw))
        if not text:
            return None
        if _SCIENTIFIC.match(text.replace(",", ".")):
            value = Decimal(text.replace(",", "."))
            numeric = True
            if value.adjusted() > 13:
                raise ValueProblem("barcode_checksum", {"value": raw.strip()[:40], "reason": "length"})
            digits = str(int(value)) if value == value.to_integral_value() else text
        else:
            digits = text
    else:
        raise ValueProblem("barcode_checksum", {"value": _shown(raw), "reason": "length"})
    shown = digits if numeric else raw.strip()
    if not (digits.isascii() and digits.isdigit()):
        raise ValueProblem("barcode_checksum", {"value": shown, "reason": "length"})
    padded = False
    if numeric and len(digits) < 13:
        # A number loses its leading zeros: put them back to the nearest EAN length.
        digits, padded = digits.zfill(8 if len(digits) <= 8 else 13), len(digits) not in (8, 13)
    elif not numeric and len(digits) == 12:
        # Twelve digits of text are a UPC-A, the same code as the EAN-13 with a leading zero.
        digits, padded = "0" + digits, True
    if len(digits) not in (8, 13):
        raise ValueProblem("barcode_checksum", {"value": shown, "reason": "length"})
    if not is_valid_ean(digits):
        # A padded code that still fails was most likely short of a digit, not mistyped.
        raise ValueProblem("barcode_checksum", {"value": shown, **({"reason": "length"} if padded else {})})
    return digits


EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2958465  # 31.12.9999
_TIME_SUFFIX = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DMY = re.compile(r"^(\d{1,2})\s*[./\-]\s*(\d{1,2})\s*[./\-]\s*(\d{4}|\d{2})" + _TIME_SUFFIX + r"$")
_YMD = re.compile(r"^(\d{4})[./\-](\d{1,2})[./\-](\d{1,2})" + _TIME_SUFFIX + r"$")
_D_MONTH_Y = re.compile(r"^(\d{1,2})\s+([^\W\d_]+)\.?\s+(\d{4})(?:\s*г\.?)?$")
_MONTH_NAMES = (
    ("январь", "января", "янв", "january", "jan"),
    ("февраль", "февраля", "фев", "february", "feb"),
    ("март", "марта", "мар", "march", "mar"),
    ("апрель", "апреля", "апр", "april", "apr"),
    ("май", "мая", "may"),
    ("июнь", "июня", "июн", "june", "jun"),
    ("июль", "июля", "июл", "july", "jul"),
    ("август", "августа", "авг", "august", "aug"),
    ("сентябрь", "сентября", "сен", "сент", "september", "sep", "sept"),
    ("октябрь", "октября", "окт", "october", "oct"),
    ("ноябрь", "ноября", "ноя", "november", "nov"),
    ("декабрь", "декабря", "дек", "december", "dec"),
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names}


def _month(word: str) -> int | None:
    return _MONTHS.get(word.casefold())


def _excel_serial(serial: Decimal, raw: Any) -> date:
    if serial.adjusted() > 8:
        raise ValueProblem("date_invalid", {"value": _shown(raw)[:40]})
    whole = int(serial)
    if not 1 <= whole <= _EXCEL_MAX_SERIAL or whole == 60:
        # 60 is 29.02.1900, a day Excel invented (its 1900 leap-year bug).
        raise ValueProblem("date_invalid", {"value": _shown(raw)})
    if whole < 60:
        return EXCEL_EPOCH + timedelta(days=whole + 1)
    return EXCEL_EPOCH + timedelta(days=whole)


def parse_date(raw: Any) -> date | None:
    """A date from a date or datetime cell, an Excel serial number (1900 system), or text:
    dd.mm.yyyy, d.m.yy, dd/mm/yyyy, dd-mm-yyyy, yyyy-mm-dd (a time after it is ignored),
    «1 июня 2027». Day first, as in Russia. Raises ``date_invalid`` for anything else or for a
    day that does not exist (31.02.2027)."""
    if raw is None:
        return None
    if isinstance(raw, CellError):
        raise ValueProblem("cell_error", raw.params())
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        raise ValueProblem("date_invalid", {"value": _shown(raw)})
    if isinstance(raw, int | float | Decimal):
        serial = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        if not serial.is_finite():
            raise ValueProblem("date_invalid", {"value": _shown(raw)})
        return _excel_serial(serial, raw)
    _check_number_text(raw)
    text = unicodedata.normalize("NFKC", raw).strip()
    if text in _EMPTY_MARKS:
        return None
    parts: tuple[int, int, int] | None = None
    if match := _DMY.match(text):
        day, month, year = (int(group) for group in match.groups())
        parts = (year + 2000 if len(match.group(3)) == 2 else year, month, day)
    elif match := _YMD.match(text):
        parts = tuple(int(group) for group in match.groups())
    elif (match := _D_MONTH_Y.match(text)) and (month := _month(match.group(2))):
        parts = (int(match.group(3)), month, int(match.group(1)))
    elif text.isdigit() and len(text) == 5:
        return _excel_serial(Decimal(text), raw)
    if parts is None:
        raise ValueProblem("date_invalid", {"value": raw.strip()})
    try:
        return date(*parts)
    except ValueError:
        raise ValueProblem("date_invalid", {"value": raw.strip()}) from None


_PERCENT_WORDS = {
    "%", "скидка%", "скидка", "скидкав%", "процент", "процентнаяскидка", "скидкапроцент",
    "percent", "percentage", "percent%", "discount", "discount%", "%discount", "percentdiscount",
}
_FIXED_WORDS = {
    "цена", "фиксцена", "фиксированнаяцена", "фикс", "спеццена", "специальнаяцена",
    "ценапоакции", "промоцена", "fixedprice", "fixed", "price", "promoprice", "specialprice",
}
_N_PLUS_M = re.compile(r"^(\d{1,9})\s*\+\s*(\d{1,9})$")
# «3 по цене 2», «3 за 2»: three for the price of two, that is 2+1.
_N_FOR_M = re.compile(r"^(\d{1,9})\s*(?:по\s*цене|за|for(?:\s*the\s*price\s*of)?)\s*(\d{1,9})$")
_MECHANIC_NOISE = re.compile(r"[^\w%+]+|_+", re.UNICODE)


def parse_mechanic(raw: Any) -> tuple[str, int | None, int | None]:
    """(kind, N, M) of a mechanic cell: «Скидка %» / "percent" / "%" -> ("percent", None, None);
    «Цена» / «Фикс. цена» / "fixed price" -> ("fixed_price", None, None); "2+1", "3 + 2",
    «3 по цене 2» -> ("n_plus_m", N, M). Raises ``value_required`` when empty,
    ``nplusm_invalid`` when N or M is below 1 and ``mechanic_unknown`` for anything else."""
    if isinstance(raw, str):
        return _mechanic_from_text(raw)
    return _mechanic(raw)


@lru_cache(maxsize=1024)
def _mechanic_from_text(raw: str) -> tuple[str, int | None, int | None]:
    # A sheet holds a handful of distinct mechanic spellings: each is parsed once.
    return _mechanic(raw)


def _mechanic(raw: Any) -> tuple[str, int | None, int | None]:
    text = parse_text(raw)
    if text is None:
        raise ValueProblem("value_required")
    _check_digits(text)
    shown = " ".join(text.split())
    lowered = unicodedata.normalize("NFKC", shown).casefold().replace("ё", "е")
    for pattern, as_total in ((_N_PLUS_M, False), (_N_FOR_M, True)):
        if match := pattern.match(lowered):
            first, second = int(match.group(1)), int(match.group(2))
            n, m = (second, first - second) if as_total else (first, second)
            problem = nplusm_problem(n, m)
            if problem is not None:
                params = {"value": shown}
                if "reason" in problem.params:
                    params |= {"reason": problem.params["reason"], "max": problem.params["max"]}
                raise ValueProblem(problem.code, params)
            return N_PLUS_M, n, m
    key = _MECHANIC_NOISE.sub("", lowered)
    if key in _PERCENT_WORDS:
        return PERCENT, None, None
    if key in _FIXED_WORDS:
        return FIXED_PRICE, None, None
    raise ValueProblem("mechanic_unknown", {"value": shown})


def parse_quantity(raw: Any) -> int | None:
    """A whole number of units («План, шт»): 1200, "1 200", "1200 шт", 1200.0; None when empty.
    Raises ``ValueProblem("quantity_invalid", {"value"})`` for a fraction, a negative number or
    text."""
    if isinstance(raw, str):
        raw = re.sub(r"\s*(шт\.?|штук|pcs\.?|units?)\s*$", "", raw.strip(), flags=re.IGNORECASE)
    value, percent = _number(raw, "quantity_invalid")
    if value is None:
        return None
    if percent or value < 0 or value != value.to_integral_value() or value > 2_000_000_000:
        raise ValueProblem("quantity_invalid", {"value": _shown(raw)})
    return int(value)
