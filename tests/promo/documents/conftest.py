"""Promos with an approved revision in force, as the approval workflow leaves them."""

from datetime import date
from decimal import Decimal

import pytest

from branches.models import Branch, Region
from promo.models import Promo, PromoLine
from promo.services.revisions import revision_record
from suppliers.models import Product, Supplier
from tests.factories import PromoFactory, PromoLineFactory

DAY = date(2027, 2, 10)


def approve(promo: Promo, *, decided_by=None) -> Promo:
    """Accept every pending line, freeze a new revision and put it in force."""
    if promo.revisions.exists():
        promo.revision += 1
    promo.lines.filter(decision=PromoLine.Decision.PENDING).update(
        decision=PromoLine.Decision.ACCEPTED, decided_by=decided_by, decided_at=promo.created_at)
    promo.approved_revision = revision_record(promo=promo)
    promo.status = Promo.Status.APPROVED
    promo.save()
    return promo


def s001_products(count: int) -> list[Product]:
    return list(Product.objects.filter(supplier__code="S001").order_by("article")[:count])


@pytest.fixture
def branch() -> Branch:
    return Branch.objects.get(code="B0001")


@pytest.fixture
def percent_promo(db, demo_user) -> Promo:
    """S001, 15 % off two products, the whole chain, 01.02.2027 – 28.02.2027; the second line
    rejected by the manager."""
    promo = PromoFactory(supplier=Supplier.objects.get(code="S001"), name="Зимняя распродажа",
                         start=date(2027, 2, 1), end=date(2027, 2, 28), targeting={"chain": True})
    first, second = s001_products(2)
    PromoLineFactory(promo=promo, product=first, discount_percent=Decimal("15"))
    PromoLineFactory(promo=promo, product=second, discount_percent=Decimal("20"),
                     decision=PromoLine.Decision.REJECTED, decision_reason="Цена выше рынка",
                     decided_by=demo_user("manager"))
    return approve(promo, decided_by=demo_user("manager"))


@pytest.fixture
def nplusm_promo(db) -> Promo:
    """S001, 2+1 on one product, only in the branch's region, 05.02.2027 – 15.02.2027."""
    promo = PromoFactory(supplier=Supplier.objects.get(code="S001"), name="Два плюс один",
                         mechanic=Promo.Mechanic.N_PLUS_M, start=date(2027, 2, 5), end=date(2027, 2, 15),
                         targeting={"regions": [Region.objects.get(code="NSK").pk]})
    PromoLineFactory(promo=promo, product=s001_products(3)[2], discount_percent=None, n=2, m=1)
    return approve(promo)
