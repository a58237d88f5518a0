"""Price math of the three mechanics. Pure functions over Decimals: no database, no Django,
so hypothesis can check them by the thousand.

- percent: promo price = regular × (100 − p) / 100, rounded half up to kopecks;
- fixed price: the promo price as given (must be below the regular price);
- N+M: buy N, get M free; the effective price per unit = regular × N / (N + M).

The mechanic names are defined here once: ``Promo.Mechanic`` (the stored choices) and the sheet's
value parser take them from this module. So is the one decimal normaliser
(:func:`plain_decimal`) that frozen revisions, import messages and exports write decimals with.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PERCENT = "percent"
FIXED_PRICE = "fixed_price"
N_PLUS_M = "n_plus_m"
MECHANICS = (PERCENT, FIXED_PRICE, N_PLUS_M)

KOPECK = Decimal("0.01")
HUNDRED = Decimal(100)


def plain_decimal(value: Decimal) -> Decimal:
    """A decimal in its plain written form: an integral value without fraction digits (20.00,
    2E+1 and 20 all become 20), any other one with its digits as they are (12.50 stays 12.50).
    ``str()`` of the result never shows an exponent, which ``normalize()`` would (20.00 -> 2E+1)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)


def percent_price(regular: Decimal, discount_percent: Decimal) -> Decimal:
    """The shelf price of a percent promo."""
    return money(Decimal(regular) * (HUNDRED - Decimal(discount_percent)) / HUNDRED)


def nplusm_unit_price(regular: Decimal, n: int, m: int) -> Decimal:
    """What one unit effectively costs when buying N + M units for the price of N."""
    return money(Decimal(regular) * n / (n + m))


def promo_price(mechanic: str, regular: Decimal, *, discount_percent: Decimal | None = None,
                price: Decimal | None = None, n: int | None = None, m: int | None = None) -> Decimal:
    """The effective unit price of a line under its mechanic."""
    if mechanic == PERCENT:
        return percent_price(regular, discount_percent)
    if mechanic == FIXED_PRICE:
        return money(price)
    if mechanic == N_PLUS_M:
        return nplusm_unit_price(regular, n, m)
    raise ValueError(f"unknown mechanic {mechanic!r}")


def effective_discount_percent(regular: Decimal, unit_price: Decimal) -> Decimal:
    """The discount a shopper gets, in percent of the regular price (2 decimals)."""
    regular = Decimal(regular)
    if regular <= 0:
        return Decimal("0.00")
    return ((regular - Decimal(unit_price)) * HUNDRED / regular).quantize(KOPECK, rounding=ROUND_HALF_UP)


def margin(unit_price: Decimal, purchase_price: Decimal | None) -> Decimal | None:
    """Gross margin per unit against the purchase price (negative = sold below cost)."""
    if purchase_price is None:
        return None
    return money(Decimal(unit_price) - Decimal(purchase_price))
