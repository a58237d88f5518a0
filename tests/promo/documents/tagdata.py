"""Many running promo lines at once, for the price tag tests that need pages of tags."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from promo.models import Promo, PromoLine
from suppliers.models import Product, Supplier
from tests.factories import PromoFactory
from tests.promo.documents.conftest import approve

LINES_PER_SUPPLIER = 50  # the demo set has 50 products per supplier


def running_lines(count: int, *, targeting: dict | None = None) -> list[Promo]:
    """Approved promos of suppliers S001, S002, ... in force on 10.02.2027 with ``count`` lines
    in all (every third promo 2+1, the others percent), for the whole chain unless ``targeting``."""
    promos = []
    suppliers = Supplier.objects.order_by("code")
    index = 0
    while count > 0:
        supplier = suppliers[index]
        nplusm = index % 3 == 2
        promo = PromoFactory(supplier=supplier, name=f"Много ценников {index + 1}",
                             mechanic=Promo.Mechanic.N_PLUS_M if nplusm else Promo.Mechanic.PERCENT,
                             start=date(2027, 2, 1), end=date(2027, 2, 28),
                             targeting=targeting or {"chain": True})
        products = Product.objects.filter(supplier=supplier).order_by("article")[:min(count, LINES_PER_SUPPLIER)]
        PromoLine.objects.bulk_create([
            PromoLine(promo=promo, product=product, regular_price=product.regular_price,
                      discount_percent=None if nplusm else Decimal(10 + 5 * (n % 4)),
                      n=2 if nplusm else None, m=1 if nplusm else None)
            for n, product in enumerate(products)
        ])
        promos.append(approve(promo))
        count -= len(products)
        index += 1
    return promos
