"""The shelf-price timeline of a product: which promo sets its price where, day by day, read
from the approved revisions in force and the promos awaiting their decision, and decided by
the one precedence rule of :mod:`promo.shelf` (``settings.PROMO_SHELF_PRECEDENCE``).

A fixed number of queries whatever the number of promos and branches: the promos in force,
the submitted lines, the branches in scope, the chain's branches and groups (promo.services.conflicts
``BranchSets``) and one for what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Subquery

from branches.models import Branch
from promo import mechanics, shelf
from promo.models import Promo, PromoEvent, PromoLine
from promo.services.conflicts import BranchSets
from suppliers.models import Product

# The promos whose approved revision the exports send and the price tags print: approved, or
# with a successor revision waiting (submitted) or refused (rejected) while it stays in force.
IN_FORCE_STATUSES = tuple(sorted(Promo.Status.in_force()))


@dataclass(frozen=True, slots=True)
class Row:
    """One segment as a user sees it. ``promo`` and ``unit_price`` are None for a promo the
    user may not see (another supplier's): the day is taken, by whom is not said."""

    start: date
    end: date
    promo: str | None
    promo_id: int | None
    status: str
    unit_price: Decimal | None
    branches: tuple[str, ...]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class Timeline:
    product: Product
    first: date
    last: date
    regular_price: Decimal
    branch_count: int  # the branches in scope trading on a day of the window at least
    rows: list[Row]
    rule: str


def _first_approval():
    """When the promo was first approved (the tie-break of the precedence rule)."""
    return Subquery(PromoEvent.objects.filter(promo=OuterRef("pk"), kind=PromoEvent.Kind.PROMO_APPROVED)
                    .order_by("created_at", "pk").values("created_at")[:1])


def offers_for(product: Product, *, first: date, last: date,
               branch_sets: BranchSets | None = None) -> list[shelf.Offer]:
    """Every offer of ``product`` touching ``first``..``last``: the line of each approved
    revision in force (not rejected), and the line of each submitted promo (not rejected).
    Percent and N+M prices apply to the product's regular price of today, as the exports do."""
    branch_sets = branch_sets or BranchSets()
    regular = product.regular_price
    offers = []
    in_force = (Promo.objects.filter(approved_revision__isnull=False, status__in=IN_FORCE_STATUSES,
                                     approved_revision__start__lte=last, approved_revision__end__gte=first)
                .select_related("approved_revision").annotate(first_approved=_first_approval()).order_by("pk"))
    if connection.features.supports_json_field_contains:
        in_force = in_force.filter(approved_revision__lines__contains=[{"product_id": product.pk}])
    for promo in in_force:
        revision = promo.approved_revision
        for line in revision.lines or ():
            if line.get("product_id") != product.pk or line.get("decision") == PromoLine.Decision.REJECTED:
                continue
            price = mechanics.unit_price(revision.mechanic, regular, discount_percent=line.get("discount_percent"),
                                         price=line.get("promo_price"), n=line.get("n"), m=line.get("m"))
            if price is not None:
                offers.append(shelf.Offer(
                    promo_id=promo.pk, code=promo.code, status=shelf.APPROVED, start=revision.start,
                    end=revision.end, unit_price=price, approved_at=promo.first_approved,
                    branches=branch_sets.of(revision.targeting)))
    submitted = (PromoLine.objects.filter(product=product, promo__status=Promo.Status.SUBMITTED,
                                          promo__start__lte=last, promo__end__gte=first)
                 .exclude(decision=PromoLine.Decision.REJECTED)
                 .select_related("promo").order_by("promo_id"))
    for line in submitted:
        promo = line.promo
        price = mechanics.unit_price(promo.mechanic, regular, discount_percent=line.discount_percent,
                                     price=line.promo_price, n=line.n, m=line.m)
        if price is not None:
            offers.append(shelf.Offer(
                promo_id=promo.pk, code=promo.code, status=shelf.SUBMITTED, start=promo.start, end=promo.end,
                unit_price=price, approved_at=None, branches=branch_sets.of(promo.targeting)))
    return offers


def product_timeline(*, product: Product, user, first: date, last: date,
                     branches=None) -> Timeline:
    """The timeline of ``product`` from ``first`` to ``last`` in ``branches`` (a Branch queryset;
    the whole chain by default). The caller has checked that ``user`` may see the product; a
    promo ``user`` may not see is shown without its code and price."""
    rows = (branches if branches is not None else Branch.objects.all()).values_list("pk", "code", "opened", "closed")
    scope, codes = {}, {}
    for pk, code, opened, closed in rows:
        scope[pk], codes[pk] = (opened, closed), code
    offers = offers_for(product, first=first, last=last)
    rule = settings.PROMO_SHELF_PRECEDENCE
    segments = shelf.timeline(offers, first=first, last=last, branches=scope, rule=rule)
    ids = {segment.offer.promo_id for segment in segments}
    visible = set(Promo.objects.restrict(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    rows = []
    for segment in segments:
        offer = segment.offer
        shown = offer.promo_id in visible
        rows.append(Row(
            start=segment.start, end=segment.end, promo=offer.code if shown else None,
            promo_id=offer.promo_id if shown else None, status=offer.status,
            unit_price=offer.unit_price if shown else None,
            branches=tuple(sorted(codes[pk] for pk in segment.branches)),
        ))
    # The branches with a shelf at all in the window (one closed before it, or opening after it, has none).
    trading = sum(1 for opened, closed in scope.values()
                  if (opened is None or opened <= last) and (closed is None or closed > first))
    return Timeline(product=product, first=first, last=last, regular_price=product.regular_price,
                    branch_count=trading, rows=rows, rule=rule)


def next_offer_start(product: Product, *, after: date, branches=None, days: int = 366) -> date | None:
    """The first day after ``after`` (within ``days``) on which a promo of ``product`` (in force
    or awaiting its decision) could set its price in ``branches`` (a Branch queryset; the whole
    chain by default): where an empty window points the reader to. Who the promo is is not
    said, so it needs no visibility check."""
    first = after + timedelta(days=1)
    offers = offers_for(product, first=first, last=after + timedelta(days=days))
    scope = None if branches is None else frozenset(branches.values_list("pk", flat=True))
    return min((max(offer.start, first) for offer in offers if scope is None or offer.branches & scope), default=None)


def first_approvals(promo_ids) -> dict[int, object]:
    """``{promo id: when it was first approved}`` (one query): the tie-break of the rule for the
    exports' and the price tags' own selections."""
    found: dict[int, object] = {}
    rows = (PromoEvent.objects.filter(promo_id__in=list(promo_ids), kind=PromoEvent.Kind.PROMO_APPROVED)
            .order_by("promo_id", "created_at", "pk").values_list("promo_id", "created_at"))
    for promo_id, created_at in rows:
        found.setdefault(promo_id, created_at)
    return found
