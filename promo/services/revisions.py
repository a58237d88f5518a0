"""Revisions: a frozen copy of a promo's terms and lines per revision, and the line diff
between two revisions (added / removed / changed, old -> new).

Every path that changes a promo's terms or lines (a corrected upload, a point or mass
correction, an extension) ends by calling :func:`revision_record`; approval refreshes the
frozen copy with the decisions (:func:`revision_freeze_decisions`) and points
``Promo.approved_revision`` at it."""

from __future__ import annotations

from decimal import Decimal

from promo.models import Promo, PromoRevision

# Line fields compared between revisions (what a supplier or a correction can change).
LINE_FIELDS = ("discount_percent", "promo_price", "n", "m", "regular_price", "compensation_percent", "comment",
               "planned_quantity")
TERM_FIELDS = ("name", "mechanic", "start", "end", "targeting")


def _plain(value):
    if isinstance(value, Decimal):
        # quantize, not normalize: Decimal("20.00").normalize() prints as "2E+1".
        return str(value.quantize(Decimal(1))) if value == value.to_integral() else str(value)
    return value


def snapshot_lines(promo: Promo) -> list[dict]:
    """The promo's current lines as plain JSON-able dicts, sorted by article (one query)."""
    rows = promo.lines.select_related("product").order_by("product__article")
    return [
        {
            "product_id": line.product_id,
            "article": line.product.article,
            "ean": line.product.ean,
            "name": line.product.name,
            **{name: _plain(getattr(line, name)) for name in LINE_FIELDS},
            "decision": line.decision,
            "decision_reason": line.decision_reason,
        }
        for line in rows
    ]


def lines_diff(old: list[dict], new: list[dict]) -> dict:
    """Compare two line snapshots by product: ``{"added": [...], "removed": [...],
    "changed": [{"article", "product_id", "fields": {name: [old, new]}}]}``."""
    before = {row["product_id"]: row for row in old}
    after = {row["product_id"]: row for row in new}
    added = [after[pk] for pk in after.keys() - before.keys()]
    removed = [before[pk] for pk in before.keys() - after.keys()]
    changed = []
    for pk in before.keys() & after.keys():
        fields = {
            name: [before[pk].get(name), after[pk].get(name)]
            for name in LINE_FIELDS
            if before[pk].get(name) != after[pk].get(name)
        }
        if fields:
            changed.append({"product_id": pk, "article": after[pk]["article"], "fields": fields})

    def by_article(row):
        return row["article"]

    return {
        "added": sorted(added, key=by_article),
        "removed": sorted(removed, key=by_article),
        "changed": sorted(changed, key=by_article),
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
        diff = lines_diff(previous.lines, lines)
        diff["terms"] = terms_diff(terms_of(previous), terms_of(promo))
    return PromoRevision.objects.create(
        promo=promo, number=promo.revision, name=promo.name, mechanic=promo.mechanic,
        start=promo.start, end=promo.end, targeting=promo.targeting, lines=lines, diff=diff,
        upload=upload, reason=reason, created_by=actor,
    )


def revision_current(promo: Promo) -> PromoRevision | None:
    return promo.revisions.filter(number=promo.revision).first()


def revision_freeze_decisions(*, promo: Promo) -> PromoRevision:
    """Refresh the current revision's frozen lines with the decisions taken (on approval)."""
    revision = revision_current(promo)
    if revision is None:
        return revision_record(promo=promo)
    revision.lines = snapshot_lines(promo)
    revision.save(update_fields=["lines"])
    return revision
