"""What a validated sheet would do to the promos, before anything is written: the promos it
creates, the promos it revises and how (the line diff per promo), whether that needs a
confirmation, and a fingerprint of all of it (:func:`plan_build`).

A revision needs a confirmation when it removes lines from a promo, or when it changes a promo
the uploader did not name (a group of rows without a promo name matched a promo that was
uploaded unnamed too): a destructive change the user did not spell out is shown and confirmed,
never applied silently (STYLE.md §13). The save step (:mod:`.saving`) builds the plan under row
locks and applies it only when it needs no confirmation, or when its fingerprint is the one
that was confirmed: the fingerprint covers the file, the version and the diff of every promo
revised and every line created, so what was shown is exactly what gets applied.

Nothing here writes; the plan only reads the promos' current lines.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

from promo.models import Promo, PromoLine
from promo.services.imports.validation import PromoCandidate
from promo.services.revisions import lines_diff, terms_diff
from promo.snapshots import LineSnapshot

# Why a revision waits for a confirmation (the codes of the preview, worded by the pages).
REASON_REMOVES_LINES = "removes_lines"
REASON_NOT_NAMED = "not_named"


@dataclass
class RevisionPlan:
    """One existing promo the sheet corrects: its lines now and the diff the sheet makes
    (:func:`promo.services.revisions.lines_diff` plus the ``terms`` that change)."""

    promo: Promo
    candidate: PromoCandidate
    current: list[PromoLine]
    diff: dict

    @property
    def counts(self) -> dict:
        return {name: len(self.diff[name]) for name in ("added", "removed", "changed")}

    @property
    def changes(self) -> bool:
        return any(self.diff[name] for name in ("added", "removed", "changed", "terms"))

    @property
    def reasons(self) -> list[str]:
        """Why this revision needs a confirmation (empty: it does not)."""
        reasons = []
        if self.diff["removed"]:
            reasons.append(REASON_REMOVES_LINES)
        if not self.candidate.named and self.changes:
            reasons.append(REASON_NOT_NAMED)
        return reasons

    def preview(self) -> dict:
        """The promo's part of the preview (stored on the upload, shown by every edge)."""
        return {
            "promo": self.promo.code, "promo_id": self.promo.pk, "name": self.promo.name,
            "version": self.promo.version, "revision": self.promo.revision + 1,
            "named": self.candidate.named, "reasons": self.reasons, **self.counts, "diff": self.diff,
        }


@dataclass
class ImportPlan:
    """Everything a sheet would write: the new promos and the revisions (unchanged promos
    included: the upload lists them as «без изменений»)."""

    sha256: str
    created: list[PromoCandidate]
    revisions: list[RevisionPlan]

    @property
    def needs_confirmation(self) -> bool:
        return any(revision.reasons for revision in self.revisions)

    @cached_property
    def fingerprint(self) -> str:
        """A digest of exactly what would be applied: the file, each revised promo's id,
        version and diff, each new promo's terms and lines. Computed only when a preview is
        stored or confirmed (a large sheet's new lines take a moment to digest)."""
        content = {
            "file": self.sha256,
            "revisions": [[r.promo.pk, r.promo.version, r.diff] for r in self.revisions],
            "created": [
                [c.supplier_id, c.name, c.mechanic, c.start.isoformat(), c.end.isoformat(), c.targeting,
                 [LineSnapshot.from_candidate(line).to_json()
                  for line in sorted(c.lines.values(), key=lambda line: line.product_id)]]
                for c in self.created
            ],
        }
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def preview(self) -> dict:
        """What the upload keeps while it waits (``PromoUpload.preview``)."""
        return {
            "fingerprint": self.fingerprint,
            "promos": [revision.preview() for revision in self.revisions if revision.changes],
            "created": [
                {"name": c.name, "supplier_id": c.supplier_id, "mechanic": c.mechanic,
                 "start": c.start.isoformat(), "end": c.end.isoformat(), "lines": len(c.lines)}
                for c in self.created
            ],
        }


def plan_build(*, sha256: str, promos: list[PromoCandidate], matches: dict[int, Promo],
               current: dict[int, list[PromoLine]]) -> ImportPlan:
    """The plan of a validated sheet: ``promos`` its candidates, ``matches`` the candidates
    that revise an existing promo (by index), ``current`` those promos' lines now (with their
    products loaded)."""
    created = [candidate for index, candidate in enumerate(promos) if index not in matches]
    revisions = []
    for index, promo in sorted(matches.items()):
        candidate = promos[index]
        lines = current.get(promo.pk, [])
        diff = lines_diff([LineSnapshot.from_line(line) for line in lines],
                          [LineSnapshot.from_candidate(line) for line in candidate.lines.values()])
        diff["terms"] = terms_diff({"targeting": promo.targeting}, {"targeting": candidate.targeting})
        revisions.append(RevisionPlan(promo=promo, candidate=candidate, current=lines, diff=diff))
    return ImportPlan(sha256=sha256, created=created, revisions=revisions)
