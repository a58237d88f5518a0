"""Price math of the three mechanics. Pure functions over Decimals: no database, no Django,
so hypothesis can check them by the thousand.

- percent: promo price = regular × (100 − p) / 100, rounded half up to kopecks;
- fixed price: the promo price as given (must be below the regular price);
- N+M: buy N, get M free; the effective price per unit = regular × N / (N + M).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PERCENT = "percent"
FIXED_PRICE = "fixed_price"
N_PLUS_M = "n_plus_m"

KOPECK = Decimal("0.01")
HUNDRED = Decimal(100)


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


def unit_price(mechanic: str, regular, *, discount_percent=None, price=None, n=None,
               m=None) -> Decimal | None:
    """:func:`promo_price` of values as stored (numbers or their text), or None when the line
    lacks what its mechanic needs (a percent promo without its percent, N+M without N)."""
    try:
        return promo_price(mechanic, Decimal(str(regular)),
                           discount_percent=None if discount_percent in (None, "") else Decimal(str(discount_percent)),
                           price=None if price in (None, "") else Decimal(str(price)),
                           n=None if n in (None, "") else int(n), m=None if m in (None, "") else int(m))
    except (TypeError, ValueError, ArithmeticError):
        return None
