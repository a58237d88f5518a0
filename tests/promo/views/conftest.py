"""Fixtures of the workflow page tests: promos made of the demo catalogue, so the demo users
and their grants apply (s001 works for S001; S001's products are in C13 and C15, decided by
``manager3`` and ``manager``; ``manager1`` decides C01-C06 only)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from promo.models import Promo, PromoLine
from promo.services.revisions import revision_record
from suppliers.models import Product, Supplier
from tests.factories import PromoFactory, PromoLineFactory

START = date(2027, 4, 1)


@pytest.fixture
def make_promo(db):
    """``make_promo(supplier="S001", status="submitted", lines=3)``: a promo of the demo
    supplier's first products (percent mechanic, 15 %), with its first revision recorded."""

    def make(*, supplier: str = "S001", status: str = Promo.Status.SUBMITTED, lines: int = 3,
             start: date = START, days: int = 30, products=None, discount=Decimal("15.00"), **fields):
        owner = Supplier.objects.get(code=supplier)
        promo = PromoFactory(supplier=owner, status=status, start=start, end=start + timedelta(days=days - 1),
                             **fields)
        chosen = products if products is not None else Product.objects.filter(supplier=owner).order_by("article")[:lines]
        for product in chosen:
            PromoLineFactory(promo=promo, product=product, discount_percent=discount)
        revision_record(promo=promo)
        return promo

    return make


def analyze_promo_tables() -> None:
    """Give the planner the statistics of the rows a test just wrote in bulk. Autovacuum keeps
    them in production; a test's rows are uncommitted, so it never sees them, and whatever it
    read from earlier tests' committed rows can make PostgreSQL plan nested scans of every promo
    and line (a large query-count pin then ran for many minutes). ANALYZE counts the rows of
    its own transaction; its statistics are rolled back with the test."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE promo_promo, promo_promoline, promo_supplierrequest, promo_promoevent")


@pytest.fixture
def bulk_promos(db):
    """``bulk_promos(1000)``: submitted promos of the demo suppliers, one line each (distinct
    products, so none collides with another), written with bulk_create."""

    def make(count: int, *, start: date = date(2027, 5, 1)) -> list[Promo]:
        products = list(Product.objects.select_related("supplier").order_by("pk")[:count])
        promos = Promo.objects.bulk_create([
            Promo(name=f"Массовое промо {index}", supplier=product.supplier, mechanic=Promo.Mechanic.PERCENT,
                  start=start + timedelta(days=index % 20), end=start + timedelta(days=20 + index % 20),
                  targeting={"chain": True}, status=Promo.Status.SUBMITTED)
            for index, product in enumerate(products)
        ])
        PromoLine.objects.bulk_create([
            PromoLine(promo=promo, product=product, discount_percent=15, regular_price=product.regular_price)
            for promo, product in zip(promos, products, strict=True)
        ])
        analyze_promo_tables()
        return promos

    return make
