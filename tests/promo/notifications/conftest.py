"""A small world for notification tests: one supplier with two users, a second supplier,
three categories each with its own manager, a promo with lines in two of them, a marketer."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from promo.models import OutboxMessage, Promo
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    PromoFactory,
    PromoLineFactory,
    SupplierFactory,
    category_manager,
    marketer,
    supplier_user,
)


@dataclass
class World:
    supplier: object
    other_supplier: object
    author: object
    colleague: object
    foreigner: object
    categories: list
    managers: list
    marketer: object
    promo: Promo


@pytest.fixture
def world(db) -> World:
    supplier, other_supplier = SupplierFactory(name="ООО «Ромашка»"), SupplierFactory()
    categories = [CategoryFactory() for _ in range(3)]
    promo = PromoFactory(supplier=supplier, name="Весенние скидки", start=date(2027, 2, 1),
                         end=date(2027, 2, 14), status=Promo.Status.DRAFT)
    for category, price in zip(categories[:2], ("100.00", "250.50"), strict=True):
        product = ProductFactory(supplier=supplier, category=category, regular_price=Decimal(price))
        PromoLineFactory(promo=promo, product=product)
    return World(
        supplier=supplier, other_supplier=other_supplier,
        author=supplier_user(supplier, username="author"),
        colleague=supplier_user(supplier, username="colleague"),
        foreigner=supplier_user(other_supplier, username="foreigner"),
        categories=categories,
        managers=[category_manager(category, username=f"km{i + 1}") for i, category in enumerate(categories)],
        marketer=marketer(username="mkt"),
        promo=promo,
    )


@pytest.fixture
def marketers(world):
    """Usernames of every marketer (the demo «marketer» too)."""
    return set(get_user_model().objects.filter(groups__name="marketer").values_list("username", flat=True))


def recipients(event) -> set[str]:
    return set(OutboxMessage.objects.filter(event=event).values_list("recipient__username", flat=True))
