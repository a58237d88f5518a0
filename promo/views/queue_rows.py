"""The rows of the approval queue, built once per row in Python (issue 12): what each cell shows
of a promo (its link, revision, supplier, mechanic, period, due date, submission and its age,
worst margin, conflict) as text, with the phrases translated once for the page, the dates
written as the template filters write them and the numbers as ``floatformat`` writes them
(:class:`promo.views.promo_lines.Numbers`). The template only puts texts in places: no filter,
``{% url %}``, method call or translation per row (they were about a third of the page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext

from promo.models import Promo
from promo.views.promo_lines import EMPTY, Numbers
from promo.views.row_texts import PromoRow, PromoTexts, promo_row


@dataclass(frozen=True, slots=True)
class QueueRow(PromoRow):
    """One promo of the queue's page, every cell's text written out."""

    revision: str  # «ревизия N» from the second revision on
    due: str
    overdue: bool
    lines: str
    pending: str  # lines waiting for the manager
    submitted: str
    submitted_ago: str
    worst: str  # the worst line's margin after compensation: «12,50 %» (or roubles without a net price)
    worst_article: str
    worst_below_cost: bool
    conflict: bool


def _worst(number: Numbers, worst) -> tuple[str, str, bool]:
    if worst is None:
        return EMPTY, "", False
    if worst.margin_percent is not None:
        text = f"{number(worst.margin_percent, 2)} %"  # promo.changes.margin_percent_text
    else:
        text = number(worst.margin, 2)
    return text, worst.article, worst.margin < 0


def queue_rows(promos: list[Promo], *, today: date, now: datetime | None = None) -> list[QueueRow]:
    """The rows of ``promos`` (each with ``line_count``, ``my_pending``, ``bulk_actions``,
    ``worst_line``, ``has_conflict`` set by the view), their ages counted from ``now``."""
    now = now or timezone.now()
    number = Numbers()
    texts = PromoTexts()
    revision = gettext("ревизия %(n)s")
    rows = []
    for promo in promos:
        submitted = promo.submitted_at
        worst, article, below_cost = _worst(number, promo.worst_line)
        rows.append(QueueRow(
            **promo_row(texts, promo), lines=str(promo.line_count), pending=str(promo.my_pending),
            revision=revision % {"n": promo.revision} if promo.revision > 1 else "",
            due=f"{promo.decision_due:%d.%m.%Y}" if promo.decision_due else EMPTY,
            overdue=promo.is_overdue(today),
            submitted=date_format(timezone.localtime(submitted), "d.m.Y H:i") if submitted else EMPTY,
            submitted_ago=timesince(submitted, now) if submitted else "",
            worst=worst, worst_article=article, worst_below_cost=below_cost, conflict=promo.has_conflict,
        ))
    return rows
