"""The ``overlap`` warnings of a validated sheet: the same product in overlapping dates and
branches of another live promo, or of an approved revision in force behind a newer one
(promo.services.conflicts), with the period that collides. The promos the sheet revises are
replaced by it, so they do not count.

Two promos of the sheet itself collide by the same rule (:func:`promo.services.conflicts.collides`):
the category manager would see the conflict once both are submitted, so the supplier hears it at
upload (:func:`sheet_overlap_warnings`). A promo the sheet revises counts on its new terms, the
sheet's. The supplier's drafts not in the sheet do not count, as for live promos."""

from __future__ import annotations

from collections import defaultdict

from promo.services.conflicts import (
    BranchSets,
    LineWindow,
    collides,
    competing_products,
    overlaps_find,
    shared_branches,
)
from promo.services.imports.problems import Problem


def overlap_warnings(promos: list, matches: dict, title: str) -> list[Problem]:
    """Every ``overlap`` warning of the sheet: against other live promos
    (:func:`live_overlap_warnings`), then between its own promos (:func:`sheet_overlap_warnings`),
    with one read of the chain's branches for both."""
    branch_sets = BranchSets()
    return (live_overlap_warnings(promos, matches, title, branch_sets)
            + sheet_overlap_warnings(promos, title, branch_sets))


def live_overlap_warnings(promos: list, matches: dict, title: str,
                          branch_sets: BranchSets | None = None) -> list[Problem]:
    """One warning per sheet row and other live promo. Windows are built only for the products
    some other live promo has at all."""
    if not promos:
        return []
    exclude = [promo.pk for promo in matches.values()]
    competing = competing_products(
        product_ids={pk for promo in promos for pk in promo.lines},
        first=min(promo.start for promo in promos), last=max(promo.end for promo in promos),
        exclude_promo_ids=exclude,
    )
    if not competing:
        return []
    lines = {line.row: line for promo in promos for line in promo.lines.values() if line.product_id in competing}
    windows = [
        LineWindow(key=line.row, product_id=line.product_id, start=promo.start, end=promo.end,
                   targeting=promo.targeting)
        for promo in promos for line in promo.lines.values() if line.row in lines
    ]
    return [
        Problem("overlap", row, title,
                params={"value": lines[row].article, "promo": f"{rival.promo.code} «{rival.promo.name}»",
                        "start": rival.start, "end": rival.end})
        for row, rivals in overlaps_find(windows=windows, exclude_promo_ids=exclude,
                                         branch_sets=branch_sets).items()
        for rival in rivals
    ]


def sheet_overlap_warnings(promos: list, title: str, branch_sets: BranchSets | None = None) -> list[Problem]:
    """``overlap`` (reason ``sheet``) on each line that collides with a line of the same product
    in an earlier row of another promo of the sheet: it names the first such line (its promo,
    period and row), the common days and how many branches trading on them both target, and how
    many other promos of the sheet it collides with too (reason ``sheet_many``). So a line has
    one warning at most, and a pair of promos one per product.

    Linear in the lines: the promos are cut into runs of days (:func:`_date_runs`: two promos of
    different runs share no day), and inside a run one dictionary look-up per line finds the
    products that more than one promo holds; only those lines are compared, with the lines of
    their product whose days reach theirs. The rule's answer depends on the two promos only, so
    it is asked once per pair of promos; the branches are read, once, only then."""
    pairs = _Pairs(branch_sets or BranchSets())
    warnings = []
    for run in _date_runs(promos):
        if len(run) < 2:
            continue
        first_holder: dict[int, object] = {}
        repeated: dict[int, list] = {}
        for promo in run:
            for product_id in promo.lines:
                first = first_holder.setdefault(product_id, promo)
                if first is not promo:
                    repeated.setdefault(product_id, [first]).append(promo)
        for product_id, holders in repeated.items():
            warnings.extend(_product_warnings(product_id, holders, title, pairs))
    return warnings


def _date_runs(promos: list) -> list[list]:
    """The promos in runs of days that chain together, by start: a run ends where the next
    promo starts after every day of it, so two promos of different runs share no day."""
    runs: list[list] = []
    last = None
    for promo in sorted(promos, key=lambda promo: promo.start):
        if last is None or promo.start > last:
            runs.append([])
            last = promo.end
        runs[-1].append(promo)
        last = max(last, promo.end)
    return runs


def _product_warnings(product_id: int, holders: list, title: str, pairs: _Pairs) -> list[Problem]:
    """The warnings of one product's lines in ``holders`` (the promos of a run that hold it): a
    sweep in order of start compares a line with the lines whose days reach its start only."""
    entries = sorted(((promo.start, promo.lines[product_id].row, promo) for promo in holders),
                     key=lambda entry: (entry[0], entry[1]))
    earlier: dict[int, list[tuple]] = defaultdict(list)  # a line's row -> the earlier rows it collides with
    running: list[tuple] = []  # the lines passed whose days reach the current start
    for start, row, promo in entries:
        running = [entry for entry in running if entry[2].end >= start]
        for _start, other_row, other in running:
            if pairs.shared(promo, other) is not None:
                later, first = (row, (other_row, other)) if other_row < row else (other_row, (row, promo))
                earlier[later].append(first)
        running.append((start, row, promo))
    by_row = {row: promo for _start, row, promo in entries}
    return [_sheet_warning(row, by_row[row], by_row[row].lines[product_id], sorted(others, key=lambda o: o[0]),
                           title, pairs)
            for row, others in earlier.items()]


class _Pairs:
    """The conflict rule's answer for two promos of the sheet (:func:`collides` for a line of one
    against a line of the same product in the other), remembered per pair."""

    def __init__(self, branch_sets: BranchSets) -> None:
        self.branch_sets = branch_sets
        self._found: dict[tuple[int, int], int | None] = {}

    def shared(self, promo, other) -> int | None:
        """How many branches trading on the common days both promos target, or None when a line
        of one does not collide with the other's (no common day, or no such branch)."""
        key = (id(promo), id(other)) if id(promo) < id(other) else (id(other), id(promo))
        if key not in self._found:
            window = LineWindow(key=None, product_id=0, start=promo.start, end=promo.end, targeting=promo.targeting)
            found = None
            if collides(self.branch_sets, window, other.start, other.end, other.targeting):
                found = len(shared_branches(self.branch_sets, promo.targeting, other.targeting,
                                            max(promo.start, other.start), min(promo.end, other.end)))
            self._found[key] = found
        return self._found[key]


def _sheet_warning(row: int, promo, line, earlier: list[tuple], title: str, pairs: _Pairs) -> Problem:
    other_row, other = earlier[0]
    params = {
        "value": line.article, "row": row, "promo": promo.name, "promo_start": promo.start, "promo_end": promo.end,
        "other_row": other_row, "other": other.name, "other_start": other.start, "other_end": other.end,
        "start": max(promo.start, other.start), "end": min(promo.end, other.end),
        "branches": pairs.shared(promo, other), "reason": "sheet",
    }
    if len(earlier) > 1:
        params.update(reason="sheet_many", more=len(earlier) - 1)
    return Problem("overlap", row, title, params=params)
