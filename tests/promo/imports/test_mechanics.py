"""Price math of each mechanic (promo/mechanics.py), checked by hypothesis on thousands of
prices: what the importer stores and what the pages and exports compute must agree."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promo import mechanics
from promo.models import Promo
from promo.services.imports.values import parse_mechanic

KOPECK = Decimal("0.01")
HALF_KOPECK = Decimal("0.005")

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
discounts = st.decimals(min_value=Decimal("1"), max_value=Decimal("90"), places=2)
counts = st.integers(min_value=1, max_value=20)


@given(regular=prices, discount=discounts)
def test_percent_price_is_the_discounted_price_rounded_to_kopecks(regular, discount):
    price = mechanics.percent_price(regular, discount)
    exact = regular * (100 - discount) / 100
    assert price == price.quantize(KOPECK)
    assert abs(price - exact) <= HALF_KOPECK
    assert Decimal(0) <= price <= regular


@given(regular=prices, low=discounts, high=discounts)
def test_a_bigger_discount_never_gives_a_higher_price(regular, low, high):
    low, high = sorted((low, high))
    assert mechanics.percent_price(regular, high) <= mechanics.percent_price(regular, low)


@given(regular=st.decimals(min_value=Decimal("1"), max_value=Decimal("100000"), places=2), discount=discounts)
def test_the_effective_discount_of_a_percent_promo_is_its_discount(regular, discount):
    price = mechanics.percent_price(regular, discount)
    effective = mechanics.effective_discount_percent(regular, price)
    # Rounding the price to a kopeck moves the percentage by at most half a kopeck of the price.
    assert abs(effective - discount) <= HALF_KOPECK * 100 / regular + KOPECK


@given(regular=prices, n=counts, m=counts)
def test_n_plus_m_unit_price_is_n_paid_units_spread_over_n_plus_m(regular, n, m):
    unit = mechanics.nplusm_unit_price(regular, n, m)
    assert unit == unit.quantize(KOPECK)
    assert abs(unit * (n + m) - regular * n) <= HALF_KOPECK * (n + m)
    assert unit <= regular


@given(regular=st.decimals(min_value=Decimal("1"), max_value=Decimal("100000"), places=2), n=counts, m=counts)
def test_more_free_units_make_each_unit_cheaper(regular, n, m):
    assert mechanics.nplusm_unit_price(regular, n, m + 1) <= mechanics.nplusm_unit_price(regular, n, m)


@given(regular=prices, price=prices)
def test_a_fixed_price_is_the_price_given(regular, price):
    assert mechanics.promo_price(mechanics.FIXED_PRICE, regular, price=price) == price


@given(regular=prices, discount=discounts, n=counts, m=counts)
def test_promo_price_dispatches_to_each_mechanic(regular, discount, n, m):
    assert mechanics.promo_price(mechanics.PERCENT, regular, discount_percent=discount) == \
        mechanics.percent_price(regular, discount)
    assert mechanics.promo_price(mechanics.N_PLUS_M, regular, n=n, m=m) == mechanics.nplusm_unit_price(regular, n, m)


@given(unit=prices, purchase=prices)
def test_margin_is_unit_price_minus_purchase_price(unit, purchase):
    assert mechanics.margin(unit, purchase) == unit - purchase
    assert mechanics.margin(unit, None) is None


def test_an_unknown_mechanic_is_refused():
    with pytest.raises(ValueError, match="unknown mechanic"):
        mechanics.promo_price("gift", Decimal("100"))


@pytest.mark.parametrize("cell", ["Скидка %", "Фикс. цена", "2+1"])
def test_every_mechanic_a_sheet_names_is_one_a_promo_stores_and_prices(cell):
    # given a mechanic as a sheet spells it
    kind, n, m = parse_mechanic(cell)
    # then a promo can store it and the price math knows it
    assert kind in Promo.Mechanic.values
    assert mechanics.promo_price(kind, Decimal("100"), discount_percent=Decimal(10), price=Decimal(90), n=n, m=m)


def test_the_stored_mechanics_are_the_ones_the_price_math_knows():
    assert tuple(Promo.Mechanic.values) == mechanics.MECHANICS


@given(value=st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**12, max_value=10**12, places=4)
       | st.integers(min_value=-10**12, max_value=10**12).map(lambda n: Decimal(n).scaleb(2).normalize()))
def test_plain_decimal_keeps_the_value_and_never_shows_an_exponent(value):
    plain = mechanics.plain_decimal(value)
    assert plain == value and "E" not in str(plain)
    if value == value.to_integral_value():
        assert "." not in str(plain)
    else:
        assert plain.as_tuple() == value.as_tuple()  # 12.50 keeps its digits
