from django.contrib.auth import get_user_model
from django.core.management import call_command

from branches.models import Branch, City, Region
from suppliers.models import Category, Product, Supplier


def counts():
    return {
        "regions": Region.objects.count(),
        "cities": City.objects.count(),
        "branches": Branch.objects.count(),
        "suppliers": Supplier.objects.count(),
        "categories": Category.objects.count(),
        "products": Product.objects.count(),
        "users": get_user_model().objects.count(),
    }


def test_seed_demo_loads_the_reference_set_and_users(db):
    # given the database seeded once (conftest), when seed_demo runs again
    before = counts()
    call_command("seed_demo", verbosity=0)
    # then the reference set is exactly the samples' and nothing changed
    assert before == counts()
    assert before["regions"] == 7
    assert before["branches"] == 300
    assert before["suppliers"] == 100
    assert before["categories"] == 18
    assert before["products"] == 5000
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    assert {"admin", "marketer", "manager", "manager1", "manager2", "manager3", "s001", "s100"} <= usernames
