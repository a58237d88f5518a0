"""Roles and guardian grants: who may see and decide what (``restrict()``)."""

from branches.models import Branch, Region
from suppliers.models import Category, Product, Supplier
from suppliers.querysets import DECIDE, VIEW
from suppliers.services.access import category_managers, category_set_managers, supplier_user_link
from tests.factories import CategoryFactory, SupplierFactory, UserFactory, category_manager, marketer


def codes(queryset):
    return set(queryset.values_list("code", flat=True))


def test_each_category_manager_decides_exactly_his_categories(db, demo_user):
    # given the demo managers: manager has all 18 categories, manager1..3 a third each
    all_codes = codes(Category.objects.all())
    assert codes(Category.objects.restrict(demo_user("manager"), DECIDE)) == all_codes
    thirds = [codes(Category.objects.restrict(demo_user(f"manager{i}"), DECIDE)) for i in (1, 2, 3)]
    # then the thirds are six categories each, disjoint, and cover the catalogue
    assert [len(t) for t in thirds] == [6, 6, 6]
    assert thirds[0] | thirds[1] | thirds[2] == all_codes
    assert not (thirds[0] & thirds[1] or thirds[1] & thirds[2] or thirds[0] & thirds[2])
    assert thirds[0] == {f"C{n:02d}" for n in range(1, 7)}


def test_deciding_products_follows_the_category_grants(db, demo_user):
    manager1 = demo_user("manager1")
    decidable = Product.objects.restrict(manager1, DECIDE)
    assert decidable.count() == Product.objects.filter(category__code__in=[f"C{n:02d}" for n in range(1, 7)]).count()
    assert not decidable.exclude(category__in=Category.objects.restrict(manager1, DECIDE)).exists()


def test_nobody_else_decides_categories(db, demo_user):
    # given a supplier user and a marketer, when asking what they decide, then nothing
    assert not Category.objects.restrict(demo_user("s001"), DECIDE).exists()
    assert not Category.objects.restrict(demo_user("marketer"), DECIDE).exists()
    # and the administrator decides everything (superuser)
    assert Category.objects.restrict(demo_user("admin"), DECIDE).count() == 18


def test_setting_managers_replaces_the_grants(db):
    # given a category with manager A
    category = CategoryFactory()
    a, b = category_manager(category), UserFactory()
    # when the administrator sets the managers to B only
    category_set_managers(category=category, users=[b])
    # then B decides it and A no longer does
    assert set(category_managers(category)) == {b}
    assert not Category.objects.restrict(a, DECIDE).filter(pk=category.pk).exists()
    assert Category.objects.restrict(b, DECIDE).filter(pk=category.pk).exists()


def test_a_supplier_user_sees_only_its_supplier_and_products(db, demo_user):
    s001 = demo_user("s001")
    assert codes(Supplier.objects.restrict(s001)) == {"S001"}
    products = Product.objects.restrict(s001)
    assert products.count() == 50
    assert set(products.values_list("supplier__code", flat=True)) == {"S001"}


def test_relinking_a_supplier_user_moves_the_grant(db):
    # given a user of supplier X
    x, y = SupplierFactory(), SupplierFactory()
    user = UserFactory()
    supplier_user_link(user=user, supplier=x)
    # when linked to supplier Y instead
    supplier_user_link(user=user, supplier=y)
    # then the user sees Y only
    assert list(Supplier.objects.restrict(user)) == [y]


def test_a_grant_changed_during_a_request_is_seen_at_once(db):
    # given a supplier user of X whose suppliers were already asked once in this request
    x, y = SupplierFactory(), SupplierFactory()
    user = UserFactory()
    supplier_user_link(user=user, supplier=x)
    assert list(Supplier.objects.restrict(user)) == [x]
    # when the grant moves to Y while the same user object lives on
    supplier_user_link(user=user, supplier=y)
    # then its suppliers, products and promos follow the new grant at once
    assert list(Supplier.objects.restrict(user)) == [y]
    assert not Product.objects.restrict(user).filter(supplier=x).exists()


def test_staff_view_everything_and_anonymous_nothing(db, demo_user):
    from django.contrib.auth.models import AnonymousUser

    for username in ("marketer", "manager1", "admin"):
        user = demo_user(username)
        assert Supplier.objects.restrict(user, VIEW).count() == 100
        assert Product.objects.restrict(user, VIEW).count() == 5000
    assert Supplier.objects.restrict(marketer(), VIEW).count() == 100
    anonymous = AnonymousUser()
    for model in (Supplier, Product, Category, Branch, Region):
        assert not model.objects.restrict(anonymous).exists()


def test_an_inactive_user_sees_nothing(db, demo_user):
    user = demo_user("s002")
    user.is_active = False
    assert not Product.objects.restrict(user).exists()
    assert not Branch.objects.restrict(user).exists()


def test_a_user_without_a_role_sees_no_supplier_or_product(db):
    user = UserFactory()
    assert not Supplier.objects.restrict(user).exists()
    assert not Product.objects.restrict(user).exists()
    # but reference geography is open to every signed-in user
    assert Branch.objects.restrict(user).count() == 300
