"""Supplier, category and product API: restriction before lookup, filters, token auth,
flat query counts."""

import pytest
from django.contrib.auth import get_user_model

from suppliers.models import Category, Product, Supplier
from suppliers.services.access import supplier_user_link
from tests.factories import CategoryFactory, ProductFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"
SUPPLIERS = "/api/v1/suppliers/"


def signed_in(api_client, username):
    api_client.force_authenticate(get_user_model().objects.get(username=username))
    return api_client


def test_a_supplier_user_lists_exactly_its_50_products(api_client):
    client = signed_in(api_client, "s001")
    response = client.get(PRODUCTS, {"page_size": 100})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 50
    assert len(body["results"]) == 50
    assert {row["supplier"]["code"] for row in body["results"]} == {"S001"}
    # the chain's purchase price is not shown to the supplier
    assert {row["purchase_price"] for row in body["results"]} == {None}


def test_another_suppliers_product_is_a_404_for_a_supplier_user(api_client):
    client = signed_in(api_client, "s001")
    own = Product.objects.filter(supplier__code="S001").first()
    foreign = Product.objects.filter(supplier__code="S002").first()
    assert client.get(f"{PRODUCTS}{own.pk}/").status_code == 200
    assert client.get(f"{PRODUCTS}{foreign.pk}/").status_code == 404


def test_a_supplier_user_sees_only_its_supplier(api_client):
    client = signed_in(api_client, "s001")
    body = client.get(SUPPLIERS).json()
    assert [row["code"] for row in body["results"]] == ["S001"]
    s002 = Supplier.objects.get(code="S002")
    assert client.get(f"{SUPPLIERS}{s002.pk}/").status_code == 404


def test_filtering_by_another_supplier_gives_no_rows_not_its_products(api_client):
    client = signed_in(api_client, "s001")
    s002 = Supplier.objects.get(code="S002")
    response = client.get(PRODUCTS, {"supplier": s002.pk})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_staff_list_every_product_with_its_purchase_price(api_client):
    client = signed_in(api_client, "manager1")
    body = client.get(PRODUCTS).json()
    assert body["count"] == 5000
    assert len(body["results"]) == 50
    product = Product.objects.get(article=body["results"][0]["article"])
    row = body["results"][0]
    assert row["ean"] == product.ean
    assert row["regular_price"] == f"{product.regular_price:.2f}"
    assert row["purchase_price"] == f"{product.purchase_price:.2f}"
    assert row["category"] == {"id": product.category_id, "code": product.category.code,
                               "name": product.category.name}


def test_product_filters(api_client):
    client = signed_in(api_client, "marketer")
    product = Product.objects.select_related("supplier", "category").get(article="A100001")

    def articles(**params):
        response = client.get(PRODUCTS, {"page_size": 1000, **params})
        assert response.status_code == 200, response.content
        return {row["article"] for row in response.json()["results"]}

    assert articles(article="a100001") == {"A100001"}
    assert articles(ean=product.ean) == {"A100001"}
    assert articles(search=product.ean[:9]) >= {"A100001"}
    assert articles(search="A100001") == {"A100001"}
    by_supplier = articles(supplier=product.supplier.pk)
    assert len(by_supplier) == 50 and "A100001" in by_supplier
    both = articles(supplier=product.supplier.pk, category=product.category.pk)
    assert both == set(Product.objects.filter(supplier=product.supplier, category=product.category)
                       .values_list("article", flat=True))


def test_malformed_filter_values_are_a_400_naming_the_parameter(api_client):
    # given a marketer: an unknown category matches nothing
    client = signed_in(api_client, "marketer")
    response = client.get(PRODUCTS, {"category": 999999})
    assert response.status_code == 200 and response.json()["count"] == 0
    # when a value is not what the schema allows, then a 400 naming it (never "all rows")
    for params in ({"category": "abc"}, {"active": "maybe"}, {"active": "null"}, {"page_size": "0"},
                   {"page_size": "1001"}, {"page": "abc"}, {"ordering": "purchase_price"}):
        response = client.get(PRODUCTS, params)
        assert response.status_code == 400, params
        assert list(response.json()["fields"]) == list(params), response.json()


def test_a_strict_boolean_still_reads_true_and_false(api_client):
    client = signed_in(api_client, "marketer")
    every = client.get(PRODUCTS).json()["count"]
    active = client.get(PRODUCTS, {"active": "true"}).json()["count"]
    inactive = client.get(PRODUCTS, {"active": "false"}).json()["count"]
    assert active + inactive == every and client.get(PRODUCTS, {"active": "1"}).json()["count"] == active


def test_categories_and_supplier_search(api_client):
    client = signed_in(api_client, "marketer")
    categories = client.get("/api/v1/categories/").json()
    assert categories["count"] == 18
    assert categories["results"][0] == {"id": Category.objects.get(code="C01").pk, "code": "C01",
                                        "name": "Уход за волосами"}
    s001 = Supplier.objects.get(code="S001")
    found = client.get(SUPPLIERS, {"search": s001.inn}).json()["results"]
    assert [row["code"] for row in found] == ["S001"]
    assert found[0]["emails"] == s001.email_list


def test_anonymous_calls_get_401(api_client):
    for url in (PRODUCTS, SUPPLIERS, "/api/v1/categories/", f"{PRODUCTS}1/"):
        response = api_client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token"


def test_an_integrator_gets_a_token_and_uses_it(api_client):
    # given the supplier's login, when it asks for a token
    response = api_client.post("/api/v1/auth/token/", {"username": "s001", "password": "demo"})
    assert response.status_code == 200
    token = response.json()["token"]
    # then the token opens the API, restricted as the user
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get(PRODUCTS).json()["count"] == 50


def test_a_wrong_password_gets_no_token(api_client):
    response = api_client.post("/api/v1/auth/token/", {"username": "s001", "password": "wrong"})
    assert response.status_code == 400
    assert "token" not in response.json()


def test_a_bad_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api_client.get(PRODUCTS).status_code == 401


def test_the_api_is_read_only(api_client):
    client = signed_in(api_client, "admin")
    product = Product.objects.first()
    assert client.post(PRODUCTS, {"article": "X"}).status_code == 405
    assert client.patch(f"{PRODUCTS}{product.pk}/", {"name": "X"}).status_code == 405
    assert client.delete(f"{PRODUCTS}{product.pk}/").status_code == 405


@pytest.mark.parametrize("rows", [10, 200])
def test_product_list_query_count_is_flat(api_client, django_assert_max_num_queries, rows):
    supplier = SupplierFactory()
    ProductFactory.create_batch(rows, supplier=supplier, category=CategoryFactory())
    user = UserFactory()
    supplier_user_link(user=user, supplier=supplier)
    api_client.force_authenticate(user)
    with django_assert_max_num_queries(4):
        response = api_client.get(PRODUCTS, {"page_size": 250})
    assert response.json()["count"] == rows


@pytest.mark.parametrize("rows", [10, 200])
def test_supplier_list_query_count_is_flat(api_client, django_assert_max_num_queries, rows):
    SupplierFactory.create_batch(rows, name="Проверка запросов")
    client = signed_in(api_client, "marketer")
    with django_assert_max_num_queries(3):
        response = client.get(SUPPLIERS, {"search": "Проверка запросов", "page_size": 250})
    assert response.json()["count"] == rows
