"""Supplier and product pages: who sees what, search, pagination, flat query counts."""

import pytest
from django.urls import reverse

from suppliers.models import Product, Supplier
from suppliers.services.access import supplier_user_link
from tests.factories import CategoryFactory, ProductFactory, SupplierFactory, UserFactory

PRODUCTS = reverse("suppliers:product_list")
SUPPLIERS = reverse("suppliers:supplier_list")


pytestmark = pytest.mark.django_db

def test_a_supplier_user_sees_exactly_its_50_products(client_for):
    # given s001 signed in
    client = client_for("s001")
    # when it opens its products page
    response = client.get(PRODUCTS)
    # then it sees its 50 products and nobody else's
    assert response.status_code == 200
    shown = list(response.context["object_list"])
    assert len(shown) == 50
    assert response.context["paginator"].count == 50
    assert {p.supplier.code for p in shown} == {"S001"}
    html = response.content.decode()
    assert "Мои товары" in html
    assert shown[0].article in html
    other = Product.objects.filter(supplier__code="S002").first()
    assert other.article not in html


def test_a_supplier_user_cannot_widen_the_list_with_filters(client_for):
    # given s001 asking for another supplier's products through the query string
    s002 = Supplier.objects.get(code="S002")
    response = client_for("s001").get(PRODUCTS, {"supplier": s002.pk, "per_page": 250})
    # then the supplier filter is not offered and the list is still its own
    assert "supplier" not in response.context["filter"].form.fields
    assert {p.supplier.code for p in response.context["object_list"]} == {"S001"}


def test_another_suppliers_product_is_a_404_for_a_supplier_user(client_for):
    own = Product.objects.filter(supplier__code="S001").first()
    foreign = Product.objects.filter(supplier__code="S002").first()
    client = client_for("s001")
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(foreign.get_absolute_url()).status_code == 404


def test_a_supplier_user_gets_403_on_the_supplier_pages(client_for):
    client = client_for("s001")
    s001 = Supplier.objects.get(code="S001")
    assert client.get(SUPPLIERS).status_code == 403
    assert client.get(s001.get_absolute_url()).status_code == 403


def test_a_supplier_user_does_not_see_the_purchase_price(client_for):
    product = Product.objects.filter(supplier__code="S001", purchase_price__isnull=False).first()
    html = client_for("s001").get(product.get_absolute_url()).content.decode()
    assert "Закупочная цена" not in html
    staff_html = client_for("marketer").get(product.get_absolute_url()).content.decode()
    assert "Закупочная цена" in staff_html


@pytest.mark.parametrize("username", ["marketer", "manager1", "admin"])
def test_staff_see_every_supplier_and_product(client_for, username):
    client = client_for(username)
    suppliers = client.get(SUPPLIERS)
    assert suppliers.status_code == 200
    assert suppliers.context["paginator"].count == 100
    products = client.get(PRODUCTS)
    assert products.context["paginator"].count == 5000
    assert len(products.context["object_list"]) == 50


def test_supplier_search_by_code_name_or_inn(client_for):
    client = client_for("marketer")
    s001 = Supplier.objects.get(code="S001")
    for query in ("S001", s001.name[5:12], s001.inn[:6]):
        shown = client.get(SUPPLIERS, {"q": query}).context["object_list"]
        assert s001 in shown, query
    assert list(client.get(SUPPLIERS, {"q": "нет такого"}).context["object_list"]) == []


def test_product_search_and_filters(client_for):
    client = client_for("manager")
    product = Product.objects.select_related("supplier", "category").get(article="A100001")
    # by article, by EAN (typed with spaces), by a word of the name
    for query in ("A100001", f"{product.ean[:4]} {product.ean[4:]}", product.name):
        assert product in client.get(PRODUCTS, {"q": query}).context["object_list"], query
    # by supplier and category together
    response = client.get(PRODUCTS, {"supplier": product.supplier.pk, "category": product.category.pk,
                                     "per_page": 250})
    expected = Product.objects.filter(supplier=product.supplier, category=product.category).count()
    assert response.context["paginator"].count == expected
    assert product in response.context["object_list"]


def test_product_pagination_keeps_the_filters(client_for):
    client = client_for("marketer")
    category = Product.objects.get(article="A100001").category
    total = Product.objects.filter(category=category).count()
    response = client.get(PRODUCTS, {"category": category.pk, "per_page": 25, "page": 2})
    assert response.context["page_obj"].number == 2
    assert response.context["paginator"].count == total
    html = response.content.decode()
    # the links to other pages carry the category and the page size
    assert f"category={category.pk}" in html and "per_page=25" in html and "page=3" in html


def test_a_page_number_past_the_end_is_the_last_page_not_a_404(client_for):
    # (every list page does so: tests/promo/views/test_list_pages_in_range.py)
    response = client_for("marketer").get(PRODUCTS, {"page": 9999})
    assert response.status_code == 200
    assert response.context["page_obj"].number == response.context["paginator"].num_pages


def test_product_list_ignores_an_odd_page_size(client_for):
    # when: «²» stands where a page size belongs
    response = client_for("marketer").get(reverse("suppliers:product_list"), {"per_page": "²"})

    # then: the default page size
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 50


def test_a_bad_filter_value_shows_an_empty_list_not_an_error(client_for):
    response = client_for("marketer").get(PRODUCTS, {"category": "abc", "supplier": "999999"})
    assert response.status_code == 200
    assert list(response.context["object_list"]) == []


def test_the_supplier_page_links_to_its_products(client_for):
    s001 = Supplier.objects.get(code="S001")
    html = client_for("marketer").get(s001.get_absolute_url()).content.decode()
    assert f"?supplier={s001.pk}" in html
    assert "Товары поставщика (50)" in html


@pytest.mark.parametrize("rows", [10, 200])
def test_product_list_query_count_is_flat(client_for, django_assert_max_num_queries, rows):
    # given a supplier with 10 or 200 products
    supplier = SupplierFactory()
    ProductFactory.create_batch(rows, supplier=supplier, category=CategoryFactory())
    client = client_for("marketer")
    # when the marketer lists them all on one page, then the query count does not grow
    with django_assert_max_num_queries(8):
        response = client.get(PRODUCTS, {"supplier": supplier.pk, "per_page": 250})
    assert len(response.context["object_list"]) == rows


@pytest.mark.parametrize("rows", [10, 200])
def test_own_products_query_count_is_flat(client_for, django_assert_max_num_queries, rows):
    supplier = SupplierFactory()
    ProductFactory.create_batch(rows, supplier=supplier, category=CategoryFactory())
    user = UserFactory()
    supplier_user_link(user=user, supplier=supplier)
    client = client_for(user.username)
    with django_assert_max_num_queries(9):
        response = client.get(PRODUCTS, {"per_page": 250})
    assert len(response.context["object_list"]) == rows


@pytest.mark.parametrize("rows", [10, 200])
def test_supplier_list_query_count_is_flat(client_for, django_assert_max_num_queries, rows):
    SupplierFactory.create_batch(rows, name="Проверка запросов")
    client = client_for("marketer")
    with django_assert_max_num_queries(5):
        response = client.get(SUPPLIERS, {"q": "Проверка запросов", "per_page": 250})
    assert len(response.context["object_list"]) == rows
