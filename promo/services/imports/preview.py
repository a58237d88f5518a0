"""An upload's preview as people read it: for each promo the sheet would revise, why it waits
for a confirmation and its added / removed / changed lines, worded by :mod:`promo.changes`
like the promo's history and the e-mails. Used by the upload page and ``import_promos``; the
API gives the stored preview as it is (``revisions`` with their ``diff``).

A changed line of the stored diff carries its product id and article only (added and removed
lines carry the whole snapshot): its product's name is looked up here, in one query for the
whole preview."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

from promo.changes import Change, ChangeFormatter, diff_changes, line_changes, terms_changes
from promo.services.imports.plan import REASON_NOT_NAMED, REASON_REMOVES_LINES
from suppliers.models import Product

REASONS = {
    REASON_REMOVES_LINES: gettext_lazy("из промо будут удалены строки"),
    REASON_NOT_NAMED: gettext_lazy("в файле у этих строк нет названия акции: они изменят промо, "
                                   "загруженное без названия"),
}
# Lines listed per kind on the page; the API has all of them.
SHOWN_LINES = 200


@dataclass
class LineChange:
    article: str
    name: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class PromoPreview:
    """One promo of the preview, ready for a template."""

    code: str
    promo_id: int
    name: str
    revision: int
    reasons: list[str]
    added: int
    removed: int
    changed: int
    terms: list[Change]
    removed_lines: list[LineChange]
    added_lines: list[LineChange]
    changed_lines: list[LineChange]

    @property
    def destructive(self) -> bool:
        return bool(self.reasons)

    @property
    def total(self) -> int:
        """The lines the revision adds, removes or changes."""
        return self.added + self.removed + self.changed

    @property
    def shown(self) -> int:
        """The lines listed on the page (at most ``SHOWN_LINES`` of each kind)."""
        return len(self.removed_lines) + len(self.added_lines) + len(self.changed_lines)

    @property
    def truncated(self) -> bool:
        """Some lines are left out of the page's list (the API has them all)."""
        return self.total > self.shown


def _lines(rows) -> list[LineChange]:
    return [LineChange(article=str(row.get("article") or ""), name=str(row.get("name") or ""))
            for row in (rows or [])[:SHOWN_LINES] if isinstance(row, dict)]


def _changed_rows(entry: dict) -> list[dict]:
    return [row for row in ((entry.get("diff") or {}).get("changed") or [])[:SHOWN_LINES] if isinstance(row, dict)]


def _product_names(revisions: list[dict]) -> dict[int, str]:
    """The names of the products of the changed lines shown, in one query."""
    ids = {row.get("product_id") for entry in revisions for row in _changed_rows(entry) if not row.get("name")}
    ids = {pk for pk in ids if isinstance(pk, int)}
    return dict(Product.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def preview_promos(revisions: list[dict]) -> list[PromoPreview]:
    """The stored preview's promos (``PromoUpload.preview["promos"]``) worded for the page;
    one formatter for all of them, so the names of branches and regions load once, and one
    query for the names of the changed lines' products."""
    formatter = ChangeFormatter()
    names = _product_names(revisions)
    promos = []
    for entry in revisions:
        diff = entry.get("diff") or {}
        changed = [
            LineChange(article=str(row.get("article") or ""),
                       name=str(row.get("name") or names.get(row.get("product_id")) or ""),
                       changes=formatter.rows(line_changes(row.get("fields"))))
            for row in _changed_rows(entry)
        ]
        promos.append(PromoPreview(
            code=str(entry.get("promo") or ""), promo_id=entry.get("promo_id"), name=str(entry.get("name") or ""),
            revision=entry.get("revision") or 0,
            reasons=[str(REASONS[code]) for code in entry.get("reasons") or [] if code in REASONS],
            added=entry.get("added", 0), removed=entry.get("removed", 0), changed=entry.get("changed", 0),
            terms=formatter.rows(terms_changes(diff.get("terms"))),
            removed_lines=_lines(diff.get("removed")), added_lines=_lines(diff.get("added")),
            changed_lines=changed,
        ))
    return promos


def preview_changes(entry: dict, formatter: ChangeFormatter | None = None) -> list[Change]:
    """One promo's diff as «what: old → new» rows (the command prints them)."""
    return (formatter or ChangeFormatter()).rows(diff_changes(entry.get("diff")))
