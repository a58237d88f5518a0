"""Conflicts between promos: the same product, in intersecting branches, in overlapping
periods of two live promos (submitted or approved, any supplier).

The importer warns about them (``overlap``) and the promo page shows them in detail
(:func:`promo_conflict_details`: the other promo, the overlapping days and branches, both unit
prices; another supplier's promo only as «conflicts», without who or on which terms). Both go
through :func:`overlaps_find`, which checks any number of lines with a fixed number of queries:
one per chunk of products for the competing lines, one for their promos and one or two for the
chain's branches and groups (:class:`BranchSets`). A list's rows ask only whether each promo
conflicts (:func:`conflicting_promo_ids`: the pairs of promos in one set-based query, then the
same branch check)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F

from branches.models import Branch, BranchGroup
from branches.targeting import Targeting
from promo import mechanics
from promo.models import Promo, PromoLine

# Products per IN (...) list: keeps statements a sane size on a 100,000-line sheet.
CHUNK = 5000


@dataclass(frozen=True, slots=True)
class LineWindow:
    """One line to check: its product, its promo's period and targeting. ``key`` is whatever
    the caller uses to find the line again (a sheet row, a PromoLine)."""

    key: Hashable
    product_id: int
    start: date
    end: date
    targeting: dict


class BranchSets:
    """Expands targeting rules to sets of branch ids in memory: the chain's branches (with
    their region and city) are read once, on the first rule set that names any, and the
    groups' members once, on the first that names a group; so any number of distinct rule
    sets costs two queries at most. The sets are what
    :meth:`branches.targeting.Targeting.branch_filter` selects (tests hold both to it)."""

    def __init__(self) -> None:
        self._cache: dict[Targeting, frozenset[int]] = {}
        self.codes: dict[int, str] = {}  # the code of every branch of the chain, once loaded
        self._loaded = self._groups_loaded = False
        self._by_region: dict[int, set[int]] = defaultdict(set)
        self._by_city: dict[int, set[int]] = defaultdict(set)
        self._by_group: dict[int, set[int]] = defaultdict(set)

    def _load(self) -> None:
        for pk, code, region_id, city_id in Branch.objects.values_list("pk", "code", "region_id", "city_id"):
            self.codes[pk] = code
            self._by_region[region_id].add(pk)
            self._by_city[city_id].add(pk)
        self._loaded = True

    def _load_groups(self) -> None:
        for group_id, branch_id in BranchGroup.branches.through.objects.values_list("branchgroup_id", "branch_id"):
            self._by_group[group_id].add(branch_id)
        self._groups_loaded = True

    def of(self, targeting: dict) -> frozenset[int]:
        rules = Targeting.from_json(targeting)
        found = self._cache.get(rules)
        if found is None:
            found = self._cache[rules] = self._expand(rules)
        return found

    def _expand(self, rules: Targeting) -> frozenset[int]:
        if rules.is_empty:
            return frozenset()
        if not self._loaded:
            self._load()
        if rules.groups and not self._groups_loaded:
            self._load_groups()
        if rules.chain:
            included = set(self.codes)
        else:
            included = {pk for pk in rules.branches if pk in self.codes}
            for ids, members in ((rules.regions, self._by_region), (rules.cities, self._by_city),
                                 (rules.groups, self._by_group)):
                for key in ids:
                    included |= members.get(key, set())
        return frozenset(included - set(rules.exclude))


def competing_products(*, product_ids: Iterable[int], first: date, last: date,
                       exclude_promo_ids: Iterable[int] = ()) -> dict[int, set[int]]:
    """``{product id: {promo ids}}``: the live promos other than ``exclude_promo_ids`` with a
    line (not rejected) of one of ``product_ids`` in a period touching ``first``..``last``.
    One query per chunk of products."""
    product_ids = sorted(set(product_ids))
    excluded = list(set(exclude_promo_ids))
    found: dict[int, set[int]] = defaultdict(set)
    for index in range(0, len(product_ids), CHUNK):
        rows = (
            PromoLine.objects.filter(
                product_id__in=product_ids[index:index + CHUNK],
                promo__in=Promo.objects.live().filter(start__lte=last, end__gte=first),
            )
            .exclude(decision=PromoLine.Decision.REJECTED)
            .exclude(promo_id__in=excluded)
            .order_by()  # not the lines' default order: a join and a sort for nothing
            .values_list("product_id", "promo_id")
        )
        for product_id, promo_id in rows:
            found[product_id].add(promo_id)
    return dict(found)


def overlaps_find(*, windows: Iterable[LineWindow], exclude_promo_ids: Iterable[int] = (),
                  branch_sets: BranchSets | None = None, brief: bool = False) -> dict[Hashable, list[Promo]]:
    """For each window, the live promos (other than ``exclude_promo_ids``) that have a line
    of the same product, not rejected, in an overlapping period and intersecting branches.
    Windows without a conflict are absent from the answer. ``brief``: the promos are read
    with their period and targeting only (a caller that needs to know which, not what)."""
    windows = list(windows)
    if not windows:
        return {}
    branch_sets = branch_sets or BranchSets()
    # Competing lines: live promos whose period touches the span of the windows at all;
    # the exact per-line period and branch checks happen below, in memory.
    promo_ids_by_product = competing_products(
        product_ids={w.product_id for w in windows}, first=min(w.start for w in windows),
        last=max(w.end for w in windows), exclude_promo_ids=exclude_promo_ids,
    )
    if not promo_ids_by_product:
        return {}

    promo_ids = set().union(*promo_ids_by_product.values())
    competitors = Promo.objects.filter(pk__in=promo_ids)
    competitors = (competitors.only("start", "end", "targeting") if brief
                   else competitors.select_related("supplier"))
    promos = {promo.pk: promo for promo in competitors}
    found: dict[Hashable, list[Promo]] = {}
    # Each rule set expanded once: the windows of one promo share its targeting (one dict).
    theirs = {promo_id: branch_sets.of(promo.targeting) for promo_id, promo in promos.items()}
    ours: dict[int, frozenset[int]] = {}
    for window in windows:
        hits = []
        mine = ours.get(id(window.targeting))
        if mine is None:
            mine = ours[id(window.targeting)] = branch_sets.of(window.targeting)
        for promo_id in sorted(promo_ids_by_product.get(window.product_id, ())):
            other = promos[promo_id]
            if other.start > window.end or other.end < window.start:
                continue
            if not mine.isdisjoint(theirs[promo_id]):
                hits.append(other)
        if hits:
            found[window.key] = hits
    return found


def conflicting_promo_ids(promos: Iterable[Promo]) -> set[int]:
    """Which of ``promos`` (with their period and targeting) have a line colliding with another
    live promo, by the rule of :func:`overlaps_find`, for the rows of a list (the approval
    queue): one query for the pairs (one of ``promos``, another live promo with a line, not
    rejected, of one of its products over days that overlap its own), one for the others'
    targeting and one or two for the chain's branches (:class:`BranchSets`). The branches are
    compared in memory, and a promo's comparisons stop at the first other promo that shares one."""
    promos = {promo.pk: promo for promo in promos}
    if not promos:
        return set()
    # One alias for the other line (``theirs``): every condition on it in one filter() call.
    theirs = "product__promo_lines"
    pairs = (
        PromoLine.objects.filter(promo_id__in=list(promos)).filter(**{
            f"{theirs}__promo__status__in": Promo.Status.live(),
            f"{theirs}__decision__in": [d for d in PromoLine.Decision.values if d != PromoLine.Decision.REJECTED],
            f"{theirs}__promo__start__lte": F("promo__end"),
            f"{theirs}__promo__end__gte": F("promo__start"),
        })
        .order_by().values_list("promo_id", f"{theirs}__promo_id").distinct()
    )
    others: dict[int, list[int]] = defaultdict(list)
    for promo_id, other_id in pairs:
        if other_id != promo_id:
            others[promo_id].append(other_id)
    if not others:
        return set()
    targeting = dict(Promo.objects.filter(pk__in=set().union(*others.values())).values_list("pk", "targeting"))
    branch_sets = BranchSets()
    found = set()
    for promo_id, other_ids in others.items():
        mine = branch_sets.of(promos[promo_id].targeting)
        if any(not mine.isdisjoint(branch_sets.of(targeting[other_id])) for other_id in other_ids):
            found.add(promo_id)
    return found


def promo_conflicts(promo: Promo) -> list[tuple[PromoLine, Promo]]:
    """The lines of ``promo`` that collide with another live promo, as (line, other promo)
    pairs sorted by article and promo code (for the approval screen)."""
    lines = list(promo.lines.select_related("product").order_by("product__article"))
    windows = [
        LineWindow(key=line.pk, product_id=line.product_id, start=promo.start, end=promo.end,
                   targeting=promo.targeting)
        for line in lines
    ]
    found = overlaps_find(windows=windows, exclude_promo_ids=[promo.pk])
    return [(line, other) for line in lines for other in found.get(line.pk, [])]


@dataclass(frozen=True, slots=True)
class Conflict:
    """One overlap of a line with another live promo's line of the same product: the days both
    run (``start``..``end``), the branches both target, both unit prices. ``visible`` is
    False when the user may not see the other promo (another supplier's): then only the fact
    is shown, never its code, supplier, terms or the overlap itself."""

    line: PromoLine
    other: Promo
    other_line: PromoLine
    start: date
    end: date
    branch_codes: tuple[str, ...]
    unit_price: Decimal | None
    other_unit_price: Decimal | None
    visible: bool

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def branch_count(self) -> int:
        return len(self.branch_codes)


def _unit_price(mechanic: str, line: PromoLine) -> Decimal | None:
    return mechanics.unit_price(mechanic, line.regular_price, discount_percent=line.discount_percent,
                                price=line.promo_price, n=line.n, m=line.m)


def promo_conflict_details(promo: Promo, *, user=None, lines=None) -> list[Conflict]:
    """Every overlap of ``promo``'s lines (``lines``: the page's, with their products) with
    another live promo, sorted by article and the other's code. A fixed number of queries: the
    competing lines and promos, their lines of the products, the branches and groups, what
    ``user`` may see (``Promo.objects.restrict``; no user: everything)."""
    if lines is None:
        lines = list(promo.lines.select_related("product").order_by("product__article"))
    if not lines:
        return []
    branch_sets = BranchSets()
    found = overlaps_find(
        windows=[LineWindow(key=line.pk, product_id=line.product_id, start=promo.start, end=promo.end,
                            targeting=promo.targeting) for line in lines],
        exclude_promo_ids=[promo.pk], branch_sets=branch_sets,
    )
    if not found:
        return []
    other_ids = {other.pk for others in found.values() for other in others}
    other_lines = {
        (line.promo_id, line.product_id): line
        for line in PromoLine.objects.filter(promo_id__in=other_ids,
                                             product_id__in={line.product_id for line in lines})
        .exclude(decision=PromoLine.Decision.REJECTED)
    }
    mine = branch_sets.of(promo.targeting)
    shared = {other.pk: mine & branch_sets.of(other.targeting) for others in found.values() for other in others}
    codes = branch_sets.codes
    visible = (other_ids if user is None
               else set(Promo.objects.restrict(user).filter(pk__in=other_ids).values_list("pk", flat=True)))
    conflicts = []
    for line in lines:
        for other in found.get(line.pk, ()):
            other_line = other_lines[(other.pk, line.product_id)]
            conflicts.append(Conflict(
                line=line, other=other, other_line=other_line,
                start=max(promo.start, other.start), end=min(promo.end, other.end),
                branch_codes=tuple(sorted(codes[pk] for pk in shared[other.pk])),
                unit_price=_unit_price(promo.mechanic, line),
                other_unit_price=_unit_price(other.mechanic, other_line),
                visible=other.pk in visible,
            ))
    conflicts.sort(key=lambda c: (c.line.product.article, c.other.pk))
    return conflicts
