"""Decision deadlines, pure: plain dates in, plain dates out (STYLE.md §12), so the rule can be
tested by the thousand without a database and a data migration may use it as it is.

A revision sent for approval on day *S* is due ``working_days`` working days later (Saturdays,
Sundays and the ``holidays`` do not count; a revision sent on a day off starts counting from the
next working day), and never later than ``buffer_days`` before the promo starts (the stores need
that time for the price tags and the cash registers for the files). When that latest day falls
on a day off, the working day before it is the due date. A promo that starts too soon for the
buffer is due at once (its due date may lie before the submission: it is overdue). A new revision
of a promo already running is due by the working days, and before the first day past the running
revision's end when it moves the end later, never before it is sent (:func:`running_change_due`).

The settings behind the arguments: ``PROMO_DECISION_WORKING_DAYS``,
``PROMO_DECISION_BUFFER_DAYS`` and ``PROMO_HOLIDAYS`` (config/settings/workflow.py).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

SATURDAY = 5
# No calendar needs more than this many days to find a working day (holidays are a few
# weeks at most); past it the date is taken as it is rather than looping for ever.
_SEARCH_LIMIT = 366


def is_working_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() < SATURDAY and day not in holidays


def add_working_days(day: date, count: int, holidays: Collection[date] = ()) -> date:
    """The ``count``-th working day after ``day`` (``count`` 0: ``day`` itself if it is a
    working day, else the next working day)."""
    current = day
    if count <= 0:
        for _step in range(_SEARCH_LIMIT):
            if is_working_day(current, holidays):
                return current
            current += timedelta(days=1)
        return day
    left = count
    for _step in range(_SEARCH_LIMIT * (count + 1)):
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            left -= 1
            if left == 0:
                return current
    return day + timedelta(days=count)


def working_day_on_or_before(day: date, holidays: Collection[date] = ()) -> date:
    current = day
    for _step in range(_SEARCH_LIMIT):
        if is_working_day(current, holidays):
            return current
        current -= timedelta(days=1)
    return day


def next_working_day(day: date, holidays: Collection[date] = ()) -> date:
    """The first working day after ``day``."""
    return add_working_days(day, 1, holidays)


def decision_due(*, submitted_on: date, start: date, working_days: int, buffer_days: int,
                 holidays: Collection[date] = ()) -> date:
    """The day a decision on a revision sent for approval on ``submitted_on`` is due."""
    # Sent on a day off: counted as sent on the next working day.
    first = add_working_days(submitted_on, 0, holidays)
    by_work = add_working_days(first, max(0, working_days), holidays)
    latest = working_day_on_or_before(start - timedelta(days=max(0, buffer_days)), holidays)
    return min(by_work, latest)


def running_change_due(*, submitted_on: date, in_force_end: date, new_end: date, working_days: int,
                       buffer_days: int, holidays: Collection[date] = ()) -> date:
    """The day a decision is due on a new revision of a promo already running (its approved
    revision in force since before ``submitted_on``). Its start has passed, so no buffer can be
    kept before it: the running revision stays at the tills until the decision, and only days
    past its end (``in_force_end``) need the decision ``buffer_days`` ahead. So: ``working_days``
    working days after it is sent; for an end moved later (``new_end``), never later than
    ``buffer_days`` before the first new day; never before the day it is sent (a decision due
    before the revision existed would be overdue the moment it is sent)."""
    first = add_working_days(submitted_on, 0, holidays)
    due = add_working_days(first, max(0, working_days), holidays)
    if new_end > in_force_end:
        first_new_day = in_force_end + timedelta(days=1)
        due = min(due, working_day_on_or_before(first_new_day - timedelta(days=max(0, buffer_days)), holidays))
    return max(first, due)


def parse_holidays(text: str | None) -> frozenset[date]:
    """``"2027-01-01,2027-01-07"`` -> the dates; an entry that is not an ISO date is an error
    (a mistyped holiday must not pass unnoticed)."""
    days = set()
    for item in (text or "").replace(";", ",").split(","):
        item = item.strip()
        if item:
            days.add(date.fromisoformat(item))
    return frozenset(days)
