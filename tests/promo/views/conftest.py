"""Fixtures of the workflow page tests: promos made of the demo catalogue, so the demo users
and their grants apply (s001 works for S001; S001's products are in C13 and C15, decided by
``manager3`` and ``manager``; ``manager1`` decides C01-C06 only)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from promo.models import Promo
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
