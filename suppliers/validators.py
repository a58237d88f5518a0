"""Check digits of Russian taxpayer numbers (INN) and of EAN barcodes. Pure functions:
they take a string and return a bool, so hypothesis can test them without a database."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def is_valid_inn(value: str) -> bool:
    """INN of an organisation (10 digits) or of a person / sole trader (12 digits)."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return False
    if len(value) == 10:
        return _inn_digit(value, _INN10_WEIGHTS) == int(value[9])
    if len(value) == 12:
        return (_inn_digit(value, _INN12_WEIGHTS_1) == int(value[10])
                and _inn_digit(value, _INN12_WEIGHTS_2) == int(value[11]))
    return False


def ean_check_digit(body: str) -> int:
    """The GS1 check digit for the digits before it (EAN-8: 7 digits, EAN-13: 12 digits)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_ean(value: str) -> bool:
    """EAN-8 or EAN-13 with a correct check digit."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return False
    if len(value) not in (8, 13):
        return False
    return ean_check_digit(value[:-1]) == int(value[-1])


def validate_inn(value: str) -> None:
    if not is_valid_inn(value):
        raise ValidationError(
            _("ИНН должен состоять из 10 или 12 цифр с верными контрольными разрядами."),
            code="inn_invalid",
        )


def validate_ean(value: str) -> None:
    if not is_valid_ean(value):
        raise ValidationError(
            _("Штрихкод должен быть EAN-8 или EAN-13 с верной контрольной цифрой."),
            code="ean_invalid",
        )
