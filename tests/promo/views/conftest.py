"""Fixtures of the workflow page tests: promos made of the demo catalogue, so the demo users
and their grants apply (s001 works for S001; S001's products are in C13 and C15, decided by
``manager3`` and ``manager``; ``manager1`` decides C01-C06 only)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from promo.models import Promo
from promo.services.point_corrections import promo_correct
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


@dataclass
class StaleReject:
    promo: Promo
    seen: int  # the version the manager's page showed
    client: object  # manager3, signed in
    url: str
    response: object  # the refusal, shown at ``url``


@pytest.fixture
def stale_reject(make_promo, client_for, demo_user):
    """``stale_reject(reason)``: manager3 rejects a promo with the version his page showed, after a
    marketer moved its dates meanwhile (a 409 shown at the form's address)."""

    def reject(reason: str = "Слишком глубокая скидка") -> StaleReject:
        promo = make_promo()
        seen = promo.version
        promo_correct(promo=promo, actor=demo_user("marketer"), reason="Сдвиг", version=seen,
                      start=promo.start + timedelta(days=7), end=promo.end)
        client = client_for("manager3")
        url = reverse("promo:promo_reject", args=[promo.pk])
        response = client.post(url, {"version": seen, "reason": reason})
        promo.refresh_from_db()
        return StaleReject(promo, seen, client, url, response)

    return reject
