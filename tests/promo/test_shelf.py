"""The shelf precedence rule and the timeline (promo/shelf.py), pure: on random promos the
segments equal a day-by-day, branch-by-branch computation written out separately here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promo import shelf

FIRST = date(2027, 3, 1)
BRANCHES = range(1, 7)


def brute_winner(offers: list[shelf.Offer], rule: str) -> shelf.Offer | None:
    """The rule as docs/ and the settings word it, one step at a time."""
    if not offers:
        return None

    def approval(offer):  # a promo awaiting its decision counts as approved after all others
        return offer.approved_at or datetime.max.replace(tzinfo=UTC)

    candidates = list(offers)
    if rule == shelf.LOWEST_PRICE:
        cheapest = min(offer.unit_price for offer in candidates)
        candidates = [offer for offer in candidates if offer.unit_price == cheapest]
        rule = shelf.FIRST_APPROVED
    if rule == shelf.FIRST_APPROVED:
        earliest = min(approval(offer) for offer in candidates)
        candidates = [offer for offer in candidates if approval(offer) == earliest]
    else:
        latest = max(approval(offer) for offer in candidates)
        candidates = [offer for offer in candidates if approval(offer) == latest]
    return min(candidates, key=lambda offer: offer.code)


def brute_shelf(offers, *, first, last, branches, rule) -> set[tuple]:
    """``(day, branch, layer, code)`` for every day and open branch of the window."""
    found = set()
    day = first
    while day <= last:
        for pk, place in branches.items():
            if not shelf.is_open(place, day):
                continue
            here = [offer for offer in offers if offer.start <= day <= offer.end and pk in offer.branches]
            in_force = brute_winner([offer for offer in here if offer.status == shelf.APPROVED], rule)
            if in_force:
                found.add((day, pk, shelf.APPROVED, in_force.code))
            overall = brute_winner(here, rule)
            if overall and overall.status == shelf.SUBMITTED:
                found.add((day, pk, shelf.SUBMITTED, overall.code))
        day += timedelta(days=1)
    return found


def expand(segments: list[shelf.Segment]) -> set[tuple]:
    found = set()
    for segment in segments:
        day = segment.start
        while day <= segment.end:
            for pk in segment.branches:
                key = (day, pk, segment.offer.status, segment.offer.code)
                assert key not in found, f"{key} in two segments"
                found.add(key)
            day += timedelta(days=1)
    return found


@st.composite
def offers(draw):
    count = draw(st.integers(min_value=0, max_value=7))
    made = []
    for index in range(count):
        start = FIRST + timedelta(days=draw(st.integers(0, 40)))
        status = draw(st.sampled_from(shelf.LAYERS))
        approved = None
        if status == shelf.APPROVED:
            approved = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(hours=draw(st.integers(0, 5)))
        made.append(shelf.Offer(
            promo_id=index + 1, code=f"P{index + 1:06d}", status=status, start=start,
            end=start + timedelta(days=draw(st.integers(0, 30))),
            # few distinct prices: ties happen
            unit_price=Decimal(draw(st.sampled_from(["49.90", "59.90", "59.90", "79.00"]))),
            approved_at=approved,
            branches=frozenset(draw(st.sets(st.sampled_from(BRANCHES), min_size=1))),
        ))
    return made


places = st.tuples(st.none() | st.dates(FIRST, FIRST + timedelta(days=50)),
                   st.none() | st.dates(FIRST + timedelta(days=10), FIRST + timedelta(days=80)))


@settings(max_examples=400, deadline=None)
@given(offers=offers(), rule=st.sampled_from(shelf.RULES), days=st.integers(1, 70),
       opening=st.dictionaries(st.sampled_from(BRANCHES), places))
def test_timeline_equals_the_day_by_day_computation(offers, rule, days, opening):
    # given random promos over a handful of branches, some of which open or close in the window
    branches = {pk: opening.get(pk, (None, None)) for pk in BRANCHES}
    last = FIRST + timedelta(days=days - 1)

    # when the timeline is drawn
    segments = shelf.timeline(offers, first=FIRST, last=last, branches=branches, rule=rule)

    # then each day and branch shows what the rule picks on that day, in both layers
    assert expand(segments) == brute_shelf(offers, first=FIRST, last=last, branches=branches, rule=rule)
    # and no segment could be longer: the same promo in the same branches never continues in
    # a segment starting the next day
    ends = {(s.offer, s.branches, s.end) for s in segments}
    assert not [s for s in segments if (s.offer, s.branches, s.start - timedelta(days=1)) in ends]
    # and every segment lies in the window, in order
    assert all(FIRST <= s.start <= s.end <= last for s in segments)
    assert [s.start for s in segments] == sorted(s.start for s in segments)


def offer(code, price, *, approved_hour=None, status=shelf.APPROVED):
    approved = None if approved_hour is None else datetime(2027, 1, 1, approved_hour, tzinfo=UTC)
    return shelf.Offer(promo_id=int(code[1:]), code=code, status=status, start=FIRST, end=FIRST,
                       unit_price=Decimal(price), approved_at=approved, branches=frozenset({1}))


def test_the_default_rule_lowest_price_then_earlier_approval():
    # given two promos at 59.90 (approved at 10 and 9 o'clock) and one at 79.00 approved first
    late, early, dear = offer("P000001", "59.90", approved_hour=10), offer("P000002", "59.90", approved_hour=9), \
        offer("P000003", "79.00", approved_hour=8)

    # then the lowest price wins, the earlier approval breaks the tie; the other rules differ
    assert shelf.winner([late, early, dear]) == early
    assert shelf.winner([late, early, dear], shelf.FIRST_APPROVED) == dear
    assert shelf.winner([late, early, dear], shelf.LAST_APPROVED) == late
    # and a submitted promo at the same price comes after the approved ones
    waiting = offer("P000000", "59.90", status=shelf.SUBMITTED)
    assert shelf.winner([waiting, late]) == late
    assert shelf.winner([waiting, late], shelf.LAST_APPROVED) == waiting


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown shelf precedence"):
        shelf.winner([offer("P000001", "1.00", approved_hour=1)], "random")
