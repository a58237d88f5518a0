"""Each role's home page shows what that person works on, with links."""

from django.urls import reverse

HOME = reverse("home")


def test_manager_home_shows_his_queue(client_for, make_promo):
    # given a promo waiting for manager3 and a draft
    waiting = make_promo()
    draft = make_promo(status="draft")

    # when manager3 opens the home page
    page = client_for("manager3").get(HOME).content.decode()

    # then it lists the waiting promo and links to the queue
    assert waiting.code in page and draft.code not in page
    assert f'href="{reverse("promo:approval_queue")}"' in page


def test_supplier_home_shows_its_own_promos(client_for, make_promo):
    # given promos of S001 and S002
    own = make_promo(supplier="S001")
    foreign = make_promo(supplier="S002")

    # when s001 opens the home page
    page = client_for("s001").get(HOME).content.decode()

    # then only its own promo is listed, with a link to its list; no queue
    assert own.code in page and foreign.code not in page
    assert f'href="{reverse("promo:promo_list")}"' in page
    assert reverse("promo:approval_queue") not in page


def test_marketer_home_links_everything(client_for, make_promo):
    # given a promo
    promo = make_promo()

    # when the marketer opens the home page
    page = client_for("marketer").get(HOME).content.decode()

    # then it links to every workspace page and lists the recent promo
    for name in ("promo_list", "calendar", "mass_correction", "activity_log"):
        assert f'href="{reverse(f"promo:{name}")}"' in page
    assert promo.code in page


def test_manager_home_counts_what_his_lists_count(client_for, make_promo, demo_user):
    # given manager3's promos in every status, and a promo of a category he does not decide
    from django.contrib.auth.models import Group

    from promo.models import Promo
    from suppliers.models import Category, Product
    from suppliers.roles import Role

    for status, number in (("submitted", 3), ("draft", 2), ("approved", 2), ("rejected", 1), ("cancelled", 1)):
        for _ in range(number):
            make_promo(status=status)
    manager3 = demo_user("manager3")
    foreign = Product.objects.filter(supplier__code="S002").exclude(
        category__in=Category.objects.restrict(manager3, "decide")).order_by("article")[:1]
    make_promo(supplier="S002", products=list(foreign))

    def shown(client) -> dict:
        counts = client.get(HOME).context["counts"]
        return {"to_review": counts["to_review"], **{key: counts["promos"][key]
                                                     for key in ("total", "submitted", "approved", "rejected")}}

    def expected(user) -> dict:
        mine = Promo.objects.restrict(user)
        return {"to_review": Promo.objects.restrict(user, "decide").pending_review().count(),
                "total": mine.count(), "submitted": mine.filter(status="submitted").count(),
                "approved": mine.filter(status="approved").count(), "rejected": mine.filter(status="rejected").count()}

    # when manager3 opens his home page, then each number is what his queue and list hold
    assert shown(client_for("manager3")) == expected(manager3) == {
        "to_review": 3, "total": 9, "submitted": 3, "approved": 2, "rejected": 1}

    # given he is a marketer too (he sees every promo, decides his categories' only)
    manager3.groups.add(Group.objects.get(name=Role.MARKETER))
    manager3 = demo_user("manager3")

    # when he opens his home page again, then the queue counts his categories, the rest every promo
    assert shown(client_for("manager3")) == expected(manager3) == {
        "to_review": 3, "total": 10, "submitted": 4, "approved": 2, "rejected": 1}
