"""Value parsers: the messy cells of the sample workbooks, and hypothesis properties."""

import contextlib
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promo.services.imports.values import (
    EXCEL_EPOCH,
    CellError,
    ValueProblem,
    parse_date,
    parse_decimal,
    parse_discount,
    parse_ean,
    parse_mechanic,
    parse_text,
)
from suppliers.validators import ean_check_digit


def problem_of(function, *args, **kwargs) -> tuple[str, dict]:
    with pytest.raises(ValueProblem) as raised:
        function(*args, **kwargs)
    return raised.value.code, raised.value.params


# --- unit cases from s003_messy_valid / s003_messy_errors ---------------------------------------

@pytest.mark.parametrize("raw, expected", [
    (None, None), ("", None), ("   ", None), ("  Летняя распродажа ", "Летняя распродажа"),
    ("A100102", "A100102"), (100102, "100102"), (100102.0, "100102"), (15.5, "15.5"),
    (Decimal("15.50"), "15.50"), (date(2027, 6, 1), "01.06.2027"), (datetime(2027, 6, 1), "01.06.2027"),
    ("=HYPERLINK(\"http://evil\")", "=HYPERLINK(\"http://evil\")"), ("+7 913 000-00-00", "+7 913 000-00-00"),
])
def test_parse_text(raw, expected):
    assert parse_text(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    (None, None), ("", None), (" - ", None), (15, Decimal(15)), (319.9, Decimal("319.9")),
    (Decimal("1.5"), Decimal("1.5")), ("210,90", Decimal("210.90")), ("1 234,50", Decimal("1234.50")),
    ("1\u00a0234.5", Decimal("1234.5")), ("1,234,567.5", Decimal("1234567.5")), ("-1.234,5", Decimal("-1234.5")), ("1\u202f234,5", Decimal("1234.5")), (" 20 ", Decimal(20)),
    ("15%", Decimal(15)), ("15,5", Decimal("15.5")), ("1.234,50", Decimal("1234.50")),
    ("1,234.50", Decimal("1234.50")), ("1 234 567", Decimal(1234567)), ("199 ₽", Decimal(199)),
    ("199,90 руб.", Decimal("199.90")), ("−5", Decimal(-5)),
])
def test_parse_decimal(raw, expected):
    assert parse_decimal(raw) == expected


@pytest.mark.parametrize("raw", ["пятнадцать", "12,5,3.1", "1.2.3,4", True, float("nan"), "15 % 3", date(2027, 1, 1)])
def test_parse_decimal_rejects_with_the_callers_code(raw):
    assert problem_of(parse_decimal, raw, code="price_invalid")[0] == "price_invalid"
    assert problem_of(parse_decimal, raw, code="discount_out_of_range")[0] == "discount_out_of_range"


def test_parse_decimal_names_the_value_as_written():
    assert problem_of(parse_decimal, " двести ")[1] == {"value": "двести"}


@pytest.mark.parametrize("raw, percent_format, expected", [
    (15, False, Decimal(15)), (15.0, False, Decimal(15)), ("15%", False, Decimal(15)),
    ("15,5", False, Decimal("15.5")), (" 20 ", False, Decimal(20)),
    (0.25, True, Decimal(25)),  # s003_messy_valid: 0.25 in a cell formatted 0%
    (0.25, False, Decimal(25)),  # the same cell read by an engine that cannot see formats
    (0.155, True, Decimal("15.5")), ("0,3", False, Decimal(30)), ("0.5%", False, Decimal("0.5")),
    (150, False, Decimal(150)), (0, False, Decimal(0)), (None, True, None), ("", False, None),
])
def test_parse_discount(raw, percent_format, expected):
    result = parse_discount(raw, percent_format=percent_format)
    assert result == expected
    if result is not None:
        assert "E" not in str(result)


@pytest.mark.parametrize("raw, expected", [
    ("4614155800444", "4614155800444"), (4648264171614, "4648264171614"),
    (4648264171614.0, "4648264171614"), ("467 1784 581236", "4671784581236"),
    (" 4637645446786 ", "4637645446786"), ("4600000000000", None), (4.6e12, None),
    ("40123455", "40123455"), (None, None), ("", None),
])
def test_parse_ean(raw, expected):
    if expected is None and raw not in (None, ""):
        # 4600000000000 has a wrong check digit: still parsed as digits, then refused
        assert problem_of(parse_ean, raw) == ("barcode_checksum", {"value": "4600000000000"})
    else:
        assert parse_ean(raw) == expected


def test_parse_ean_float_keeps_every_digit():
    body = "460000000000"
    valid = body + str(ean_check_digit(body))
    assert parse_ean(float(valid)) == valid == parse_ean(4.6e12 + int(valid[-1]))


def test_parse_ean_puts_back_a_leading_zero_excel_dropped():
    body = "012345678901"
    ean = body[:12] + str(ean_check_digit(body[:12]))
    assert parse_ean(int(ean)) == ean


@pytest.mark.parametrize("raw, reason", [
    ("4602629073785", None), ("4602629073786", None),  # wrong check digit
    ("460262907370", "length"), ("46026290737", "length"), ("46026290737851", "length"), ("46O2629073785", "length"),
    (4.6e12 + 0.5, "length"),
])
def test_parse_ean_refuses_bad_barcodes(raw, reason):
    code, params = problem_of(parse_ean, raw)
    assert code == "barcode_checksum"
    assert params.get("reason") == reason


@pytest.mark.parametrize("raw", [
    date(2027, 6, 1), datetime(2027, 6, 1, 0, 0), datetime(2027, 6, 1, 13, 45), "01.06.2027",
    "1.6.2027", "01/06/2027", "2027-06-01", "1.6.27", "01.06.2027 0:00:00", "2027-06-01T00:00:00",
    "01-06-2027", " 01.06.2027 ", "1 июня 2027", "1 июня 2027 г.", "1 Jun 2027", (date(2027, 6, 1) - EXCEL_EPOCH).days,
    float((date(2027, 6, 1) - EXCEL_EPOCH).days) + 0.5, "46539",
])
def test_parse_date_spellings(raw):
    assert parse_date(raw) == date(2027, 6, 1)


@pytest.mark.parametrize("raw", ["31.02.2027", "32.01.2027", "01.13.2027", "завтра", "2027", True, 0, -5, "1 мартобря 2027"])
def test_parse_date_refuses(raw):
    assert problem_of(parse_date, raw)[0] == "date_invalid"


def test_parse_date_names_the_value():
    assert problem_of(parse_date, "31.02.2027") == ("date_invalid", {"value": "31.02.2027"})


@pytest.mark.parametrize("raw, expected", [
    ("Скидка %", ("percent", None, None)), ("скидка %", ("percent", None, None)),
    ("СКИДКА %", ("percent", None, None)), ("percent", ("percent", None, None)), ("%", ("percent", None, None)),
    ("Цена", ("fixed_price", None, None)), ("Фикс. цена", ("fixed_price", None, None)),
    ("Фиксированная цена", ("fixed_price", None, None)), ("fixed price", ("fixed_price", None, None)),
    ("fixed_price", ("fixed_price", None, None)), ("2+1", ("n_plus_m", 2, 1)), ("3 + 2", ("n_plus_m", 3, 2)),
    ("1+1", ("n_plus_m", 1, 1)), ("3 по цене 2", ("n_plus_m", 2, 1)),
])
def test_parse_mechanic(raw, expected):
    assert parse_mechanic(raw) == expected


@pytest.mark.parametrize("raw, code", [
    ("Подарок", "mechanic_unknown"), ("2-1", "mechanic_unknown"), ("0+1", "nplusm_invalid"),
    ("2+0", "nplusm_invalid"), ("2 по цене 2", "nplusm_invalid"), (None, "value_required"), ("  ", "value_required"),
])
def test_parse_mechanic_refuses(raw, code):
    assert problem_of(parse_mechanic, raw)[0] == code


def test_unknown_mechanic_names_the_value():
    assert problem_of(parse_mechanic, " Подарок ") == ("mechanic_unknown", {"value": "Подарок"})


# --- properties ----------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


def spelled(value: Decimal, group: str, point: str, suffix: str) -> str:
    whole, _dot, fraction = format(value, "f").partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return group.join(groups) + (point + fraction if fraction else "") + suffix


@given(amounts, st.sampled_from(["", " ", "\u00a0", "\u202f"]), st.sampled_from([",", "."]),
       st.sampled_from(["", "%", " %"]), st.sampled_from(["", "  "]))
def test_decimal_round_trips_through_its_spellings(value, group, point, suffix, padding):
    text = padding + spelled(value, group, point, suffix) + padding
    assert parse_decimal(text) == value


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-9.99e9, max_value=9.99e9))
def test_any_float_cell_parses_to_the_same_number(value):
    assert float(parse_decimal(value)) == value


@given(st.one_of(st.floats(min_value=1e10, allow_infinity=False), st.floats(max_value=-1e10, allow_infinity=False),
                 st.integers(min_value=10**10)))
def test_a_number_of_ten_billion_or_more_is_too_large_never_a_decimal_error(value):
    # 1e308 or 10^30 in a price cell: a clear refusal, not decimal.InvalidOperation later on
    code, params = problem_of(parse_decimal, value)
    assert (code, params["reason"]) == ("price_invalid", "too_large")


@given(st.integers(min_value=1, max_value=99))
def test_discount_in_every_spelling(percent):
    assert parse_discount(percent) == percent
    assert parse_discount(f"{percent}%") == percent
    assert parse_discount(f" {percent} ") == percent
    assert parse_discount(percent / 100, percent_format=True) == percent
    assert parse_discount(percent / 100) == percent


def eans():
    bodies = st.one_of(st.text("0123456789", min_size=12, max_size=12), st.text("0123456789", min_size=7, max_size=7))
    return bodies.map(lambda body: body + str(ean_check_digit(body)))


@given(eans(), st.sampled_from(["", " "]))
def test_valid_ean_always_parses(ean, separator):
    assert parse_ean(ean) == ean
    assert parse_ean(separator.join([ean[:1], ean[1:7], ean[7:]])) == ean
    if ean[0] != "0" or len(ean) == 13 and ean[1] != "0":
        # a number cell keeps no leading zero; one dropped zero of an EAN-13 is put back
        assert parse_ean(int(ean)) == ean
        assert parse_ean(float(ean)) == ean


@given(eans(), st.data())
def test_one_changed_digit_never_parses(ean, data):
    position = data.draw(st.integers(min_value=0, max_value=len(ean) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != ean[position]]))
    changed = ean[:position] + digit + ean[position + 1:]
    assert problem_of(parse_ean, changed)[0] == "barcode_checksum"


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_dates_in_every_spelling(day):
    spellings = [
        day, datetime.combine(day, datetime.min.time()), day.strftime("%d.%m.%Y"), day.strftime("%d/%m/%Y"),
        day.strftime("%Y-%m-%d"), f"{day.day}.{day.month}.{day.year}", (day - EXCEL_EPOCH).days,
        float((day - EXCEL_EPOCH).days),
    ]
    if day.year >= 2000:
        spellings.append(f"{day.day}.{day.month}.{day.strftime('%y')}")
    for spelling in spellings:
        assert parse_date(spelling) == day, spelling


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_a_day_past_the_end_of_the_month_is_invalid(day):
    next_month = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    past_end = (next_month - timedelta(days=1)).day + 1
    if past_end <= 31:
        assert problem_of(parse_date, f"{past_end:02d}.{day.month:02d}.{day.year}")[0] == "date_invalid"


@given(st.integers(min_value=1, max_value=50), st.integers(min_value=1, max_value=50), st.sampled_from(["", " ", "  "]))
def test_n_plus_m_round_trips(n, m, space):
    assert parse_mechanic(f"{n}{space}+{space}{m}") == ("n_plus_m", n, m)


@given(st.integers(min_value=0, max_value=50))
def test_n_or_m_below_one_is_invalid(n):
    assert problem_of(parse_mechanic, f"{n}+0")[0] == "nplusm_invalid"
    assert problem_of(parse_mechanic, f"0+{n}")[0] == "nplusm_invalid"


@given(st.text())
def test_text_is_stripped_or_refused_for_an_invisible_character(text):
    try:
        result = parse_text(text)
    except ValueProblem as problem:
        # only a control or format character (zero-width, bidi, BOM...) is refused
        assert problem.code == "invisible_char"
        assert any(unicodedata.category(char) in ("Cc", "Cf") and char not in "\t\n\r" for char in text)
        return
    assert result is None or (result == result.strip() and result)


@given(st.text())
def test_parsers_only_ever_raise_value_problems(text):
    for parser in (parse_decimal, parse_discount, parse_ean, parse_date, parse_mechanic):
        with contextlib.suppress(ValueProblem):
            parser(text)


def test_a_twelve_digit_text_is_the_upc_a_of_an_ean13():
    assert parse_ean("460262907378") == "0460262907378"


CELL_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10 ** 20, max_value=10 ** 4000),
    st.floats(), st.decimals(allow_nan=True, allow_infinity=True), st.dates(), st.datetimes(), st.text(),
    st.text(alphabet="0123456789²³¹１２٠١٢.,+-eE%₽ \u200b\u202e\x00"), st.builds(CellError, st.text(max_size=10)),
)


@given(CELL_VALUES)
def test_any_cell_value_gives_a_value_or_a_value_problem_never_another_exception(raw):
    # whatever an engine hands over (huge integers, NaN, infinity, errors, odd digits): a parser
    # answers with a value or a ValueProblem, never a crash the upload would show as a 500
    for parser in (parse_decimal, parse_discount, parse_ean, parse_date, parse_mechanic, parse_text):
        with contextlib.suppress(ValueProblem):
            parser(raw)
