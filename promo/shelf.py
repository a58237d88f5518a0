"""Which promo sets the shelf price of a product in a branch on a day: the one precedence rule
for overlapping promos, and the timeline it draws. Pure functions over plain values (no
database, no Django), so hypothesis can check them against a day-by-day computation.

The rule is the setting ``PROMO_SHELF_PRECEDENCE`` (config/settings/promo.py):

- ``lowest_price`` (the default): the lowest unit price wins (the shopper pays the least);
  equal prices go to the promo approved first;
- ``first_approved``: the promo approved first keeps the shelf;
- ``last_approved``: the promo approved last takes the shelf over.

Any remaining tie goes to the lower promo code. A promo awaiting its decision counts as
approved after every approved one (``approved_at`` None): it would be the newest approval.

Two layers come out of :func:`timeline`:

- ``approved``: the approved revisions in force. This is what the exports send and the price
  tags print (``exports.selection``, ``promo.services.documents`` call :func:`winner`);
- ``submitted``: where a promo awaiting its decision would take the shelf if it were approved
  now (the winner over both the in-force and the submitted offers is a submitted one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

LOWEST_PRICE = "lowest_price"
FIRST_APPROVED = "first_approved"
LAST_APPROVED = "last_approved"
RULES = (LOWEST_PRICE, FIRST_APPROVED, LAST_APPROVED)

APPROVED = "approved"
SUBMITTED = "submitted"
LAYERS = (APPROVED, SUBMITTED)

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Offer:
    """One promo line of the product as it could set the shelf price: the promo (id, code),
    its layer (``approved``: the revision in force; ``submitted``: awaiting a decision), its
    period, unit price, first approval and the branches it targets (ids, before dates)."""

    promo_id: int
    code: str
    status: str
    start: date
    end: date
    unit_price: Decimal
    approved_at: datetime | None
    branches: frozenset[int]

    def runs_on(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Segment:
    """Days ``start``..``end`` (inclusive) on which ``offer`` sets the price in ``branches``
    (in its layer, ``offer.status``)."""

    start: date
    end: date
    offer: Offer
    branches: frozenset[int]


def precedence_key(offer: Offer, rule: str = LOWEST_PRICE) -> tuple:
    """Sort key of the rule: the smallest key wins."""
    approved = offer.approved_at.timestamp() if offer.approved_at is not None else float("inf")
    if rule == LOWEST_PRICE:
        return (offer.unit_price, approved, offer.code)
    if rule == FIRST_APPROVED:
        return (approved, offer.code)
    if rule == LAST_APPROVED:
        return (-approved, offer.code)
    raise ValueError(f"unknown shelf precedence {rule!r}")


def winner(offers: Iterable[Offer], rule: str = LOWEST_PRICE) -> Offer | None:
    """The offer that sets the price among ``offers`` (all running in one branch on one day)."""
    return min(offers, key=lambda offer: precedence_key(offer, rule), default=None)


def is_open(place: tuple[date | None, date | None], day: date) -> bool:
    """A branch ``(opened, closed)`` trades on ``day`` (as ``Branch.is_open_on``)."""
    opened, closed = place
    return (opened is None or opened <= day) and (closed is None or closed > day)


def timeline(offers: Iterable[Offer], *, first: date, last: date,
             branches: Mapping[int, tuple[date | None, date | None]],
             rule: str = LOWEST_PRICE) -> list[Segment]:
    """The segments of ``first``..``last`` in the ``branches`` in scope (``{id: (opened,
    closed)}``), both layers, sorted by start, layer (approved first) and code. A segment is
    as long as its promo wins in the same set of branches; days and branches without a promo
    keep the regular price and appear in no segment."""
    offers = [offer for offer in offers if offer.start <= last and offer.end >= first]
    cuts = {first, last + ONE_DAY}
    for offer in offers:
        cuts |= {offer.start, offer.end + ONE_DAY}
    for opened, closed in branches.values():
        cuts |= {day for day in (opened, closed) if day is not None}
    cuts = sorted(day for day in cuts if first <= day <= last + ONE_DAY)

    done: list[Segment] = []
    open_segments: dict[tuple, Segment] = {}
    for start, stop in zip(cuts, cuts[1:], strict=False):
        # Nothing changes inside [start, stop): no offer and no branch starts or ends there.
        running = [offer for offer in offers if offer.runs_on(start)]
        found = _winners(running, [pk for pk, place in branches.items() if is_open(place, start)], rule)
        still_open = {}
        for key, branch_set in found.items():
            previous = open_segments.pop((key, branch_set), None)
            begin = previous.start if previous is not None else start
            still_open[(key, branch_set)] = Segment(begin, stop - ONE_DAY, key[1], branch_set)
        done.extend(open_segments.values())
        open_segments = still_open
    done.extend(open_segments.values())
    done.sort(key=lambda s: (s.start, LAYERS.index(s.offer.status), s.offer.code, s.end, sorted(s.branches)))
    return done


def _winners(running: list[Offer], open_branches: list[int], rule: str) -> dict[tuple, frozenset[int]]:
    """``{(layer, offer): branches}`` for one stretch of days: per branch, the in-force winner,
    and the overall winner when it is a submitted offer. Branches reached by the same offers
    share one computation."""
    by_reach: dict[tuple[Offer, ...], list[int]] = {}
    for pk in open_branches:
        reach = tuple(offer for offer in running if pk in offer.branches)
        if reach:
            by_reach.setdefault(reach, []).append(pk)
    found: dict[tuple, set[int]] = {}
    for reach, pks in by_reach.items():
        in_force = winner((offer for offer in reach if offer.status == APPROVED), rule)
        if in_force is not None:
            found.setdefault((APPROVED, in_force), set()).update(pks)
        overall = winner(reach, rule)
        if overall is not None and overall.status == SUBMITTED:
            found.setdefault((SUBMITTED, overall), set()).update(pks)
    return {key: frozenset(pks) for key, pks in found.items()}
