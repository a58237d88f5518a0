"""INN and EAN check digits: the pure functions and the model field validation."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from suppliers.validators import (
    _INN10_WEIGHTS,
    _INN12_WEIGHTS_1,
    _INN12_WEIGHTS_2,
    _inn_digit,
    ean_check_digit,
    is_valid_ean,
    is_valid_inn,
    validate_ean,
    validate_inn,
)
from tests.factories import ProductFactory, SupplierFactory


def with_inn10_check(body: str) -> str:
    return body + str(_inn_digit(body, _INN10_WEIGHTS))


def with_inn12_checks(body: str) -> str:
    eleven = body + str(_inn_digit(body, _INN12_WEIGHTS_1))
    return eleven + str(_inn_digit(eleven, _INN12_WEIGHTS_2))


def change_digit(value: str, position: int, offset: int) -> str:
    new = str((int(value[position]) + offset) % 10)
    return value[:position] + new + value[position + 1:]


@pytest.mark.parametrize("inn", [
    "7707083893",     # Sberbank
    "7736207543",     # Yandex
    "5428352060",     # S001 of the reference set
    "500100732259",   # a sole trader (12 digits)
])
def test_real_inns_are_valid(inn):
    # given a published INN, when checked, then it is valid
    assert is_valid_inn(inn)
    validate_inn(inn)


@pytest.mark.parametrize("inn, why", [
    ("7707083894", "wrong check digit"),
    ("500100732258", "wrong second check digit"),
    ("500100732249", "wrong first check digit"),
    ("770708389", "9 digits"),
    ("77070838931", "11 digits"),
    ("7707O83893", "a letter O instead of zero"),
    ("77070838 3", "a space"),
    ("", "empty"),
    ("７７０７０８３８９３", "full-width digits"),
])
def test_bad_inns_are_refused_with_a_message(inn, why):
    # given a malformed INN, when validated, then a Russian message says what is expected
    assert not is_valid_inn(inn), why
    with pytest.raises(ValidationError) as error:
        validate_inn(inn)
    assert error.value.code == "inn_invalid"
    assert "ИНН" in error.value.messages[0]


@pytest.mark.parametrize("ean", ["4607001771593", "4614155800444", "96385074", "40170725"])
def test_real_eans_are_valid(ean):
    assert is_valid_ean(ean)
    validate_ean(ean)


@pytest.mark.parametrize("ean, why", [
    ("4607001771594", "wrong check digit"),
    ("96385075", "wrong EAN-8 check digit"),
    ("460700177159", "12 digits"),
    ("46070017715930", "14 digits"),
    ("9638507", "7 digits"),
    ("46070017715A3", "a letter"),
    ("4607001 71593", "a space"),
    ("", "empty"),
])
def test_bad_eans_are_refused_with_a_message(ean, why):
    assert not is_valid_ean(ean), why
    with pytest.raises(ValidationError) as error:
        validate_ean(ean)
    assert error.value.code == "ean_invalid"
    assert "EAN" in error.value.messages[0]


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_any_12_digits_with_the_computed_check_digit_are_an_ean13(body):
    assert is_valid_ean(body + str(ean_check_digit(body)))


@given(st.text(alphabet="0123456789", min_size=7, max_size=7))
def test_any_7_digits_with_the_computed_check_digit_are_an_ean8(body):
    assert is_valid_ean(body + str(ean_check_digit(body)))


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 12), st.integers(1, 9))
def test_changing_any_one_digit_of_an_ean13_makes_it_invalid(body, position, offset):
    # GS1 weights 1 and 3 are prime to 10, so every single-digit error is caught
    ean = body + str(ean_check_digit(body))
    assert not is_valid_ean(change_digit(ean, position, offset))


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_any_9_digits_with_the_computed_check_digit_are_an_inn10(body):
    assert is_valid_inn(with_inn10_check(body))


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_any_10_digits_with_the_computed_check_digits_are_an_inn12(body):
    assert is_valid_inn(with_inn12_checks(body))


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(1, 9))
def test_changing_the_check_digit_of_an_inn10_makes_it_invalid(body, offset):
    assert not is_valid_inn(change_digit(with_inn10_check(body), 9, offset))


@given(st.text(alphabet="0123456789", min_size=10, max_size=10), st.integers(10, 11), st.integers(1, 9))
def test_changing_a_check_digit_of_an_inn12_makes_it_invalid(body, position, offset):
    assert not is_valid_inn(change_digit(with_inn12_checks(body), position, offset))


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 8), st.integers(1, 9))
def test_changing_a_body_digit_of_an_inn10_makes_it_invalid_unless_the_check_is_zero(body, position,
                                                                                      offset):
    # The INN check digit is (sum mod 11) mod 10: remainders 0 and 10 both give 0, so a
    # one-digit change can go unnoticed only when the check digit is 0.
    inn = with_inn10_check(body)
    changed = change_digit(inn, position, offset)
    assert not is_valid_inn(changed) or inn[9] == "0"


@given(st.text(alphabet="0123456789", min_size=1, max_size=20).filter(lambda s: len(s) not in (10, 12)))
def test_an_inn_of_any_other_length_is_invalid(value):
    assert not is_valid_inn(value)


def test_a_supplier_with_a_bad_inn_does_not_validate(db):
    # given a supplier whose INN has a wrong check digit
    supplier = SupplierFactory.build(inn="7707083894")
    # when validated as a form or the admin would, then the INN is the field in error
    with pytest.raises(ValidationError) as error:
        supplier.full_clean()
    assert list(error.value.message_dict) == ["inn"]


def test_a_product_with_a_bad_ean_does_not_validate(db):
    product = ProductFactory.build(ean="4607001771594", category=None, supplier=None)
    with pytest.raises(ValidationError) as error:
        product.full_clean(exclude=["category", "supplier"])
    assert list(error.value.message_dict) == ["ean"]


def test_the_database_refuses_a_product_ean_with_letters(db):
    # given a product saved around the validators, when saved, then the constraint refuses it
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(ean="46070017715A3")
