"""Fixtures of the export tests: approved promos built directly (factories + the revisions
service), the spec's example (erp-formats.md §5) and a scratch export root per test."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from branches.models import Branch
from promo.models import Promo, PromoLine
from promo.services.revisions import revision_freeze_decisions, revision_record
from suppliers.models import Product, Supplier
from tests.factories import PromoFactory, PromoLineFactory

EXAMPLE_DATE = date(2026, 9, 20)
EXAMPLE_START = date(2026, 10, 1)
EXAMPLE_END = date(2026, 10, 14)
# A night of the other tests, and the period of their promos.
NIGHT = date(2027, 1, 10)
START = date(2027, 1, 15)
END = date(2027, 1, 28)
EXAMPLE_SAP = {
    "SAP_VKORG": "1000", "SAP_VTWEG": "10", "SAP_KOTABNR": "901", "SAP_KSCHL_PCT": "KA02",
    "SAP_SNDPOR": "PROMOPORT", "SAP_SNDPRN": "PROMOPORTAL", "SAP_RCVPOR": "SAPP01", "SAP_RCVPRN": "P01CLNT100",
    "SAP_VAKEY_LAYOUT": "VKORG:4,VTWEG:2,WERKS:4,MATNR:18", "SAP_UNIT": "ST", "SAP_PCT_SIGN": "-",
    "SAP_PCT_SCALE": 1, "SAP_MATNR_PAD": False, "SAP_MATNR_SOURCE": "article",
    "SMARKET_FORMAT": "csv", "SMARKET_ENCODING": "windows-1251", "SMARKET_DECIMAL": ",",
    "SET10_GOOD_KEY": "article", "SET10_PRIORITY": "1", "SET10_WORKS_ANY_TIME": False,
    "SET10_NPLUSM_MIX": False, "SET10_PCT_ELEMENT": "set", "SET10_UPLOAD": False,
    "SAP_BONUSBUY_ALL_MECHANICS": False, "EXPORT_HORIZON_DAYS": 30,
}


def approved_promo(*, products, pk: int | None = None, supplier: Supplier | None = None, name: str | None = None,
                   mechanic: str = Promo.Mechanic.PERCENT, start: date = START, end: date = END,
                   targeting: dict | None = None, status: str = Promo.Status.APPROVED,
                   rejected: tuple[Product, ...] = (), **line_fields) -> Promo:
    """A promo whose revision 1 is approved and in force, with one accepted line per product
    (``rejected`` products get a rejected line). ``line_fields`` go to every line
    (discount_percent, promo_price, n, m, compensation_percent); the mechanic decides the
    defaults. ``status`` may be "cancelled" etc. to model later states."""
    supplier = supplier or products[0].supplier
    fields = {
        Promo.Mechanic.PERCENT: {"discount_percent": Decimal("15.00")},
        Promo.Mechanic.FIXED_PRICE: {"discount_percent": None, "promo_price": Decimal("199.90")},
        Promo.Mechanic.N_PLUS_M: {"discount_percent": None, "n": 2, "m": 1},
    }[mechanic] | line_fields
    extra = {"pk": pk} if pk is not None else {}
    promo = PromoFactory(supplier=supplier, mechanic=mechanic, start=start, end=end,
                         targeting=targeting or {"chain": True}, status=Promo.Status.SUBMITTED,
                         name=name or f"Промо {mechanic}", **extra)
    for product in [*products, *rejected]:
        is_rejected = product in rejected
        PromoLineFactory(
            promo=promo, product=product, regular_price=product.regular_price,
            decision=PromoLine.Decision.REJECTED if is_rejected else PromoLine.Decision.ACCEPTED,
            decision_reason="Не согласовано" if is_rejected else "", **fields,
        )
    revision_record(promo=promo)
    promo.approved_revision = revision_freeze_decisions(promo=promo)
    promo.status = status
    promo.save(update_fields=["approved_revision", "status"])
    return promo


def branches_targeting(*codes: str) -> dict:
    return {"branches": list(Branch.objects.filter(code__in=codes).values_list("pk", flat=True))}


@pytest.fixture
def export_root(settings, tmp_path):
    """A fresh EXPORT_ROOT and the spec example's configuration for every export test."""
    settings.EXPORT_ROOT = str(tmp_path / "exports")
    for name, value in EXAMPLE_SAP.items():
        setattr(settings, name, value)
    return tmp_path / "exports"


@pytest.fixture
def example_promos(db):
    """erp-formats.md §5: P000101 2+1 and P000102 15 % (compensation 50) on A100001/A100002 of
    S001, branches B0001..B0003, 01.10.2026–14.10.2026."""
    products = list(Product.objects.filter(article__in=["A100001", "A100002"]).order_by("article"))
    targeting = branches_targeting("B0001", "B0002", "B0003")
    period = {"start": EXAMPLE_START, "end": EXAMPLE_END, "targeting": targeting}
    nm = approved_promo(pk=101, products=products, name="2+1 Кедровый Край и Нежный Шёлк",
                        mechanic=Promo.Mechanic.N_PLUS_M, compensation_percent=None, **period)
    pct = approved_promo(pk=102, products=products, name="Скидка 15% Кедровый Край и Нежный Шёлк",
                         mechanic=Promo.Mechanic.PERCENT, **period,
                         discount_percent=Decimal("15.00"), compensation_percent=Decimal("50.00"))
    return nm, pct

FILE_PREFIXES = {"sap_cond": "sap_cond_a04", "sap_bonusbuy": "sap_bonusbuy", "smarket": "smarket_promo",
                 "setretail": "set10_actions"}


def output(run, kind: str) -> bytes:
    """The bytes of one file of a succeeded run (kind: sap_cond, sap_bonusbuy, smarket, setretail)."""
    export_file = run.files.get(kind=kind)
    assert export_file.name.startswith(FILE_PREFIXES[kind] + "_")
    return (Path(run.folder) / export_file.name).read_bytes()


def smarket_rows(run) -> list[list[str]]:
    text = output(run, "smarket").decode("windows-1251")
    return [row.split(";") for row in text.split("\r\n")[1:] if row]


def csv_rows(run, kind: str = "sap_bonusbuy") -> list[list[str]]:
    text = output(run, kind).decode("utf-8")
    return [row.split(";") for row in text.split("\n")[1:] if row]
