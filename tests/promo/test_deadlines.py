"""The decision due date (promo/deadlines.py, pure): N working days after the submission,
weekends and holidays skipped, never later than the buffer before the start (and then on the
working day before it)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promo import deadlines

# 23.11.2026 is a Monday.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 11, 23) + timedelta(days=n) for n in range(7))
NEXT_MON, NEXT_TUE, NEXT_WED, NEXT_THU = (date(2026, 11, 30) + timedelta(days=n) for n in range(4))
FAR = date(2027, 6, 1)


def due(submitted_on, *, start=FAR, working_days=3, buffer_days=7, holidays=()):
    return deadlines.decision_due(submitted_on=submitted_on, start=start, working_days=working_days,
                                  buffer_days=buffer_days, holidays=frozenset(holidays))


@pytest.mark.parametrize(("submitted", "expected"), [
    (MON, THU),            # three working days later
    (WED, NEXT_MON),       # Thursday, Friday, (weekend), Monday
    (THU, NEXT_TUE),
    (FRI, NEXT_WED),       # the weekend does not count
    (SAT, NEXT_THU),       # sent on a day off: counted from Monday
    (SUN, NEXT_THU),
])
def test_working_days_skip_the_weekend(submitted, expected):
    assert due(submitted) == expected


def test_holidays_do_not_count_either():
    # a holiday on Wednesday: Monday + 3 working days is Friday
    assert due(MON, holidays={WED}) == FRI
    # the New Year break: sent on Wednesday 30.12.2026, the 1st to the 8th of January are off
    new_year = {date(2027, 1, day) for day in range(1, 9)}
    # (Thursday 31.12 is the first working day, Monday 11.01 the second, Tuesday the third)
    assert due(date(2026, 12, 30), holidays=new_year) == date(2027, 1, 12)


@pytest.mark.parametrize(("start", "expected"), [
    (date(2026, 12, 10), THU),          # far enough: the working days decide
    (date(2026, 12, 2), WED),           # 02.12 - 7 days = Wednesday 25.11, before Thursday
    (date(2026, 12, 5), THU),           # 05.12 - 7 = Saturday 28.11, later than Thursday: Thursday
    (date(2026, 12, 1), TUE),           # 01.12 - 7 = Tuesday 24.11
    (date(2026, 12, 7), THU),           # 07.12 - 7 = Monday 30.11: the working days decide
])
def test_never_later_than_the_buffer_before_the_start(start, expected):
    assert due(MON, start=start) == expected


def test_a_buffer_day_on_a_weekend_moves_to_the_friday_before():
    # starts Monday 30.11: 30.11 - 2 days is Saturday 28.11, so the decision is due on Friday
    assert due(MON, start=NEXT_MON, buffer_days=2, working_days=10) == FRI


def test_a_promo_too_close_to_its_start_is_due_at_once():
    # starts in 5 days with a buffer of 7: the latest day lies before the submission
    assert due(MON, start=MON + timedelta(days=5)) == working_day_before(MON - timedelta(days=2))


def working_day_before(day: date) -> date:
    return deadlines.working_day_on_or_before(day)


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
       st.dates(min_value=date(2026, 1, 1), max_value=date(2031, 6, 30)),
       st.integers(min_value=0, max_value=15), st.integers(min_value=0, max_value=30))
def test_the_due_date_is_a_working_day_within_both_limits(submitted, start, working_days, buffer_days):
    result = due(submitted, start=start, working_days=working_days, buffer_days=buffer_days)
    assert deadlines.is_working_day(result)
    assert result <= start - timedelta(days=buffer_days)
    assert result <= deadlines.add_working_days(deadlines.add_working_days(submitted, 0), working_days)


def test_the_holiday_list_is_iso_dates():
    assert deadlines.parse_holidays("2027-01-01, 2027-01-07;2027-03-08") == {
        date(2027, 1, 1), date(2027, 1, 7), date(2027, 3, 8)}
    assert deadlines.parse_holidays("") == frozenset()
    with pytest.raises(ValueError):
        deadlines.parse_holidays("01.01.2027")


# --- a new revision of a promo already running (running_change_due) ---------------------------------


def running(submitted_on, *, in_force_end, new_end, working_days=3, buffer_days=7, holidays=()):
    return deadlines.running_change_due(submitted_on=submitted_on, in_force_end=in_force_end, new_end=new_end,
                                        working_days=working_days, buffer_days=buffer_days,
                                        holidays=frozenset(holidays))


def test_a_change_of_a_running_promo_is_due_by_the_working_days_not_before_its_start():
    # given a promo running since last week, its price corrected on Monday (the end unchanged)
    # then the decision is due three working days later, not a week before the start that passed
    assert running(MON, in_force_end=FAR, new_end=FAR) == THU
    # and a shortened end changes no day past the running revision: the same
    assert running(MON, in_force_end=FAR, new_end=FAR - timedelta(days=10)) == THU


def test_an_extension_of_a_running_promo_is_due_the_buffer_before_its_first_new_day():
    # given a running promo ending on Thursday, extended on Monday
    # then the first new day (Friday) minus the buffer of 3 days is Tuesday, before the working days' Thursday
    assert running(MON, in_force_end=THU, new_end=THU + timedelta(days=14), buffer_days=3) == TUE
    # and ending far later, the working days come first
    assert running(MON, in_force_end=NEXT_THU, new_end=NEXT_THU + timedelta(days=14), buffer_days=3) == THU
    # and when that day has passed already, it is due on the day it is sent, never before it
    assert running(WED, in_force_end=THU, new_end=THU + timedelta(days=14)) == WED
    assert running(SAT, in_force_end=SUN, new_end=SUN + timedelta(days=7)) == NEXT_MON


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)), st.integers(-30, 60), st.integers(0, 60))
def test_a_running_change_is_never_due_before_it_is_sent(submitted, end_offset, extension):
    in_force_end = submitted + timedelta(days=end_offset)
    found = running(submitted, in_force_end=in_force_end, new_end=in_force_end + timedelta(days=extension))
    assert found >= submitted
    assert found.weekday() < 5
