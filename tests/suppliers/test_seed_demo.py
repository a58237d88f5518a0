"""seed_demo loads exactly the reference set and the demo users, and is idempotent; under the
production settings it refuses the demo users unless forced."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from guardian.models import UserObjectPermission

from branches.models import Branch, BranchGroup, City, Region
from suppliers.models import Category, Product, Supplier, SupplierUser
from suppliers.roles import Role, user_roles
from tests.settings_layers import production_env, run_django


def counts():
    return {
        "regions": Region.objects.count(),
        "cities": City.objects.count(),
        "branches": Branch.objects.count(),
        "branch groups": BranchGroup.objects.count(),
        "suppliers": Supplier.objects.count(),
        "categories": Category.objects.count(),
        "products": Product.objects.count(),
        "users": get_user_model().objects.count(),
        "supplier links": SupplierUser.objects.count(),
        "groups": Group.objects.count(),
        "grants": UserObjectPermission.objects.count(),
        "product history": Product.history.count(),
        "branch history": Branch.history.count(),
    }


def test_seed_demo_loads_exactly_the_reference_set(db):
    # given the database seeded once (conftest), then it holds the samples' reference set
    assert Region.objects.count() == 7
    assert Branch.objects.count() == 300
    assert Branch.objects.filter(closed__isnull=False).count() == 4
    assert Supplier.objects.count() == 100
    assert Category.objects.count() == 18
    assert Product.objects.count() == 5000
    # and every supplier has its 50 products
    assert set(Supplier.objects.values_list("code", flat=True)) == {f"S{n:03d}" for n in range(1, 101)}
    assert Product.objects.filter(supplier__code="S001").count() == 50
    # and the reference rows carry history (loaded with bulk_create_with_history)
    assert Product.history.count() >= 5000


def test_seed_demo_twice_changes_nothing(db):
    # given the database seeded once
    before = counts()
    out = StringIO()
    # when seed_demo runs again
    call_command("seed_demo", stdout=out)
    # then no count moved and the command says nothing new was loaded
    assert counts() == before
    assert "nothing new" in out.getvalue()


def test_seed_demo_prints_the_logins(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    for login in ("admin", "marketer", "manager1", "s001", "s100", "demo"):
        assert login in text


def test_demo_users_have_their_roles_and_password(db):
    User = get_user_model()
    # given the demo users, when they sign in with "demo", then each has its role
    expected = {
        "admin": {Role.ADMINISTRATOR},
        "marketer": {Role.MARKETER},
        "manager": {Role.CATEGORY_MANAGER},
        "manager2": {Role.CATEGORY_MANAGER},
        "s001": {Role.SUPPLIER},
        "s100": {Role.SUPPLIER},
    }
    for username, roles in expected.items():
        user = authenticate(username=username, password="demo")
        assert user is not None, username
        assert user_roles(user) == roles, username
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.filter(username__regex=r"^s[0-9]{3}$").count() == 100
    # and each supplier user is linked to the supplier named by its login
    links = dict(SupplierUser.objects.values_list("user__username", "supplier__code"))
    assert links["s001"] == "S001" and links["s100"] == "S100"
    assert len(links) == 100


def test_demo_branch_group_holds_the_big_cities(db):
    group = BranchGroup.objects.get(name="Крупные города")
    cities = set(group.branches.values_list("city__name", flat=True))
    assert cities == {"Новосибирск", "Барнаул", "Кемерово", "Томск", "Омск", "Красноярск"}
    assert group.branches.count() == Branch.objects.filter(city__name__in=cities).count()


def test_seed_demo_refuses_demo_users_where_they_are_not_allowed(db, settings):
    # given the production rule (DEMO_USERS_ALLOWED off) and a database to protect
    settings.DEMO_USERS_ALLOWED = False
    get_user_model().objects.filter(username="s100").delete()
    before = counts()

    # when seed_demo is asked for the demo users, then it refuses and changes nothing
    with pytest.raises(CommandError) as refusal:
        call_command("seed_demo", stdout=StringIO())
    assert "Демо-пользователи" in str(refusal.value) and "--force-demo-users" in str(refusal.value)
    assert "--no-users" in str(refusal.value)
    assert counts() == before


def test_seed_demo_loads_reference_data_or_forced_demo_users_there(db, settings):
    settings.DEMO_USERS_ALLOWED = False
    get_user_model().objects.filter(username="s100").delete()
    Group.objects.filter(name=Role.MARKETER.value).delete()
    # the reference set alone is allowed, with the role groups real users are put in
    call_command("seed_demo", "--no-users", stdout=StringIO())
    assert not get_user_model().objects.filter(username="s100").exists()
    assert Group.objects.filter(name=Role.MARKETER.value).exists()
    # and the demo users when forced (a demo stand)
    call_command("seed_demo", "--force-demo-users", stdout=StringIO())
    assert get_user_model().objects.filter(username="s100").exists()


def test_seed_demo_exits_non_zero_under_the_production_settings():
    # given the production settings (the database is never reached: the refusal comes first)
    result = run_django("config.django.production", ["manage.py", "seed_demo"], production_env())
    # then exit code 1 with the reason, in Russian
    assert result.returncode == 1, result.stdout + result.stderr
    assert "в рабочей среде не создаются" in result.stderr
