"""A small, self-contained cast for workflow tests: one supplier's promo with lines in two
categories, each with its own manager, plus a foreign supplier, a manager of an unrelated
category and a marketer (built with tests/factories.py, independent of the demo set)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from promo.models import Promo, PromoLine
from promo.services.revisions import revision_freeze_decisions, revision_record
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

TODAY = date(2026, 11, 23)


@contextmanager
def frozen_today():
    """Date rules (lead time, finished promos) read «today»: pin it, let the clock tick."""
    moment = datetime(TODAY.year, TODAY.month, TODAY.day, 10, 0, tzinfo=ZoneInfo("Asia/Novosibirsk"))
    with time_machine.travel(moment, tick=True):
        yield


@dataclass
class World:
    supplier: object
    other_supplier: object
    cat_a: object
    cat_b: object
    cat_c: object
    supplier_user: object
    other_supplier_user: object
    manager_a: object
    manager_b: object
    manager_c: object
    marketer: object

    def actor(self, role: str):
        return {
            "supplier": self.supplier_user,
            "other_supplier": self.other_supplier_user,
            "manager": self.manager_a,
            "manager_b": self.manager_b,
            "other_manager": self.manager_c,
            "marketer": self.marketer,
            "anonymous": AnonymousUser(),
        }[role]

    def promo(self, status: str = Promo.Status.SUBMITTED, *, categories=("a", "a", "b"),
              mechanic: str = Promo.Mechanic.PERCENT, start: date | None = None, days: int = 14,
              supplier=None) -> Promo:
        """A promo with one line per category letter, frozen as revision 1; an approved promo
        has every line accepted and its revision in force."""
        start = start or TODAY + timedelta(days=30)
        promo = PromoFactory(supplier=supplier or self.supplier, mechanic=mechanic, start=start,
                             end=start + timedelta(days=days - 1), status=status)
        for letter in categories:
            category = {"a": self.cat_a, "b": self.cat_b, "c": self.cat_c}[letter]
            product = ProductFactory(category=category, supplier=promo.supplier)
            terms = {"discount_percent": Decimal("15.00"), "promo_price": None}
            if mechanic == Promo.Mechanic.FIXED_PRICE:
                terms = {"discount_percent": None, "promo_price": Decimal("79.90")}
            elif mechanic == Promo.Mechanic.N_PLUS_M:
                terms = {"discount_percent": None, "promo_price": None, "n": 2, "m": 1}
            PromoLineFactory(promo=promo, product=product, **terms)
        revision_record(promo=promo)
        if status in (Promo.Status.APPROVED, Promo.Status.CANCELLED):
            promo.lines.update(decision=PromoLine.Decision.ACCEPTED, decided_at=timezone.now())
            promo.approved_revision = revision_freeze_decisions(promo=promo)
            promo.save(update_fields=["approved_revision"])
        return promo

    def line(self, promo: Promo, letter: str = "a") -> PromoLine:
        category = {"a": self.cat_a, "b": self.cat_b, "c": self.cat_c}[letter]
        return promo.lines.select_related("product").filter(product__category=category).order_by("pk").first()


def build_world() -> World:
    supplier, other_supplier = SupplierFactory(), SupplierFactory()
    cat_a, cat_b, cat_c = CategoryFactory(), CategoryFactory(), CategoryFactory()
    return World(
        supplier=supplier,
        other_supplier=other_supplier,
        cat_a=cat_a,
        cat_b=cat_b,
        cat_c=cat_c,
        supplier_user=supplier_user(supplier),
        other_supplier_user=supplier_user(other_supplier),
        manager_a=category_manager(cat_a),
        manager_b=category_manager(cat_b),
        manager_c=category_manager(cat_c),
        marketer=marketer(),
    )


# Who may do what (STYLE.md §5): "+" allowed, "F" forbidden (sees the promo, may not act: 403),
# "N" not found (a foreign promo: 404). Roles, in order: the promo's supplier, another supplier,
# the manager of category A (two lines), the manager of B (one line), a manager of an unrelated
# category, a marketer, anonymous. The status is the one the promo has before the action.
MATRIX_ROLES = ("supplier", "other_supplier", "manager", "manager_b", "other_manager", "marketer", "anonymous")
MATRIX = {
    "submit": (Promo.Status.DRAFT, "+NFFN+N"),
    "approve": (Promo.Status.SUBMITTED, "FN++NFN"),
    "reject": (Promo.Status.SUBMITTED, "FN++NFN"),
    "decide_line": (Promo.Status.SUBMITTED, "FN+FNFN"),
    "withdraw": (Promo.Status.SUBMITTED, "+NFFN+N"),
    "cancel": (Promo.Status.APPROVED, "FNFFN+N"),
    "extend": (Promo.Status.APPROVED, "FNFFN+N"),
    # «extend» as the page and the API take it: the supplier's becomes a request.
    "extend_or_request": (Promo.Status.APPROVED, "+NFFN+N"),
    "request_extension": (Promo.Status.APPROVED, "+NFFNFN"),
    "request_cancellation": (Promo.Status.APPROVED, "+NFFNFN"),
    "correct": (Promo.Status.SUBMITTED, "FN++N+N"),
    "correct_line": (Promo.Status.SUBMITTED, "FN+FN+N"),
    "set_targeting": (Promo.Status.SUBMITTED, "FNFFN+N"),
    "comment": (Promo.Status.SUBMITTED, "+N++N+N"),
}


def matrix_cases(actions=None):
    """(action, role, expected) for pytest.mark.parametrize."""
    return [
        (action, role, MATRIX[action][1][index])
        for action in (actions or MATRIX)
        for index, role in enumerate(MATRIX_ROLES)
    ]
