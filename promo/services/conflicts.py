"""Conflicts between promos: the same product, in intersecting branches, in overlapping
periods of two live promos (submitted or approved, any supplier). A promo whose approved
revision is in force while a newer revision waits for a decision or was rejected is at the
tills on that revision's terms, so it collides on those too (:func:`in_force_revisions`):
rejecting an extension, or moving a promo's dates, does not take it off the tills. Only branches
that trade on a day both run count (:meth:`BranchSets.trading`): a closed branch, or one opening
after, is no collision. A rejected line will not run, so it conflicts with nothing, on either
side (:data:`RUNNING_DECISIONS`, :func:`line_runs`): not the other promo's, and not one of the
promo's own (its page, the queue's column and the bulk confirmation read this one rule).

The importer warns about them (``overlap``) and the promo page shows them in detail
(:func:`promo_conflict_details`: the other promo, the overlapping days and branches, both unit
prices; another supplier's promo only as «conflicts», without who or on which terms). Both go
through :func:`overlaps_find`, which checks any number of lines with a fixed number of queries:
one per chunk of products for the competing lines, one for the revisions in force behind a newer
one, one for their promos and one or two for the chain's branches and groups (:class:`BranchSets`). A list's rows ask only whether each promo
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
from promo.models import Promo, PromoLine, PromoRevision
from promo.snapshots import LineSnapshot

# Products per IN (...) list: keeps statements a sane size on a 100,000-line sheet.
CHUNK = 5000
# A promo whose approved revision is in force while a newer revision waits or was rejected.
IN_FORCE_BEHIND = tuple(sorted(Promo.Status.behind_newer()))
# The decisions of a line that will run (the one rule of which lines take part in conflicts):
# a rejected line will not, so it conflicts with nothing, whichever promo it belongs to.
RUNNING_DECISIONS = tuple(d for d in PromoLine.Decision.values if d != PromoLine.Decision.REJECTED)


def line_runs(decision: str | None) -> bool:
    """Whether a line with ``decision`` takes part in conflicts: any but a rejected one (in SQL,
    :data:`RUNNING_DECISIONS`; a sheet's row or an old snapshot without a decision runs)."""
    return decision != PromoLine.Decision.REJECTED


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
        self._dated: dict[int, tuple[date | None, date | None]] = {}  # branches with an opening or closing date
        self._common: dict[tuple[int, int], frozenset[int]] = {}

    def _load(self) -> None:
        rows = Branch.objects.values_list("pk", "code", "region_id", "city_id", "opened", "closed")
        for pk, code, region_id, city_id, opened, closed in rows:
            self.codes[pk] = code
            self._by_region[region_id].add(pk)
            self._by_city[city_id].add(pk)
            if opened is not None or closed is not None:
                self._dated[pk] = (opened, closed)
        self._loaded = True

    def trading(self, ids: frozenset[int], start: date, end: date) -> frozenset[int]:
        """Those of ``ids`` that trade on at least one day of ``start``..``end`` (opened by its
        end, not closed by its start): a branch closed, or not opened yet, runs no promo."""
        dated = ids & self._dated.keys()
        if not dated:
            return ids
        return ids - {pk for pk in dated if not _trades(self._dated[pk], start, end)}

    def collide(self, mine: frozenset[int], theirs: frozenset[int], start: date, end: date) -> bool:
        """Whether two expansions share a branch that trades over ``start``..``end``."""
        key = (id(mine), id(theirs))
        common = self._common.get(key)
        if common is None:
            common = self._common[key] = mine & theirs
        return bool(common) and bool(self.trading(common, start, end))

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


def collides(branch_sets: BranchSets, window: LineWindow, start: date, end: date, targeting: dict, *,
             mine: frozenset[int] | None = None) -> bool:
    """The one conflict rule between ``window`` and another running line of the same product, of
    a promo over ``start``..``end`` targeting ``targeting``: the periods overlap and the two share
    a branch that trades on a common day (:meth:`BranchSets.collide`). The dates are compared
    first, so branches are read only for lines whose days overlap. ``mine``: the window's branch
    set, when the caller holds it already. Used by :func:`overlaps_find` and by the sheet's own
    check (promo.services.imports.overlaps)."""
    if start > window.end or end < window.start:
        return False
    if mine is None:
        mine = branch_sets.of(window.targeting)
    return branch_sets.collide(mine, branch_sets.of(targeting), max(window.start, start), min(window.end, end))


def shared_branches(branch_sets: BranchSets, first: dict, second: dict, start: date, end: date) -> frozenset[int]:
    """The branches both targetings select that trade over ``start``..``end`` (the common days):
    what a conflict shares (as :func:`promo_conflict_details` counts them)."""
    return branch_sets.trading(branch_sets.of(first) & branch_sets.of(second), start, end)


def _live_lines(*, product_ids: list[int], first: date, last: date, excluded: list[int]) -> dict[int, set[int]]:
    """``{product id: {promo ids}}``: live promos with a line (not rejected) of one of
    ``product_ids`` on their current terms. One query per chunk of products."""
    found: dict[int, set[int]] = defaultdict(set)
    for index in range(0, len(product_ids), CHUNK):
        rows = (
            PromoLine.objects.filter(
                product_id__in=product_ids[index:index + CHUNK],
                promo__in=Promo.objects.live().filter(start__lte=last, end__gte=first),
                decision__in=RUNNING_DECISIONS,
            )
            .exclude(promo_id__in=excluded)
            .order_by()  # not the lines' default order: a join and a sort for nothing
            .values_list("product_id", "promo_id")
        )
        for product_id, promo_id in rows:
            found[product_id].add(promo_id)
    return found


def in_force_revisions(*, first: date, last: date, exclude_promo_ids: Iterable[int] = ()) -> list[PromoRevision]:
    """The approved revisions in force whose promo has a newer revision waiting for a decision
    or rejected (:data:`IN_FORCE_BEHIND`), over days touching ``first``..``last``: the tills
    run them, whatever the newer revision says, so they count for conflicts too. The few promos
    behind a newer revision are found first (the status index), then their revisions by primary
    key: one query when there are none, two else (one join filtered on the revisions' dates read
    every revision of the year, 3-6 ms at 10,000 promos, on every promo page and queue)."""
    excluded = set(exclude_promo_ids)
    behind = {promo_id: revision_id for promo_id, revision_id in
              Promo.objects.filter(status__in=IN_FORCE_BEHIND, approved_revision__isnull=False)
              .order_by().values_list("pk", "approved_revision_id")
              if promo_id not in excluded}
    if not behind:
        return []
    # Every condition in SQL, so only the revisions kept bring their lines (JSON) along; both
    # sides by primary key, so the join reads only those promos.
    return list(PromoRevision.objects.filter(pk__in=list(behind.values()), promo__pk__in=list(behind),
                                             number__lt=F("promo__revision"), start__lte=last, end__gte=first)
                .only("promo_id", "number", "start", "end", "targeting", "lines").order_by())


def revision_lines(revision: PromoRevision, product_ids=None) -> dict[int, LineSnapshot]:
    """``{product id: line}``: the lines of a frozen revision that were not rejected (of
    ``product_ids`` only, when given)."""
    lines = {}
    for row in revision.lines or []:
        line = LineSnapshot.from_json(row) if isinstance(row, dict) else None
        if line is None or line.product_id is None or not line_runs(line.decision):
            continue
        if product_ids is None or line.product_id in product_ids:
            lines[line.product_id] = line
    return lines


def _trades(dates: tuple[date | None, date | None], start: date, end: date) -> bool:
    opened, closed = dates
    return (opened is None or opened <= end) and (closed is None or closed > start)


def competing_products(*, product_ids: Iterable[int], first: date, last: date,
                       exclude_promo_ids: Iterable[int] = ()) -> dict[int, set[int]]:
    """``{product id: {promo ids}}``: the promos other than ``exclude_promo_ids`` with a line
    (not rejected) of one of ``product_ids`` in a period touching ``first``..``last``: live
    promos on their current terms, and promos whose approved revision is in force behind a
    newer one (:func:`in_force_revisions`) on that revision's terms. One query per chunk of
    products, and one for the revisions in force."""
    product_ids = sorted(set(product_ids))
    excluded = list(set(exclude_promo_ids))
    found = _live_lines(product_ids=product_ids, first=first, last=last, excluded=excluded)
    wanted = set(product_ids)
    for revision in in_force_revisions(first=first, last=last, exclude_promo_ids=excluded):
        for product_id in revision_lines(revision, wanted):
            found[product_id].add(revision.promo_id)
    return dict(found)


@dataclass(frozen=True, slots=True)
class Rival:
    """Terms of another promo that a line collides with: a live promo's current terms
    (``revision`` None, ``line`` None: its PromoLine is read when needed), or the terms of its
    approved revision in force while a newer revision waits or was rejected (``revision``: the
    number, ``line``: the revision's line of the product)."""

    promo: Promo
    start: date
    end: date
    targeting: dict
    revision: int | None = None
    line: LineSnapshot | None = None


def overlaps_find(*, windows: Iterable[LineWindow], exclude_promo_ids: Iterable[int] = (),
                  branch_sets: BranchSets | None = None, brief: bool = False) -> dict[Hashable, list[Rival]]:
    """For each window, the other promos (not ``exclude_promo_ids``) with a line of the same
    product, not rejected, in an overlapping period and intersecting branches: live promos on
    their current terms, and promos on the terms of an approved revision in force behind a
    newer one (what the tills run). One :class:`Rival` per other promo: its current terms when
    they collide, else its revision in force. Windows without a conflict are absent from the
    answer. ``brief``: the promos are read with their period and targeting only (a caller
    that needs to know which, not what)."""
    windows = list(windows)
    if not windows:
        return {}
    branch_sets = branch_sets or BranchSets()
    # Competing lines: promos whose period touches the span of the windows at all; the exact
    # per-line period and branch checks happen below, in memory.
    product_ids = sorted({w.product_id for w in windows})
    first, last = min(w.start for w in windows), max(w.end for w in windows)
    excluded = list(set(exclude_promo_ids))
    live = _live_lines(product_ids=product_ids, first=first, last=last, excluded=excluded)
    wanted = set(product_ids)
    behind = {}
    for revision in in_force_revisions(first=first, last=last, exclude_promo_ids=excluded):
        lines = revision_lines(revision, wanted)
        if lines:
            behind[revision.promo_id] = (revision, lines)
    if not live and not behind:
        return {}

    promo_ids = set().union(*live.values(), behind)
    competitors = Promo.objects.filter(pk__in=promo_ids)
    competitors = (competitors.only("start", "end", "targeting", "status") if brief
                   else competitors.select_related("supplier"))
    promos = {promo.pk: promo for promo in competitors}
    by_product: dict[int, list[Rival]] = defaultdict(list)
    for product_id, ids in live.items():
        for promo_id in ids:
            promo = promos[promo_id]
            by_product[product_id].append(Rival(promo=promo, start=promo.start, end=promo.end,
                                                targeting=promo.targeting))
    for promo_id, (revision, lines) in behind.items():
        for product_id, line in lines.items():
            by_product[product_id].append(Rival(promo=promos[promo_id], start=revision.start, end=revision.end,
                                                targeting=revision.targeting, revision=revision.number,
                                                line=line))
    for rivals in by_product.values():
        rivals.sort(key=lambda rival: (rival.promo.pk, rival.revision is not None))
    found: dict[Hashable, list[Rival]] = {}
    ours: dict[int, frozenset[int]] = {}
    for window in windows:
        hits: list[Rival] = []
        mine = ours.get(id(window.targeting))
        if mine is None:
            mine = ours[id(window.targeting)] = branch_sets.of(window.targeting)
        for rival in by_product.get(window.product_id, ()):
            if hits and hits[-1].promo.pk == rival.promo.pk:
                continue  # its current terms collide already
            if collides(branch_sets, window, rival.start, rival.end, rival.targeting, mine=mine):
                hits.append(rival)
        if hits:
            found[window.key] = hits
    return found


def conflicting_promo_ids(promos: Iterable[Promo]) -> set[int]:
    """Which of ``promos`` (with their period and targeting) have a line colliding with another
    live promo, by the rule of :func:`overlaps_find`, for the rows of a list (the approval
    queue): one query for the pairs (a line of one of ``promos`` and another live promo's line
    of its product, neither rejected, over days that overlap its own), one for the others'
    targeting and one or two for the chain's branches (:class:`BranchSets`). The branches are
    compared in memory, and a promo's comparisons stop at the first other promo that shares one."""
    promos = {promo.pk: promo for promo in promos}
    if not promos:
        return set()
    # One alias for the other line (``theirs``): every condition on it in one filter() call.
    theirs = "product__promo_lines"
    pairs = (
        PromoLine.objects.filter(promo_id__in=list(promos), decision__in=RUNNING_DECISIONS).filter(**{
            f"{theirs}__promo__status__in": Promo.Status.live(),
            f"{theirs}__decision__in": RUNNING_DECISIONS,
            f"{theirs}__promo__start__lte": F("promo__end"),
            f"{theirs}__promo__end__gte": F("promo__start"),
        })
        .order_by().values_list("promo_id", f"{theirs}__promo_id").distinct()
    )
    others: dict[int, list[int]] = defaultdict(list)
    for promo_id, other_id in pairs:
        if other_id != promo_id:
            others[promo_id].append(other_id)
    branch_sets = BranchSets()
    found = set()
    if others:
        terms = {pk: (targeting, start, end) for pk, targeting, start, end in Promo.objects.filter(
            pk__in=set().union(*others.values())).values_list("pk", "targeting", "start", "end")}
        for promo_id, other_ids in others.items():
            promo = promos[promo_id]
            mine = branch_sets.of(promo.targeting)
            if any(branch_sets.collide(mine, branch_sets.of(terms[other_id][0]), max(promo.start, terms[other_id][1]),
                                       min(promo.end, terms[other_id][2])) for other_id in other_ids):
                found.add(promo_id)
    return found | _behind_in_force(promos, found, branch_sets)


def _behind_in_force(promos: dict[int, Promo], found: set[int], branch_sets: BranchSets) -> set[int]:
    """Which of ``promos`` (not in ``found`` already) collide with an approved revision in
    force behind a newer one (:func:`in_force_revisions`): one query for those revisions and,
    when there are any and rows left to check, one for the lines of those rows of their products."""
    # Read even when every row collides already: a page costs the same whatever its rows.
    revisions = in_force_revisions(first=min(p.start for p in promos.values()),
                                   last=max(p.end for p in promos.values()))
    rest = {pk: promo for pk, promo in promos.items() if pk not in found}
    lines_of = {revision.pk: revision_lines(revision) for revision in revisions}
    by_product: dict[int, list[PromoRevision]] = defaultdict(list)
    for revision in revisions:
        for product_id in lines_of[revision.pk]:
            by_product[product_id].append(revision)
    if not by_product or not rest:
        return set()
    hits = set()
    rows = (PromoLine.objects.filter(promo_id__in=list(rest), product_id__in=list(by_product),
                                     decision__in=RUNNING_DECISIONS)
            .order_by().values_list("promo_id", "product_id").distinct())
    for promo_id, product_id in rows:
        if promo_id in hits:
            continue
        promo = rest[promo_id]
        mine = branch_sets.of(promo.targeting)
        if any(revision.promo_id != promo_id and revision.start <= promo.end and revision.end >= promo.start
               and branch_sets.collide(mine, branch_sets.of(revision.targeting), max(promo.start, revision.start),
                                       min(promo.end, revision.end)) for revision in by_product[product_id]):
            hits.add(promo_id)
    return hits


def promo_conflicts(promo: Promo) -> list[tuple[PromoLine, Promo]]:
    """The lines of ``promo`` that collide with another live promo, as (line, other promo)
    pairs sorted by article and promo code (for the approval screen); a rejected line with none."""
    lines = list(promo.lines.select_related("product").order_by("product__article"))
    found = overlaps_find(windows=_windows(promo, lines), exclude_promo_ids=[promo.pk])
    return [(line, rival.promo) for line in lines for rival in found.get(line.pk, [])]


@dataclass(frozen=True, slots=True)
class Conflict:
    """One overlap of a line with another live promo's line of the same product: the days both
    run (``start``..``end``), the branches both target that trade on those days (not closed, not
    opening later), both unit prices. ``visible`` is
    False when the user may not see the other promo (another supplier's): then only the fact
    is shown, never its code, supplier, terms or the overlap itself. ``other_start``..``other_end``
    is the other's period as it collides: its current one, or that of its approved revision in
    force behind a newer one (``other_revision``: that revision's number, else None)."""

    line: PromoLine
    other: Promo
    other_line: PromoLine | LineSnapshot
    start: date
    end: date
    branch_codes: tuple[str, ...]
    unit_price: Decimal | None
    other_unit_price: Decimal | None
    visible: bool
    other_start: date | None = None
    other_end: date | None = None
    other_revision: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def branch_count(self) -> int:
        return len(self.branch_codes)


def _windows(promo: Promo, lines) -> list[LineWindow]:
    """The windows of ``promo``'s own ``lines`` that will run (:func:`line_runs`): a rejected
    line conflicts with nothing."""
    return [LineWindow(key=line.pk, product_id=line.product_id, start=promo.start, end=promo.end,
                       targeting=promo.targeting) for line in lines if line_runs(line.decision)]


def _unit_price(mechanic: str, line: PromoLine) -> Decimal | None:
    return mechanics.unit_price(mechanic, line.regular_price, discount_percent=line.discount_percent,
                                price=line.promo_price, n=line.n, m=line.m)


def promo_conflict_details(promo: Promo, *, user=None, lines=None) -> list[Conflict]:
    """Every overlap of ``promo``'s lines (``lines``: the page's, with their products) with
    another promo (:func:`overlaps_find`: live ones, and approved revisions in force behind a
    newer one), sorted by article and the other's code; a rejected line has none (:func:`line_runs`).
    A fixed number of queries: the
    competing lines, revisions and promos, their lines of the products, the branches and
    groups, what ``user`` may see (``Promo.objects.restrict``; no user: everything)."""
    if lines is None:
        lines = list(promo.lines.select_related("product").order_by("product__article"))
    windows = _windows(promo, lines)
    if not windows:
        return []
    branch_sets = BranchSets()
    found = overlaps_find(windows=windows, exclude_promo_ids=[promo.pk], branch_sets=branch_sets)
    if not found:
        return []
    rivals = [rival for hits in found.values() for rival in hits]
    other_ids = {rival.promo.pk for rival in rivals}
    current_ids = {rival.promo.pk for rival in rivals if rival.line is None}
    other_lines = {
        (line.promo_id, line.product_id): line
        for line in PromoLine.objects.filter(promo_id__in=current_ids, decision__in=RUNNING_DECISIONS,
                                             product_id__in={line.product_id for line in lines})
    } if current_ids else {}
    mine = branch_sets.of(promo.targeting)
    codes = branch_sets.codes
    visible = (other_ids if user is None
               else set(Promo.objects.restrict(user).filter(pk__in=other_ids).values_list("pk", flat=True)))
    conflicts = []
    for line in lines:
        for rival in found.get(line.pk, ()):
            other = rival.promo
            other_line = rival.line if rival.line is not None else other_lines[(other.pk, line.product_id)]
            start, end = max(promo.start, rival.start), min(promo.end, rival.end)
            shared = branch_sets.trading(mine & branch_sets.of(rival.targeting), start, end)
            conflicts.append(Conflict(
                line=line, other=other, other_line=other_line, start=start, end=end,
                branch_codes=tuple(sorted(codes[pk] for pk in shared)),
                unit_price=_unit_price(promo.mechanic, line),
                other_unit_price=_unit_price(other.mechanic, other_line),
                visible=other.pk in visible,
                other_start=rival.start, other_end=rival.end, other_revision=rival.revision,
            ))
    conflicts.sort(key=lambda c: (c.line.product.article, c.other.pk))
    return conflicts
