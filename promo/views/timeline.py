"""The shelf-price timeline of a product (promo.timeline): a page with a picture drawn as SVG
(days across, price up, the regular price as the baseline) and the segments as a table, and
the same picture as an htmx fragment for the product page. The product is looked up among
those the user may see (another supplier's product is a 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.views import View

from promo.forms.timeline import DEFAULT_DAYS, TimelineForm
from promo.timeline import Row, Timeline, next_offer_start, product_timeline
from promo.views.promos import INVALID_STATUS, RoleRequiredMixin
from suppliers.models import Product


@dataclass
class Bar:
    row: Row
    x: float
    y: float
    width: float
    label: str


class TimelineGeometry:
    """Days across (``LEFT`` for the price labels), prices up from 0 to a bit above the
    regular price."""

    LEFT = 70
    WIDTH = 980
    TOP = 28
    HEIGHT = 220
    BAR = 6

    def __init__(self, timeline: Timeline):
        self.first, self.last = timeline.first, timeline.last
        self.days = (self.last - self.first).days + 1
        self.day_width = self.WIDTH / self.days
        prices = [row.unit_price for row in timeline.rows if row.unit_price is not None]
        # The price axis spans the prices drawn (with a margin), so that close prices stay apart.
        self.top_price = max([timeline.regular_price, *prices, Decimal("1")]) * Decimal("1.05")
        self.low_price = min([timeline.regular_price, *prices]) * Decimal("0.8")
        self.regular = timeline.regular_price

    @property
    def width(self) -> int:
        return self.LEFT + self.WIDTH + 10

    @property
    def height(self) -> int:
        return self.TOP + self.HEIGHT + 24

    @property
    def bottom(self) -> int:
        return self.TOP + self.HEIGHT

    def x(self, day: date) -> float:
        return round(self.LEFT + (day - self.first).days * self.day_width, 2)

    def y(self, price: Decimal) -> float:
        span = self.top_price - self.low_price
        return round(self.TOP + float((self.top_price - price) / span) * self.HEIGHT, 2)

    @property
    def regular_y(self) -> float:
        return self.y(self.regular)

    def ticks(self) -> list[tuple[float, str]]:
        """A tick on each Monday (each fourth one for a long window)."""
        step = 7 if self.days <= 120 else 28
        monday = self.first + timedelta(days=(7 - self.first.weekday()) % 7)
        ticks = []
        while monday <= self.last:
            ticks.append((self.x(monday), monday.strftime("%d.%m")))
            monday += timedelta(days=step)
        return ticks

    def bar(self, row: Row) -> Bar:
        # A promo the user may not see is drawn on the baseline: the day is taken, at which
        # price is not said.
        price = row.unit_price if row.unit_price is not None else self.regular
        width = round(row.days * self.day_width, 2)
        # Grouped as the table and the rest of the portal write money (1 281,90).
        label = f"{row.promo} {number_format(row.unit_price, 2, force_grouping=True)}" if row.promo else "…"
        return Bar(row=row, x=self.x(row.start), y=self.y(price) - self.BAR / 2, width=width,
                   label=label if width > 6 * len(label) else (row.promo or "…") if width > 6 * 8 else "")


def timeline_context(request, product: Product) -> tuple[dict, int]:
    form = TimelineForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        status = INVALID_STATUS
    first, last = form.window()
    timeline = product_timeline(product=product, user=request.user, first=first, last=last,
                                branches=form.branches())
    geometry = TimelineGeometry(timeline)
    today = date.today()
    next_start = next_link = None
    if not timeline.rows:
        # An empty window is not the end of the story: the product's next promo, if any.
        next_start = next_offer_start(product, after=last, branches=form.branches())
        if next_start is not None:
            kept = {name: form.data[name] for name in ("branch", "region") if form.is_valid() and form.data.get(name)}
            query = {**kept, "from": next_start.isoformat(),
                     "to": (next_start + timedelta(days=DEFAULT_DAYS - 1)).isoformat()}
            next_link = f"{reverse('promo:product_timeline', args=[product.pk])}?{urlencode(query)}"
    return {
        "next_start": next_start,
        "next_link": next_link,
        "product": product,
        "form": form,
        "timeline": timeline,
        "geometry": geometry,
        "bars": [geometry.bar(row) for row in timeline.rows],
        "ticks": geometry.ticks(),
        "today_x": geometry.x(today) if first <= today <= last else None,
    }, status


class ProductTimelineView(RoleRequiredMixin, View):
    """GET: the page; with ``HX-Request``: the picture and the table only (the product page
    loads it)."""

    def get(self, request, pk):
        product = get_object_or_404(Product.objects.restrict(request.user).select_related("supplier"), pk=pk)
        context, status = timeline_context(request, product)
        template = "promo/inc/shelf_timeline.html" if request.htmx else "promo/product_timeline.html"
        return render(request, template, context, status=status)
