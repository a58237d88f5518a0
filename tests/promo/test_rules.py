"""The pure line and period rules (promo/rules.py), by example and by hypothesis: no database,
no settings (explicit limits), plain values in, a code and params out."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promo import rules

LIMITS = rules.Limits(discount_min=1, discount_max=90, max_days=92, lead_days=14)
TODAY = date(2026, 11, 23)
EARLIEST = TODAY + timedelta(days=14)
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2110, 12, 31))


def codes(problems) -> list[str]:
    return [problem.code for problem in problems]


@pytest.mark.parametrize(("start", "end", "old", "expected"), [
    (EARLIEST, EARLIEST + timedelta(days=13), None, []),
    (date(1999, 12, 31), EARLIEST, None, ["date_invalid"]),
    (EARLIEST, date(2100, 1, 1), None, ["date_invalid"]),
    (date(1999, 1, 1), date(2100, 1, 1), None, ["date_invalid", "date_invalid"]),
    (EARLIEST + timedelta(days=5), EARLIEST, None, ["period_reversed"]),
    (EARLIEST, EARLIEST + timedelta(days=92), None, ["period_too_long"]),
    (TODAY, TODAY + timedelta(days=5), None, ["start_too_soon"]),
    (TODAY - timedelta(days=20), TODAY - timedelta(days=5), None, ["start_too_soon", "end_in_past"]),
    (TODAY - timedelta(days=20), TODAY + timedelta(days=100), None, ["start_too_soon", "period_too_long"]),
    # a kept start keeps no lead time; a kept period is not checked against today at all
    (TODAY - timedelta(days=5), TODAY + timedelta(days=10), (TODAY - timedelta(days=5), TODAY), []),
    (TODAY - timedelta(days=5), TODAY - timedelta(days=1), (TODAY - timedelta(days=5), TODAY), ["end_in_past"]),
    (TODAY - timedelta(days=30), TODAY - timedelta(days=17),
     (TODAY - timedelta(days=30), TODAY - timedelta(days=17)), []),
])
def test_period_problems_in_their_order(start, end, old, expected):
    old_start, old_end = old or (None, None)
    found = rules.period_problems(start, end, today=TODAY, old_start=old_start, old_end=old_end, limits=LIMITS)
    assert codes(found) == expected


def test_the_params_carry_what_the_message_needs():
    (soon,) = rules.period_problems(TODAY, TODAY + timedelta(days=3), today=TODAY, limits=LIMITS)
    assert soon == rules.RuleProblem("start_too_soon", "start", {"start": TODAY, "earliest": EARLIEST, "days": 14})
    (long,) = rules.period_problems(EARLIEST, EARLIEST + timedelta(days=99), today=TODAY, limits=LIMITS)
    assert long.params == {"length": 100, "max": 92}
    assert rules.extension_end(TODAY, end=TODAY).params == {"value": TODAY, "end": TODAY}


@given(start=days, end=days, today=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_a_period_passes_exactly_when_every_single_rule_does(start, end, today):
    found = set(codes(rules.period_problems(start, end, today=today, limits=LIMITS)))
    in_range = rules.FIRST_PROMO_DAY <= start <= rules.LAST_PROMO_DAY and rules.FIRST_PROMO_DAY <= end <= rules.LAST_PROMO_DAY
    fine = (in_range and start <= end and (end - start).days < 92 and start >= today + timedelta(days=14)
            and end >= today)
    assert (not found) == fine
    # dates out of range and a reversed period are reported alone
    if "date_invalid" in found or "period_reversed" in found:
        assert found <= {"date_invalid"} or found == {"period_reversed"}


@given(start=days, end=days, today=days)
def test_keeping_the_whole_period_never_asks_about_today(start, end, today):
    found = codes(rules.period_problems(start, end, today=today, old_start=start, old_end=end, limits=LIMITS))
    assert not set(found) & rules.TIMELY_CODES


@given(value=st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=4))
def test_a_discount_is_checked_as_stored_in_kopecks(value):
    problem = rules.discount_problem(value, limits=LIMITS)
    stored = rules.kopecks(value)
    assert (problem is None) == (1 <= stored <= 90)
    if problem is not None:
        assert problem.code == "discount_out_of_range" and problem.params["value"] == stored


@given(value=st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=4))
def test_a_compensation_is_optional_and_a_share(value):
    assert rules.compensation_problem(None) is None
    assert (rules.compensation_problem(value) is None) == (0 <= rules.kopecks(value) <= 100)


@given(price=st.decimals(min_value=Decimal("-10"), max_value=Decimal("1000"), places=4),
       regular=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2))
def test_a_price_is_positive_and_below_the_regular_one(price, regular):
    problem = rules.term_problem("promo_price", price, regular_price=regular, limits=LIMITS)
    stored = rules.kopecks(price)
    if stored <= 0:
        assert (problem.code, problem.params["reason"]) == ("price_invalid", "not_positive")
    elif stored >= regular:
        assert problem.code == "price_not_below_regular"
    else:
        assert problem is None


def test_empty_terms_are_required_and_huge_ones_never_crash():
    assert rules.discount_problem(None, limits=LIMITS).code == "value_required"
    assert rules.price_problem(None).code == "value_required"
    huge = Decimal("1e400")
    assert rules.kopecks(huge) == huge
    assert rules.discount_problem(huge, limits=LIMITS).code == "discount_out_of_range"
    assert rules.compensation_problem(-huge).code == "compensation_out_of_range"
    assert rules.price_below_regular(huge, Decimal("100")).code == "price_not_below_regular"


@pytest.mark.parametrize(("n", "m", "expected"), [
    (2, 1, None), (1, 1, None), (99, 99, None), (0, 1, ("nplusm_invalid", None)),
    (2, 0, ("nplusm_invalid", None)), (100, 1, ("nplusm_invalid", "too_large")),
])
def test_n_and_m_limits(n, m, expected):
    problem = rules.nplusm_problem(n, m)
    assert (None if problem is None else (problem.code, problem.params.get("reason"))) == expected


def test_dates_promos_may_run_on():
    assert rules.date_in_range(date(2000, 1, 1)) is None and rules.date_in_range(date(2099, 12, 31)) is None
    assert rules.date_in_range(date(9999, 1, 1), field="end").params["reason"] == "out_of_range"


# --- the end an extension form suggests -------------------------------------------------------

@given(start=st.dates(min_value=rules.FIRST_PROMO_DAY, max_value=rules.LAST_PROMO_DAY - timedelta(days=120)),
       length=st.integers(min_value=1, max_value=120), today=days)
def test_a_suggested_extension_end_passes_every_rule_of_an_extension(start, length, today):
    # given any period and any today
    end = start + timedelta(days=length - 1)
    # when the extension form suggests an end
    suggested = rules.suggested_extension_end(start, end, today=today, limits=LIMITS)
    if suggested is not None:
        # then sending it as it is would be accepted: later than the end, a period the rules allow
        assert rules.extension_end(suggested, end=end) is None
        assert rules.period_problems(start, suggested, today=today, old_start=start, old_end=end,
                                     limits=LIMITS) == []
        assert suggested <= max(end, today) + timedelta(days=rules.EXTENSION_SUGGESTED_DAYS)
    else:
        # and when it suggests none, no later end passes (the promo already runs as long as it may)
        assert rules.latest_extension_end(start, end, today=today, limits=LIMITS) is None
        for later in (end + timedelta(days=1), today, start + timedelta(days=LIMITS.max_days - 1)):
            if later > end:
                assert rules.extension_end(later, end=end) is not None or rules.period_problems(
                    start, later, today=today, old_start=start, old_end=end, limits=LIMITS)


def test_the_suggested_extension_end_is_a_week_later_at_most_the_longest_period():
    start = EARLIEST
    # a 30-day promo: a week later
    assert rules.suggested_extension_end(start, start + timedelta(days=29), today=TODAY,
                                         limits=LIMITS) == start + timedelta(days=36)
    # a 90-day promo: the 92nd day
    assert rules.suggested_extension_end(start, start + timedelta(days=89), today=TODAY,
                                         limits=LIMITS) == start + timedelta(days=91)
    # a 92-day promo: none
    assert rules.suggested_extension_end(start, start + timedelta(days=91), today=TODAY, limits=LIMITS) is None
    # a promo that ended last week: a week after today
    ended = TODAY - timedelta(days=7)
    assert rules.suggested_extension_end(ended - timedelta(days=9), ended, today=TODAY,
                                         limits=LIMITS) == TODAY + timedelta(days=7)
