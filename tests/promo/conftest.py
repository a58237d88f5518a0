"""Fixtures of every promo test package: a year of promos written in bulk, for the pins of the
pages' and the API lists' query counts."""

from datetime import date, timedelta

import pytest

from promo.models import Promo, PromoLine
from suppliers.models import Product


def analyze_promo_tables() -> None:
    """Give the planner the statistics of the rows a test just wrote in bulk. Autovacuum keeps
    them in production; a test's rows are uncommitted, so it never sees them, and whatever it
    read from earlier tests' committed rows can make PostgreSQL plan nested scans of every promo
    and line (a large query-count pin then ran for many minutes). ANALYZE counts the rows of
    its own transaction; its statistics are rolled back with the test."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE promo_promo, promo_promoline, promo_supplierrequest, promo_promoevent")


# The large size of the query-count pins: about a year of the chain's promos (issue 12 pins the
# pages at 10 and at 10,000 promos; `make bench-web` times them at the same size).
YEAR_OF_PROMOS = 10_000


@pytest.fixture
def bulk_promos(db):
    """``bulk_promos(1000)``: submitted promos of the demo suppliers, one line each, written
    with bulk_create. The 5,000 demo products are taken in turn; a product's promos are in
    periods that do not overlap (a new round every 45 days), so none collides with another."""

    def make(count: int, *, start: date = date(2027, 5, 1)) -> list[Promo]:
        catalogue = list(Product.objects.select_related("supplier").order_by("pk")[:count])
        products = [catalogue[index % len(catalogue)] for index in range(count)]
        promos = Promo.objects.bulk_create([
            Promo(name=f"Массовое промо {index}", supplier=product.supplier, mechanic=Promo.Mechanic.PERCENT,
                  start=(first := start + timedelta(days=45 * (index // len(catalogue)) + index % 20)),
                  end=first + timedelta(days=20), targeting={"chain": True}, status=Promo.Status.SUBMITTED)
            for index, product in enumerate(products)
        ], batch_size=2000)
        PromoLine.objects.bulk_create([
            PromoLine(promo=promo, product=product, discount_percent=15, regular_price=product.regular_price)
            for promo, product in zip(promos, products, strict=True)
        ], batch_size=2000)
        analyze_promo_tables()
        return promos

    return make
