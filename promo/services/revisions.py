"""Revisions: a frozen copy of a promo's terms and lines per revision, and the line diff
between two revisions (added / removed / changed, old -> new).

Every path that changes a promo's terms or lines (a corrected upload, a point or mass
correction, an extension) ends by calling :func:`revision_record`; approval refreshes the
frozen copy with the decisions (:func:`revision_freeze_decisions`) and points
``Promo.approved_revision`` at it."""

from __future__ import annotations

from collections.abc import Iterable

from promo.models import Promo, PromoRevision
from promo.snapshots import LineSnapshot

# Promo-level terms compared between revisions (the line terms: ``promo.snapshots.LINE_TERMS``).
TERM_FIELDS = ("name", "mechanic", "start", "end", "targeting")


def snapshot_lines(promo: Promo) -> list[LineSnapshot]:
    """The promo's current lines as snapshots, sorted by article (one query)."""
    rows = promo.lines.select_related("product").order_by("product__article")
    return [LineSnapshot.from_line(line) for line in rows]


def stored_lines(revision: PromoRevision) -> list[LineSnapshot]:
    """The frozen lines of a revision, in whatever form they were stored."""
    return [LineSnapshot.from_json(row) for row in revision.lines or []]


def lines_diff(old: Iterable[LineSnapshot], new: Iterable[LineSnapshot]) -> dict:
    """Compare two sets of lines by product: ``{"added": [...], "removed": [...],
    "changed": [{"article", "product_id", "fields": {name: [old, new]}}]}``, every row and
    value in its stored JSON form, each list sorted by article."""
    before = {line.product_id: line for line in old}
    after = {line.product_id: line for line in new}
    added = [after[pk] for pk in after.keys() - before.keys()]
    removed = [before[pk] for pk in before.keys() - after.keys()]
    changed = []
    for pk in before.keys() & after.keys():
        fields = after[pk].changes_from(before[pk])
        if fields:
            changed.append({"product_id": pk, "article": after[pk].article, "fields": fields})

    def by_article(line: LineSnapshot) -> str:
        return line.article

    return {
        "added": [line.to_json() for line in sorted(added, key=by_article)],
        "removed": [line.to_json() for line in sorted(removed, key=by_article)],
        "changed": sorted(changed, key=lambda row: row["article"]),
    }


def terms_of(obj) -> dict:
    """The promo-level terms of a Promo or a PromoRevision as plain values."""
    return {
        "name": obj.name,
        "mechanic": obj.mechanic,
        "start": obj.start.isoformat(),
        "end": obj.end.isoformat(),
        "targeting": obj.targeting,
    }


def terms_diff(old: dict, new: dict) -> dict:
    return {name: [old.get(name), new.get(name)] for name in TERM_FIELDS if old.get(name) != new.get(name)}


def revision_record(*, promo: Promo, actor=None, upload=None, reason: str = "") -> PromoRevision:
    """Freeze the promo as revision ``promo.revision`` with its diff against the previous
    revision. Call inside the transaction that changed the promo."""
    lines = snapshot_lines(promo)
    previous = promo.revisions.filter(number__lt=promo.revision).order_by("-number").first()
    diff = {}
    if previous is not None:
        diff = lines_diff(stored_lines(previous), lines)
        diff["terms"] = terms_diff(terms_of(previous), terms_of(promo))
    return PromoRevision.objects.create(
        promo=promo, number=promo.revision, name=promo.name, mechanic=promo.mechanic,
        start=promo.start, end=promo.end, targeting=promo.targeting,
        lines=[line.to_json() for line in lines], diff=diff,
        upload=upload, reason=reason, created_by=actor,
    )


def revision_current(promo: Promo) -> PromoRevision | None:
    return promo.revisions.filter(number=promo.revision).first()


def revision_freeze_decisions(*, promo: Promo) -> PromoRevision:
    """Refresh the current revision's frozen lines with the decisions taken (on approval)."""
    revision = revision_current(promo)
    if revision is None:
        return revision_record(promo=promo)
    revision.lines = [line.to_json() for line in snapshot_lines(promo)]
    revision.save(update_fields=["lines"])
    return revision
