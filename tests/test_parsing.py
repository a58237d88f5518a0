"""config/parsing.py: ids from query strings and forms."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.parsing import MAX_ID, parse_id


@pytest.mark.parametrize(("value", "expected"), [
    ("123", 123), (" 7 ", 7), (42, 42), ("0", 0), (str(MAX_ID), MAX_ID),
    ("", None), (None, None), ("abc", None), ("-5", None), ("1.5", None), ("²", None), ("١٢", None),
    ("１２", None), (str(MAX_ID + 1), None), ("9" * 40, None),
])
def test_parse_id(value, expected):
    assert parse_id(value) == expected


@given(st.text())
def test_any_text_is_an_id_or_none_never_an_error(text):
    value = parse_id(text)
    assert value is None or (0 <= value <= MAX_ID and value == int(text.strip()) and text.strip().isascii())
