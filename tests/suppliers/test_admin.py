"""Supplier users in Django admin: removing a person from a supplier there takes away what the
link granted, as the access service does (suppliers/services/access.py)."""

import pytest
from django.test import Client
from django.urls import reverse

from suppliers.models import SupplierUser
from tests.factories import PromoFactory, PromoLineFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    """A client of its own (``client_for`` signs one shared client in as each user in turn)."""
    client = Client()
    client.force_login(user)
    return client


def own_promo(demo_user):
    supplier = SupplierUser.objects.get(user=demo_user("s001")).supplier
    return PromoLineFactory(promo=PromoFactory(supplier=supplier)).promo


def test_deleting_a_supplier_users_link_in_admin_takes_away_the_access(client_for, demo_user):
    # given s001 sees a promo of its supplier, and the administrator opens its link in admin
    promo = own_promo(demo_user)
    supplier_client = signed_in(demo_user("s001"))
    assert supplier_client.get(reverse("promo:promo_detail", args=[promo.pk])).status_code == 200
    link = SupplierUser.objects.get(user=demo_user("s001"))

    # when he deletes the link (the person left the supplier's company)
    response = client_for("admin").post(reverse("admin:suppliers_supplieruser_delete", args=[link.pk]),
                                        {"post": "yes"})

    # then the link is gone and so is everything it granted: the promo is a 404, the list and the API empty
    assert response.status_code == 302
    assert not SupplierUser.objects.filter(pk=link.pk).exists()
    assert supplier_client.get(reverse("promo:promo_detail", args=[promo.pk])).status_code == 404
    assert supplier_client.get("/api/v1/promos/").json()["count"] == 0
    assert supplier_client.get("/").status_code == 200


def test_the_bulk_delete_action_takes_away_each_access(client_for, demo_user):
    # given s001 with a promo of its supplier, and s002
    promo = own_promo(demo_user)
    links = SupplierUser.objects.filter(user__username__in=["s001", "s002"])
    supplier_client = signed_in(demo_user("s001"))

    # when the administrator deletes both links with «Удалить выбранные»
    client_for("admin").post(reverse("admin:suppliers_supplieruser_changelist"),
                             {"action": "delete_selected", "post": "yes",
                              "_selected_action": [link.pk for link in links]})

    # then neither person sees its supplier any more
    assert not SupplierUser.objects.filter(user__username__in=["s001", "s002"]).exists()
    assert supplier_client.get(reverse("promo:promo_detail", args=[promo.pk])).status_code == 404
    assert signed_in(demo_user("s002")).get("/api/v1/suppliers/").json()["count"] == 0


def test_a_links_person_cannot_be_swapped_in_admin(client_for, demo_user):
    # given s001's link
    link = SupplierUser.objects.get(user=demo_user("s001"))

    # when the administrator opens it
    html = client_for("admin").get(reverse("admin:suppliers_supplieruser_change", args=[link.pk])).content.decode()

    # then the person is shown, not offered for change (moving the row left the first person granted)
    assert 'name="user"' not in html
    assert 'name="supplier"' in html


def test_admin_offers_no_grant_page_that_skips_the_link(client_for, demo_user):
    # given the administrator on a supplier's and a category's change pages
    from suppliers.models import Category, Supplier

    client = client_for("admin")
    supplier, category = Supplier.objects.get(code="S001"), Category.objects.order_by("pk").first()
    pages = [reverse("admin:suppliers_supplier_change", args=[supplier.pk]),
             reverse("admin:suppliers_category_change", args=[category.pk])]

    # when he looks for guardian's «Права объекта» and posts a grant of S001 to s003 there
    html = "".join(client.get(page).content.decode() for page in pages)
    client.post(f"/admin/suppliers/supplier/{supplier.pk}/permissions/",
                {"user": "s003", "submit_manage_user": "1"}, follow=True)
    client.post(f"/admin/suppliers/supplier/{supplier.pk}/permissions/user-manage/{demo_user('s003').pk}/",
                {"permissions": ["act_for_supplier"]}, follow=True)

    # then there is no such page: s003 still acts for its own supplier only (a second grant
    # made its uploads fail with «не привязана к поставщику»)
    assert "/permissions/" not in html
    s003 = signed_in(demo_user("s003"))
    assert [row["code"] for row in s003.get("/api/v1/suppliers/").json()["results"]] == ["S003"]
