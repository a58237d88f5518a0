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

from dataclasses import dataclass
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


# --- The chain's economics of a line ----------------------------------------------------------
# The supplier's compensation is a percent of the discount (the sheet's «Компенсация поставщика,
# %»): of each rouble the shopper saves, the supplier pays back that share. So the chain receives
# the promo price plus the compensation per unit, and its margin is that net price less the
# purchase price. A fully funded line (100 %) earns what the regular price earns, whatever the
# mechanic; N+M lines count per unit at regular × N / (N + M).


@dataclass(frozen=True, slots=True)
class Economics:
    """One line's economics per unit, in roubles (kopecks), and at the planned quantity.

    - ``unit_price``: what the shopper pays per unit;
    - ``discount``: regular − unit price (never below 0);
    - ``compensation``: what the supplier pays back per unit (discount × compensation %);
    - ``net_price``: what the chain receives per unit (unit price + compensation);
    - ``margin``: net price − purchase price (None without a purchase price);
    - ``margin_percent``: the margin as a share of the net price, % (None without a purchase
      price or with nothing received);
    - ``planned_quantity`` and the totals at it (None without a plan)."""

    unit_price: Decimal
    discount: Decimal
    compensation: Decimal
    net_price: Decimal
    margin: Decimal | None
    margin_percent: Decimal | None
    planned_quantity: int | None = None
    planned_margin: Decimal | None = None
    planned_compensation: Decimal | None = None
    planned_revenue: Decimal | None = None


def line_economics(*, regular, unit_price, purchase_price=None, compensation_percent=None,
                   planned_quantity: int | None = None) -> Economics:
    """The economics of a line whose unit price is ``unit_price`` (:func:`unit_price`)."""
    regular, unit = Decimal(regular), Decimal(unit_price)
    discount = max(money(regular - unit), Decimal("0.00"))
    share = Decimal(0) if compensation_percent in (None, "") else Decimal(str(compensation_percent))
    compensation = money(discount * share / HUNDRED)
    net = money(unit + compensation)
    margin_value = margin_percent = None
    if purchase_price not in (None, ""):
        margin_value = money(net - Decimal(str(purchase_price))) or Decimal("0.00")  # never "-0.00"
        if net > 0:
            margin_percent = money(margin_value * HUNDRED / net) or Decimal("0.00")
    totals = {}
    if planned_quantity is not None:
        totals = {
            "planned_quantity": planned_quantity,
            "planned_margin": None if margin_value is None else margin_value * planned_quantity,
            "planned_compensation": compensation * planned_quantity,
            "planned_revenue": net * planned_quantity,
        }
    return Economics(unit_price=unit, discount=discount, compensation=compensation, net_price=net,
                     margin=margin_value, margin_percent=margin_percent, **totals)
