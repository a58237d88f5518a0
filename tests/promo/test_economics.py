"""The chain's economics of a line (promo/mechanics.py ``line_economics``), by hypothesis over
every mechanic, compensation 0-100 % and N+M counts: the supplier pays back its share of the
discount, the margin is the net price less the purchase price, the totals scale with the plan."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from promo import mechanics

KOPECK = Decimal("0.01")
prices = st.decimals(min_value=Decimal("1.00"), max_value=Decimal("50000"), places=2)
shares = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
counts = st.integers(min_value=1, max_value=20)
plans = st.none() | st.integers(min_value=0, max_value=100_000)


@st.composite
def lines(draw):
    """A line of any mechanic: (mechanic, regular, unit price by promo/mechanics.py, terms)."""
    regular = draw(prices)
    mechanic = draw(st.sampled_from([mechanics.PERCENT, mechanics.FIXED_PRICE, mechanics.N_PLUS_M]))
    if mechanic == mechanics.PERCENT:
        terms = {"discount_percent": draw(st.decimals(min_value=1, max_value=90, places=2))}
    elif mechanic == mechanics.FIXED_PRICE:
        terms = {"price": draw(st.decimals(min_value=Decimal("0.01"), max_value=regular, places=2))}
    else:
        terms = {"n": draw(counts), "m": draw(counts)}
    return mechanic, regular, mechanics.unit_price(mechanic, regular, **terms), terms


@given(line=lines(), share=shares, purchase=prices, plan=plans)
def test_margin_after_compensation_per_mechanic(line, share, purchase, plan):
    mechanic, regular, unit, terms = line
    economics = mechanics.line_economics(regular=regular, unit_price=unit, purchase_price=purchase,
                                         compensation_percent=share, planned_quantity=plan)
    # the supplier pays back its share of the discount, never more than the discount
    assert economics.discount == regular - unit >= 0
    assert abs(economics.compensation - economics.discount * share / 100) <= KOPECK / 2
    assert Decimal(0) <= economics.compensation <= economics.discount
    # the chain receives the shelf price plus the compensation, between the two prices
    assert economics.net_price == unit + economics.compensation
    assert unit <= economics.net_price <= regular
    # the margin is what it receives less what it paid, and its share of what it receives
    assert economics.margin == economics.net_price - purchase
    assert abs(economics.margin_percent - economics.margin * 100 / economics.net_price) <= KOPECK / 2
    assert economics.margin_percent <= 100
    # and the totals are the per-unit figures at the planned quantity
    if plan is None:
        assert economics.planned_margin is None and economics.planned_quantity is None
    else:
        assert economics.planned_margin == economics.margin * plan
        assert economics.planned_compensation == economics.compensation * plan
        assert economics.planned_revenue == economics.net_price * plan


@given(line=lines(), purchase=prices)
def test_no_compensation_is_the_margin_against_the_purchase_price(line, purchase):
    mechanic, regular, unit, terms = line
    economics = mechanics.line_economics(regular=regular, unit_price=unit, purchase_price=purchase,
                                         compensation_percent=Decimal(0))
    assert economics.margin == mechanics.margin(unit, purchase)


@given(regular=prices, n=counts, m=counts, purchase=prices)
def test_a_fully_funded_n_plus_m_earns_the_regular_margin(regular, n, m, purchase):
    # given an N+M line the supplier funds 100 %
    unit = mechanics.unit_price(mechanics.N_PLUS_M, regular, n=n, m=m)
    economics = mechanics.line_economics(regular=regular, unit_price=unit, purchase_price=purchase,
                                         compensation_percent=100)
    # then the unit price is regular × N / (N + M), and the chain earns what a regular sale earns
    assert abs(unit - regular * n / (n + m)) <= KOPECK / 2
    assert economics.net_price == regular
    assert economics.margin == regular - purchase


@given(line=lines(), low=shares, high=shares, purchase=prices)
def test_more_compensation_never_lowers_the_margin(line, low, high, purchase):
    mechanic, regular, unit, terms = line
    low, high = sorted((low, high))
    margins = [mechanics.line_economics(regular=regular, unit_price=unit, purchase_price=purchase,
                                        compensation_percent=share).margin for share in (low, high)]
    assert margins[0] <= margins[1]


def test_the_issue_example_a_funded_3_plus_2_is_no_loss():
    # given a 3+2 line at 223.05 with a purchase price of 223.06 (the page said «-89,23 ниже закупки»)
    unit = mechanics.unit_price(mechanics.N_PLUS_M, Decimal("223.05"), n=3, m=2)
    assert mechanics.margin(unit, Decimal("223.06")) == Decimal("-89.23")
    # when the supplier funds it 100 %, the chain loses one kopeck per unit, as on a regular sale
    economics = mechanics.line_economics(regular=Decimal("223.05"), unit_price=unit, purchase_price=Decimal("223.06"),
                                         compensation_percent=Decimal("100"), planned_quantity=1000)
    assert (economics.unit_price, economics.compensation, economics.margin) == (
        Decimal("133.83"), Decimal("89.22"), Decimal("-0.01"))
    assert economics.planned_margin == Decimal("-10.00")
    assert str(economics.margin_percent) == "0.00"


def test_without_a_purchase_price_there_is_no_margin_but_the_compensation_counts():
    economics = mechanics.line_economics(regular=Decimal("100"), unit_price=Decimal("80"), compensation_percent=50,
                                         planned_quantity=3)
    assert (economics.compensation, economics.net_price, economics.margin, economics.margin_percent) == (
        Decimal("10.00"), Decimal("90.00"), None, None)
    assert (economics.planned_margin, economics.planned_revenue) == (None, Decimal("270.00"))
