"""factory_boy factories for every model tests touch (STYLE.md §8)."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from branches.models import Branch, BranchGroup, City, Region
from promo.models import Promo, PromoLine, PromoUpload
from suppliers.models import Category, Product, Supplier
from suppliers.roles import Role, ensure_role_groups
from suppliers.services.access import category_grant_manager, supplier_user_link
from suppliers.validators import _INN10_WEIGHTS, _inn_digit, ean_check_digit


def make_inn(n: int) -> str:
    body = f"77{n:07d}"
    return body + str(_inn_digit(body, _INN10_WEIGHTS))


def make_ean(n: int) -> str:
    body = f"460{n:09d}"
    return body + str(ean_check_digit(body))


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"R{n:02d}")
    name = factory.Sequence(lambda n: f"Тестовая область {n}")


class CityFactory(DjangoModelFactory):
    class Meta:
        model = City

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Город {n}")


class BranchFactory(DjangoModelFactory):
    class Meta:
        model = Branch

    code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"Тестовый магазин {n}")
    city = factory.SubFactory(CityFactory)
    region = factory.SelfAttribute("city.region")
    address = "ул. Тестовая, 1"
    sap_plant = factory.Sequence(lambda n: f"{9000 + n % 1000:04d}"[-4:])
    smarket_id = factory.Sequence(lambda n: 90000 + n)
    setretail_shop = factory.Sequence(lambda n: 90000 + n)
    opened = date(2020, 1, 1)
    closed = None


class BranchGroupFactory(DjangoModelFactory):
    class Meta:
        model = BranchGroup
        skip_postgeneration_save = True  # branches.set() needs no second save

    name = factory.Sequence(lambda n: f"Группа {n}")

    @factory.post_generation
    def branches(self, create, extracted, **kwargs):
        if create and extracted:
            self.branches.set(extracted)


class SupplierFactory(DjangoModelFactory):
    class Meta:
        model = Supplier

    code = factory.Sequence(lambda n: f"T{n:03d}")
    inn = factory.Sequence(make_inn)
    name = factory.Sequence(lambda n: f"ООО «Тест {n}»")
    sap_vendor = factory.Sequence(lambda n: f"{900000 + n:010d}")
    emails = factory.LazyAttribute(lambda o: f"promo@{o.code.lower()}.example.com")


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"T{n:02d}")
    name = factory.Sequence(lambda n: f"Категория {n}")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    article = factory.Sequence(lambda n: f"T{n:06d}")
    ean = factory.Sequence(make_ean)
    name = factory.Sequence(lambda n: f"Товар {n}")
    category = factory.SubFactory(CategoryFactory)
    supplier = factory.SubFactory(SupplierFactory)
    regular_price = Decimal("100.00")
    purchase_price = Decimal("60.00")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("demo")


def supplier_user(supplier=None, **kwargs):
    """A user of ``supplier`` (a new supplier if none) with the role and the guardian grant."""
    user = UserFactory(**kwargs)
    supplier_user_link(user=user, supplier=supplier or SupplierFactory())
    return user


def category_manager(*categories, **kwargs):
    user = UserFactory(**kwargs)
    ensure_role_groups()[Role.CATEGORY_MANAGER].user_set.add(user)
    for category in categories:
        category_grant_manager(category=category, user=user)
    return user


def marketer(**kwargs):
    user = UserFactory(**kwargs)
    ensure_role_groups()[Role.MARKETER].user_set.add(user)
    return user


class PromoFactory(DjangoModelFactory):
    class Meta:
        model = Promo

    name = factory.Sequence(lambda n: f"Промо {n}")
    supplier = factory.SubFactory(SupplierFactory)
    mechanic = Promo.Mechanic.PERCENT
    start = factory.LazyFunction(lambda: date.today() + timedelta(days=30))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(days=13))
    targeting = factory.LazyFunction(lambda: {"chain": True})
    status = Promo.Status.DRAFT


class PromoLineFactory(DjangoModelFactory):
    class Meta:
        model = PromoLine

    promo = factory.SubFactory(PromoFactory)
    product = factory.SubFactory(ProductFactory, supplier=factory.SelfAttribute("..promo.supplier"))
    discount_percent = Decimal("15.00")
    regular_price = factory.SelfAttribute("product.regular_price")
    compensation_percent = Decimal("50.00")


class PromoUploadFactory(DjangoModelFactory):
    class Meta:
        model = PromoUpload

    file = factory.django.FileField(filename="promo.xlsx", data=b"PK")
    original_name = "promo.xlsx"
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    size = 2
    uploaded_by = factory.SubFactory(UserFactory)
    supplier = factory.SubFactory(SupplierFactory)
