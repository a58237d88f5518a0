"""Which promos of a sheet revise promos that exist: a candidate with the same supplier,
mechanic kind, period and name (after folding) as a not-final promo is its next revision
(:func:`match_revisions`). Used by validation and, under row locks, by the save step.

A group of rows without a promo name is named from its supplier, mechanic and dates
(``SheetValidator._unnamed``), so it matches only a promo that was itself uploaded without a
name: never a promo somebody named (rows whose name cell was left empty must not cut a named
promo down to their few lines; a name merged down the rows names each of them, ``layout``). Such a match changes a promo the uploader did not name, so the
upload stops at a preview (:mod:`promo.services.imports.plan`)."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from typing import TYPE_CHECKING

from branches.targeting import Targeting
from promo.models import Promo

if TYPE_CHECKING:
    from promo.services.imports.validation import PromoCandidate

# Product names are compared after folding; below this similarity they "differ noticeably"
# (a typo or a dropped word passes, another product's name does not).
NAME_SIMILARITY = 0.85
_NAME_NOISE = re.compile(r"[\W_]+", re.UNICODE)


def fold_name(text: str) -> str:
    """Case, ё, quotes, punctuation and spacing do not make two names different."""
    return _NAME_NOISE.sub(" ", text.casefold().replace("ё", "е")).strip()


def same_name(written: str, catalogue: str) -> bool:
    """The file's product name is the catalogue's, give or take a typo or a dropped word."""
    a, b = fold_name(written), fold_name(catalogue)
    if a == b:
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= NAME_SIMILARITY


def match_revisions(promos: list[PromoCandidate], *, lock: bool = False) -> dict[int, Promo]:
    """Which candidates are corrected re-uploads of a not-final promo of the same supplier:
    same name (after folding), mechanic kind and period; of two such promos, the one with the
    candidate's branches. An unnamed candidate carries the name
    made for it, so it matches only a promo that was uploaded unnamed too, never a named one.
    Each existing promo is matched once (the newest first). ``lock`` takes row locks (inside the saving
    transaction, in primary-key order) so two uploads cannot revise the same promo at once."""
    if not promos:
        return {}
    # Row locks are taken in primary-key order, as every batch of the portal takes them (mass
    # corrections, the deadline and date events): taken the other way round, two batches
    # sharing promos deadlock. The newest promo is matched first all the same.
    existing = Promo.objects.filter(
        supplier_id__in={p.supplier_id for p in promos},
        start__gte=min(p.start for p in promos),
        end__lte=max(p.end for p in promos),
    ).exclude(status__in=Promo.Status.final()).order_by("pk")
    if lock:
        existing = existing.select_for_update(of=("self",))
    by_period: dict[tuple, list[Promo]] = {}
    for promo in reversed(list(existing)):
        by_period.setdefault((promo.supplier_id, promo.mechanic, promo.start, promo.end), []).append(promo)
    if not by_period:
        return {}
    taken: set[int] = set()
    matches: dict[int, Promo] = {}
    # Two promos may share a name and a period with other branches («Июль» in two regions): a
    # candidate revises the one with its own branches first, so a sheet of one region never
    # rewrites the other region's promo; only then, the newest of its name.
    for same_branches in (True, False):
        for index, candidate in enumerate(promos):
            if index in matches:
                continue
            wanted, rules = fold_name(candidate.name), Targeting.from_json(candidate.targeting)
            chosen = next((p for p in by_period.get((candidate.supplier_id, candidate.mechanic, candidate.start,
                                                     candidate.end), [])
                           if p.pk not in taken and fold_name(p.name) == wanted
                           and (not same_branches or Targeting.from_json(p.targeting) == rules)), None)
            if chosen is not None:
                taken.add(chosen.pk)
                matches[index] = chosen
    return dict(sorted(matches.items()))


def moved_periods(promos: list[PromoCandidate], matches: dict[int, Promo]) -> dict[int, list[Promo]]:
    """The named candidates that make a new promo while a not-final promo of the same supplier,
    name (after folding) and mechanic kind runs over other, overlapping days: the sheet moved
    that promo's dates. A period is part of what a promo is, so the sheet cannot move it: the
    rows become a new promo and the other one stays; the supplier is told (``period_changed``).
    One query. ``{candidate index: [those promos, oldest first]}``."""
    new = [(index, candidate) for index, candidate in enumerate(promos) if index not in matches and candidate.named]
    if not new:
        return {}
    existing = (
        Promo.objects.filter(supplier_id__in={c.supplier_id for _index, c in new},
                             start__lte=max(c.end for _index, c in new), end__gte=min(c.start for _index, c in new))
        .exclude(status__in=Promo.Status.final()).exclude(pk__in=[promo.pk for promo in matches.values()])
        .only("name", "supplier_id", "mechanic", "start", "end").order_by("pk")
    )
    by_key: dict[tuple, list[Promo]] = defaultdict(list)
    for promo in existing:
        by_key[(promo.supplier_id, promo.mechanic, fold_name(promo.name))].append(promo)
    found = {}
    for index, candidate in new:
        others = [promo for promo in by_key.get((candidate.supplier_id, candidate.mechanic, fold_name(candidate.name)), ())
                  if promo.start <= candidate.end and promo.end >= candidate.start
                  and (promo.start, promo.end) != (candidate.start, candidate.end)]
        if others:
            found[index] = others
    return found
