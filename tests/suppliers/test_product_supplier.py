"""A product in promos of its supplier stays with that supplier (suppliers/usage.py,
``Product.clean``): the promos' history, the exports and the reconciliation read the supplier
through the product. The admin's change form refuses the move and says which promos hold it; a
product in no promo moves as before."""

import pytest
from django.conf import settings
from django.urls import reverse

from promo.services.revisions import revision_record
from suppliers.models import Product
from tests.factories import ProductFactory, PromoFactory, PromoLineFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def change_form(product: Product, **changes) -> dict:
    """The admin change form as the administrator sends it."""
    data = {"article": product.article, "ean": product.ean, "name": product.name,
            "category": product.category_id, "supplier": product.supplier_id,
            "regular_price": product.regular_price, "purchase_price": product.purchase_price or "",
            "active": "on" if product.active else ""}
    return {**data, **changes}


def post_change(client, product: Product, **changes):
    return client.post(reverse("admin:suppliers_product_change", args=[product.pk]), change_form(product, **changes))


@pytest.mark.parametrize("status", ["draft", "submitted", "approved", "cancelled"])
def test_a_product_in_its_suppliers_promos_is_not_moved_and_the_form_says_which(client_for, status):
    # given a product in three promos of its supplier (one of them with the status under test)
    product = ProductFactory()
    promos = [PromoLineFactory(product=product, promo=PromoFactory(supplier=product.supplier, status=status)).promo
              for _ in range(3)]
    supplier, name = product.supplier_id, product.name

    # when the administrator moves it to another supplier and renames it in the same save
    response = post_change(client_for("admin"), product, supplier=SupplierFactory().pk, name="Новое имя")

    # then nothing changed, and the form names the count and the promos
    product.refresh_from_db()
    assert response.status_code == 200
    assert (product.supplier_id, product.name) == (supplier, name)
    html = response.content.decode()
    assert "Товар нельзя перевести к другому поставщику" in html
    assert "промо: 3 — " + ", ".join(p.code for p in sorted(promos, key=lambda p: p.pk)) in html


def test_many_promos_are_counted_and_a_few_named(client_for):
    # given a product in seven promos of its supplier
    product = ProductFactory()
    promos = [PromoLineFactory(product=product, promo=PromoFactory(supplier=product.supplier)).promo
              for _ in range(7)]

    # when the administrator tries to move it
    response = post_change(client_for("admin"), product, supplier=SupplierFactory().pk)

    # then the refusal counts all seven and names the first five
    codes = ", ".join(p.code for p in promos[:5])
    assert f"промо: 7 — {codes} и ещё 2" in response.content.decode()


def test_a_product_only_in_an_earlier_revision_is_kept_too(client_for):
    # given an approved promo whose newer revision dropped the product's line
    product = ProductFactory()
    line = PromoLineFactory(product=product, promo=PromoFactory(supplier=product.supplier, status="approved"))
    revision_record(promo=line.promo)
    line.delete()
    supplier = product.supplier_id

    # when the administrator moves the product
    response = post_change(client_for("admin"), product, supplier=SupplierFactory().pk)

    # then it stays: the revision in force still sells it
    product.refresh_from_db()
    assert product.supplier_id == supplier
    assert line.promo.code in response.content.decode()


def test_a_product_in_no_promo_moves(client_for):
    # given a product in no promo, next to another product of its supplier that is in one
    product = ProductFactory()
    PromoLineFactory(promo=PromoFactory(supplier=product.supplier))
    other = SupplierFactory()

    # when the administrator moves it to another supplier
    response = post_change(client_for("admin"), product, supplier=other.pk)

    # then it moved
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.supplier_id == other.pk


def test_a_product_in_promos_keeps_its_other_fields_editable(client_for):
    # given a product in a promo of its supplier
    product = PromoLineFactory().product

    # when the administrator renames it without touching the supplier
    response = post_change(client_for("admin"), product, name="Шампунь, 400 мл")

    # then the rename is saved
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "Шампунь, 400 мл"


def test_the_refusal_reads_in_english_for_an_english_administrator(client_for):
    # given a product in a promo, and the administrator reading English
    product = PromoLineFactory().product
    client = client_for("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when he tries to move it
    response = post_change(client, product, supplier=SupplierFactory().pk)

    # then he is told why in English
    assert "The product cannot be moved to another supplier" in response.content.decode()
