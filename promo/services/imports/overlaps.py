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

    Linear in the lines: they are grouped by product first, and only the lines of one product
    are compared with each other (dates first; branches are read, once, only when two of them
    share a day)."""
    by_product: dict[int, list[tuple]] = defaultdict(list)
    for promo in promos:
        for product_id, line in promo.lines.items():
            by_product[product_id].append((line.row, promo, line))
    branch_sets = branch_sets or BranchSets()
    warnings = []
    for entries in by_product.values():
        if len(entries) < 2:
            continue
        entries.sort(key=lambda entry: entry[0])
        for index, (row, promo, line) in enumerate(entries):
            if index == 0:
                continue
            window = LineWindow(key=row, product_id=line.product_id, start=promo.start, end=promo.end,
                                targeting=promo.targeting)
            earlier = [(other_row, other) for other_row, other, _line in entries[:index]
                       if collides(branch_sets, window, other.start, other.end, other.targeting)]
            if earlier:
                warnings.append(_sheet_warning(row, promo, line, earlier, title, branch_sets))
    return warnings


def _sheet_warning(row: int, promo, line, earlier: list[tuple], title: str, branch_sets: BranchSets) -> Problem:
    other_row, other = earlier[0]
    start, end = max(promo.start, other.start), min(promo.end, other.end)
    params = {
        "value": line.article, "row": row, "promo": promo.name, "promo_start": promo.start, "promo_end": promo.end,
        "other_row": other_row, "other": other.name, "other_start": other.start, "other_end": other.end,
        "start": start, "end": end,
        "branches": len(shared_branches(branch_sets, promo.targeting, other.targeting, start, end)),
        "reason": "sheet",
    }
    if len(earlier) > 1:
        params.update(reason="sheet_many", more=len(earlier) - 1)
    return Problem("overlap", row, title, params=params)
