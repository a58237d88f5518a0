"""The rows of the promo list, built once per row in Python (issue 12): what each cell shows of
a promo (its link, supplier, mechanic, period, line count, status and phase badges, revision
and the one in force, the bulk actions its row allows) as text, with the phrases translated
once for the page (promo/views/row_texts.py). The template only puts texts in places: no
``{% include %}``, filter, method call or translation per row (they were about half of the
page's rendering)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext

from promo.models import Promo
from promo.views.row_texts import PromoRow, PromoTexts, promo_row


@dataclass(frozen=True, slots=True)
class ListRow(PromoRow):
    """One promo of the list's page, every cell's text written out."""

    lines: str
    status: str
    status_label: str
    phase: str  # upcoming / running / finished of the revision in force ("" when none)
    phase_label: str
    revision: str
    in_force: str  # «действует N» when the revision in force is not the current one


def phase_labels() -> dict[str, str]:
    """The phase badges' texts (:meth:`promo.models.Promo.phase`) in the active language."""
    return {"upcoming": gettext("скоро начнётся"), "running": gettext("идёт"), "finished": gettext("завершилось")}


def list_rows(promos: list[Promo], *, with_supplier: bool) -> list[ListRow]:
    """The rows of ``promos`` (each with ``lines_total`` and ``bulk_actions`` set by the view,
    ``supplier`` and ``approved_revision`` read with them); the supplier column's text only
    ``with_supplier``."""
    texts = PromoTexts()
    phases = phase_labels()
    in_force = gettext("действует %(n)s")
    rows = []
    for promo in promos:
        approved = promo.approved_revision
        phase = promo.phase() or ""
        rows.append(ListRow(
            **promo_row(texts, promo, with_supplier=with_supplier), lines=str(promo.lines_total),
            status=promo.status, status_label=texts.status(promo), phase=phase, phase_label=phases.get(phase, ""),
            revision=str(promo.revision),
            in_force=in_force % {"n": approved.number} if approved and approved.number != promo.revision else "",
        ))
    return rows
