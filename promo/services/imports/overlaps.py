"""The ``overlap`` warnings of a validated sheet: the same product in overlapping dates and
branches of another live promo, or of an approved revision in force behind a newer one
(promo.services.conflicts), with the period that collides. The promos the sheet revises are
replaced by it, so they do not count."""

from __future__ import annotations

from promo.services.conflicts import LineWindow, competing_products, overlaps_find
from promo.services.imports.problems import Problem


def overlap_warnings(promos: list, matches: dict, title: str) -> list[Problem]:
    """One warning per sheet row and other promo. Windows are built only for the products some
    other live promo has at all."""
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
        for row, rivals in overlaps_find(windows=windows, exclude_promo_ids=exclude).items()
        for rival in rivals
    ]
