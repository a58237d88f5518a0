"""What one file carries, as plain records (erp-formats.md §1): the :class:`Part` s of the night and
the iterators that yield them in each file's order. The bytes are the writers' business.

A part is a piece of one promo in one file whose records share the promo's terms: tonight's wanted
records (one part per promo, from the selection), or records the system was sent before and must
now delete (from the export ledger, carrying the terms and period that were sent). One record of a
part is ``code × key``: a branch code of the file's system times a product key (MATNR, article or
the Set10 goods key); a Set Retail part is one record, the action. The parts of one promo never
share a record key, so merging them in file order never yields a key twice.

Memory stays flat: a part holds references to the selection's promo and lines plus a tuple of
codes that promos of one targeting share; the branch × product records (millions) are generated
one at a time."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, groupby
from operator import itemgetter

from exports.selection import LineRecord, PromoRecord

# Prepared SAP key lists kept for plants with the same promos (bounded by entries, not lists).
COVERAGE_CACHE_ENTRIES = 200_000


@dataclass(frozen=True, slots=True, eq=False)
class Part:
    """Records of one promo in one file: ``codes`` (sorted) × ``lines`` with their file ``keys``
    (parallel to ``lines``, ascending). ``promo.deleted`` marks a deletion; ``identity`` is the
    rest of the record key (SAP conditions: the KSCHL the records were sent under)."""

    promo: PromoRecord
    codes: tuple
    lines: tuple[LineRecord, ...]
    keys: tuple[str, ...]
    identity: str = ""

    @property
    def deleted(self) -> bool:
        return self.promo.deleted

    @property
    def records(self) -> int:
        return len(self.codes) * len(self.lines)


@dataclass
class Night:
    """Everything one file of a run carries: the parts sorted by promo code (a promo's live part
    first), the warnings about branches lacking this system's code (messages as data:
    exports/wording.py)."""

    business_date: date
    parts: list[Part]
    warnings: list[dict] = field(default_factory=list)


def _promo_groups(parts: list[Part]) -> Iterator[list[Part]]:
    group: list[Part] = []
    for part in parts:
        if group and part.promo.code != group[0].promo.code:
            yield group
            group = []
        group.append(part)
    if group:
        yield group


def tally(parts: list[Part], result) -> None:
    """The manifest's promo and line counts of a file of these parts: the promos with at least one
    record, and their distinct lines (a line both kept in some branches and deleted in others
    counts once)."""
    for group in _promo_groups(parts):
        keys = {key for part in group if part.codes for key in part.keys}
        if keys:
            result.promo_ids.add(group[0].promo.pk)
            result.lines += len(keys)
    result.promos = len(result.promo_ids)


def records(parts: list[Part]) -> Iterator[tuple[Part, object, LineRecord, str]]:
    """``(part, code, line, key)`` sorted by promo code, code, then key: the order of the SAP
    bonus-buy and S-Market files. Several parts of one promo (a live one and deletions) are merged
    per code."""
    for group in _promo_groups(parts):
        if len(group) == 1:
            part = group[0]
            pairs = tuple(zip(part.lines, part.keys, strict=True))
            for code in part.codes:
                for line, key in pairs:
                    yield part, code, line, key
            continue
        members: dict[object, list[int]] = {}
        for index, part in enumerate(group):
            for code in part.codes:
                members.setdefault(code, []).append(index)
        merged: dict[tuple[int, ...], list[tuple]] = {}
        for code in sorted(members):
            signature = tuple(members[code])
            rows = merged.get(signature)
            if rows is None:
                rows = merged[signature] = sorted(
                    ((key, index, position, line) for index in signature
                     for position, (line, key) in enumerate(zip(group[index].lines, group[index].keys, strict=True))),
                    key=lambda row: row[:3])
            for key, index, _position, line in rows:
                yield group[index], code, line, key


# An entry of :func:`condition_keys`: one period (E1KONH) of one promo on one key.
ENTRY_KEY, ENTRY_START, ENTRY_END, ENTRY_LIVE, ENTRY_CODE, ENTRY_PART, ENTRY_POSITION, ENTRY_LINE = range(8)


def condition_keys(parts: list[Part]) -> Iterator[tuple[str, str, str, list[tuple]]]:
    """SAP condition records ``(KSCHL, WERKS, MATNR, entries)`` sorted by KSCHL, WERKS, MATNR;
    ``entries`` = the periods on that key, sorted by start, end (a deletion before an insert of
    the same period, so the insert wins), promo code; each a tuple ``(MATNR, start, end, live,
    promo code, part index, line position, line)`` (the ``ENTRY_*`` indices).

    Linear in records: the keys of a plant are merged from the (pre-sorted) entries of the parts
    that cover it, so a plant costs what it writes; plants covered by the same parts (the usual
    "whole chain" case) share one prepared list while the cache holds."""
    by_kschl: dict[str, list[int]] = {}
    for index, part in enumerate(parts):
        by_kschl.setdefault(part.identity, []).append(index)
    for kschl in sorted(by_kschl):
        indices = by_kschl[kschl]
        entries = {}
        for index in indices:
            part = parts[index]
            live = not part.deleted
            entries[index] = sorted(
                (key, part.promo.start, part.promo.end, live, part.promo.code, index, position, line)
                for position, (line, key) in enumerate(zip(part.lines, part.keys, strict=True)))
        # Parts in the order of their first product key: a plant's entries are then mostly in order
        # already and the merge costs little more than a pass.
        first_key = {index: entries[index][0][0] if entries[index] else "" for index in indices}
        plant_parts: dict[str, list[int]] = {}
        for index in sorted(indices, key=first_key.__getitem__):
            for plant in parts[index].codes:
                plant_parts.setdefault(plant, []).append(index)
        cache: dict[tuple[int, ...], list] = {}
        cached = 0
        for plant in sorted(plant_parts):
            coverage = tuple(plant_parts[plant])
            keys = cache.get(coverage)
            if keys is None:
                merged = (sorted(chain.from_iterable(entries[index] for index in coverage))
                          if len(coverage) > 1 else entries[coverage[0]])
                keys = [(matnr, list(group)) for matnr, group in groupby(merged, key=itemgetter(0))]
                if cached + len(merged) > COVERAGE_CACHE_ENTRIES:
                    cache.clear()
                    cached = 0
                cache[coverage] = keys
                cached += len(merged)
            for matnr, periods in keys:
                yield kschl, plant, matnr, periods


@contextmanager
def paused_gc():
    """Write millions of small, acyclic objects without the cyclic garbage collector scanning
    the whole heap again and again (which makes a writer slower the more promos it holds)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
