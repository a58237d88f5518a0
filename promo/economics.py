"""The chain's economics of promo lines as the pages, the approval sheet, the API and the queue
show them: promo lines and rows read from the database, handed to the price math of
:mod:`promo.mechanics` (``unit_price``, ``line_economics``), which stays the one place that
computes. Purchase prices are the chain's internal figures: callers show these to staff only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from promo import mechanics
from promo.models import Promo, PromoLine


def of_line(line: PromoLine, mechanic: str) -> mechanics.Economics | None:
    """The economics of ``line`` (its product's purchase price of today); None when the line
    lacks what its mechanic needs."""
    unit = mechanics.unit_price(mechanic, line.regular_price, discount_percent=line.discount_percent,
                                price=line.promo_price, n=line.n, m=line.m)
    if unit is None:
        return None
    return mechanics.line_economics(regular=line.regular_price, unit_price=unit,
                                    purchase_price=line.product.purchase_price,
                                    compensation_percent=line.compensation_percent,
                                    planned_quantity=line.planned_quantity)


@dataclass(frozen=True)
class PlanTotals:
    """The promo at its planned quantities: over the lines that have a plan (not rejected)."""

    lines: int
    planned_lines: int
    quantity: int
    revenue: Decimal
    compensation: Decimal
    margin: Decimal | None

    @property
    def margin_percent(self) -> Decimal | None:
        if self.margin is None or self.revenue <= 0:
            return None
        return mechanics.money(self.margin * 100 / self.revenue)


def plan_totals(rows: Iterable[tuple[PromoLine, mechanics.Economics | None]]) -> PlanTotals | None:
    """Totals of the ``(line, economics)`` pairs with a plan; None when no line has one. The
    margin is None when a planned line has no purchase price (a total would mislead)."""
    rows = [(line, economics) for line, economics in rows if line.decision != PromoLine.Decision.REJECTED]
    planned = [economics for _line, economics in rows if economics is not None and economics.planned_quantity]
    if not planned:
        return None
    margins = [economics.planned_margin for economics in planned]
    return PlanTotals(
        lines=len(rows), planned_lines=len(planned), quantity=sum(e.planned_quantity for e in planned),
        revenue=sum(e.planned_revenue for e in planned), compensation=sum(e.planned_compensation for e in planned),
        margin=None if None in margins else sum(margins),
    )


@dataclass(frozen=True)
class WorstLine:
    """The line of a promo with the lowest margin after compensation, in %."""

    article: str
    margin: Decimal
    margin_percent: Decimal | None

    @property
    def key(self) -> tuple:
        """Lowest margin % first (nothing received at all: lowest of all), then roubles."""
        return (self.margin_percent if self.margin_percent is not None else Decimal("-Infinity"), self.margin)


# What :func:`worst_of` reads of a line: (promo id, article, purchase price, regular price,
# discount %, promo price, N, M, compensation %).
WORST_FIELDS = ("promo_id", "product__article", "product__purchase_price", "regular_price", "discount_percent",
                "promo_price", "n", "m", "compensation_percent")


def worst_margins(promos: Iterable[Promo]) -> dict[int, WorstLine]:
    """``{promo id: its worst line}`` for the promos of a page, in one query whatever their
    number (the lines that are not rejected and have a purchase price and a price)."""
    mechanic_of = {promo.pk: promo.mechanic for promo in promos}
    if not mechanic_of:
        return {}
    rows = (PromoLine.objects.filter(promo_id__in=mechanic_of).exclude(decision=PromoLine.Decision.REJECTED)
            .exclude(product__purchase_price__isnull=True).order_by().values_list(*WORST_FIELDS))
    return worst_of(rows, mechanic_of)


def worst_of(rows: Iterable[tuple], mechanic_of: dict[int, str]) -> dict[int, WorstLine]:
    """The worst line of each promo among ``rows`` (:data:`WORST_FIELDS` of lines not
    rejected, with a purchase price), the promos' mechanics in ``mechanic_of``."""
    worst: dict[int, WorstLine] = {}
    for promo_id, article, purchase, regular, discount, price, n, m, compensation in rows:
        unit = mechanics.unit_price(mechanic_of[promo_id], regular, discount_percent=discount, price=price, n=n, m=m)
        if unit is None:
            continue
        economics = mechanics.line_economics(regular=regular, unit_price=unit, purchase_price=purchase,
                                             compensation_percent=compensation)
        line = WorstLine(article=article, margin=economics.margin, margin_percent=economics.margin_percent)
        if promo_id not in worst or line.key < worst[promo_id].key:
            worst[promo_id] = line
    return worst
