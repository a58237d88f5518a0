"""Loading the reference set (suppliers/data/reference, a copy of shared/samples/reference) and
the demo users. Idempotent: a second run finds everything in place and changes nothing.

Demo users share a published password, so they are refused where ``settings.DEMO_USERS_ALLOWED``
is off (the production settings) unless the caller forces them (a demo or training stand)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from branches.models import Branch, BranchGroup, City, Region
from suppliers.models import Category, Product, Supplier, SupplierUser
from suppliers.roles import Role, ensure_role_groups
from suppliers.services.access import category_grant_manager, supplier_user_link

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"
DEMO_PASSWORD = "demo"
DEMO_USERS_REFUSED = _(
    "Демо-пользователи (admin, marketer, manager, s001…s100 с паролем «demo») в рабочей среде не "
    "создаются: ничего не изменено. Справочники без пользователей: seed_demo --no-users; настоящих "
    "пользователей заведите по docs/operations.md («Пользователи и роли»). Стенд для показа или "
    "обучения: seed_demo --force-demo-users.")


class DemoUsersRefused(Exception):
    """Demo users asked for where they are not allowed (``DEMO_USERS_ALLOWED`` off)."""


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int) -> None:
        self.created[what] = self.created.get(what, 0) + count


def _rows(name: str, directory: Path) -> list[dict[str, str]]:
    with open(directory / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _create_missing(model, existing_keys: set, objects: list, report: SeedReport, label: str, key) -> None:
    new = [obj for obj in objects if key(obj) not in existing_keys]
    if new:
        bulk_create_with_history(new, model, batch_size=1000)
    report.add(label, len(new))


@transaction.atomic
def seed_reference(*, directory: Path = REFERENCE_DIR, report: SeedReport | None = None) -> SeedReport:
    """Load regions, cities, branches, suppliers, categories and products that are missing."""
    report = report or SeedReport()

    regions = _rows("regions", directory)
    _create_missing(Region, set(Region.objects.values_list("code", flat=True)),
                    [Region(code=r["code"], name=r["name"]) for r in regions], report, "regions",
                    key=lambda o: o.code)
    region_by_code = {r.code: r for r in Region.objects.all()}

    cities = _rows("cities", directory)
    _create_missing(City, set(City.objects.values_list("region__code", "name")),
                    [City(region=region_by_code[c["region"]], name=c["name"]) for c in cities],
                    report, "cities", key=lambda o: (o.region.code, o.name))
    city_by_key = {(c.region.code, c.name): c for c in City.objects.select_related("region")}

    branches = [
        Branch(code=b["code"], name=b["name"], region=region_by_code[b["region"]],
               city=city_by_key[(b["region"], b["city"])], address=b["address"],
               sap_plant=b["sap_plant"] or None, smarket_id=int(b["smarket_id"]) if b["smarket_id"] else None,
               setretail_shop=int(b["setretail_shop"]) if b["setretail_shop"] else None,
               opened=_date(b["opened"]), closed=_date(b["closed"]))
        for b in _rows("branches", directory)
    ]
    _create_missing(Branch, set(Branch.objects.values_list("code", flat=True)), branches, report,
                    "branches", key=lambda o: o.code)

    suppliers = [
        Supplier(code=s["code"], inn=s["inn"], name=s["name"], sap_vendor=s["sap_vendor"],
                 emails=s["email"])
        for s in _rows("suppliers", directory)
    ]
    _create_missing(Supplier, set(Supplier.objects.values_list("code", flat=True)), suppliers, report,
                    "suppliers", key=lambda o: o.code)

    categories = [Category(code=c["code"], name=c["name"]) for c in _rows("categories", directory)]
    _create_missing(Category, set(Category.objects.values_list("code", flat=True)), categories, report,
                    "categories", key=lambda o: o.code)

    supplier_by_code = {s.code: s for s in Supplier.objects.all()}
    category_by_code = {c.code: c for c in Category.objects.all()}
    products = [
        Product(article=p["article"], ean=p["ean"], name=p["name"],
                category=category_by_code[p["category"]], supplier=supplier_by_code[p["supplier"]],
                regular_price=Decimal(p["regular_price"]),
                purchase_price=Decimal(p["purchase_price"]) if p["purchase_price"] else None)
        for p in _rows("products", directory)
    ]
    _create_missing(Product, set(Product.objects.values_list("article", flat=True)), products, report,
                    "products", key=lambda o: o.article)
    return report


DEMO_GROUPS = {
    "Крупные города": ["Новосибирск", "Барнаул", "Кемерово", "Томск", "Омск", "Красноярск"],
}


@transaction.atomic
def seed_demo_groups(*, report: SeedReport) -> None:
    """A branch group for the demo: the stores of the big cities."""
    for name, city_names in DEMO_GROUPS.items():
        group, created = BranchGroup.objects.get_or_create(name=name)
        if created:
            group.branches.set(Branch.objects.filter(city__name__in=city_names))
            report.add("branch groups", 1)


@transaction.atomic
def seed_demo_users(*, report: SeedReport, password: str = DEMO_PASSWORD) -> SeedReport:
    """admin, marketer, manager (all categories), manager1..3 (a third of the categories each)
    and one supplier user per supplier (s001..s100). Existing users are left as they are."""
    User = get_user_model()
    groups = ensure_role_groups()
    password_hash = make_password(password)  # hashed once: 100+ users share the demo password
    existing = set(User.objects.values_list("username", flat=True))

    def user(username: str, *, role: Role, first_name: str = "", email: str = "", **extra):
        obj = User.objects.filter(username=username).first()
        if obj is None:
            obj = User.objects.create(username=username, password=password_hash, first_name=first_name,
                                      email=email or f"{username}@promo.example.com", **extra)
        obj.groups.add(groups[role])
        return obj

    user("admin", role=Role.ADMINISTRATOR, first_name="Администратор", is_staff=True, is_superuser=True)
    user("marketer", role=Role.MARKETER, first_name="Маркетолог")
    categories = list(Category.objects.order_by("code"))
    manager = user("manager", role=Role.CATEGORY_MANAGER, first_name="КМ (все категории)")
    for category in categories:
        category_grant_manager(category=category, user=manager)
    third = -(-len(categories) // 3)
    for index in range(3):
        username = f"manager{index + 1}"
        km = user(username, role=Role.CATEGORY_MANAGER, first_name=f"КМ {index + 1}")
        for category in categories[index * third:(index + 1) * third]:
            category_grant_manager(category=category, user=km)

    linked = set(SupplierUser.objects.values_list("user__username", flat=True))
    for supplier in Supplier.objects.order_by("code"):
        username = supplier.code.lower()
        email = supplier.email_list[0] if supplier.email_list else ""
        obj = user(username, role=Role.SUPPLIER, first_name=supplier.name, email=email)
        if username not in linked:
            supplier_user_link(user=obj, supplier=supplier)
    report.add("users", len(set(User.objects.values_list("username", flat=True)) - existing))
    return report


def seed_demo(*, with_users: bool = True, force_demo_users: bool = False) -> SeedReport:
    """The reference set, the role groups, the demo branch group and (``with_users``) the demo
    users. Raises :class:`DemoUsersRefused` before changing anything when demo users are not
    allowed here and not forced."""
    if with_users and not settings.DEMO_USERS_ALLOWED and not force_demo_users:
        raise DemoUsersRefused(str(DEMO_USERS_REFUSED))
    report = seed_reference()
    ensure_role_groups()  # real users get their roles from these groups in Django admin
    seed_demo_groups(report=report)
    if with_users:
        seed_demo_users(report=report)
    return report
