"""The OpenAPI 3 schema at /api/schema/ and its docs pages at /api/docs/ and /api/redoc/, for
signed-in users unless API_DOCS_PUBLIC opens them."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

REFERENCE_PATHS = {
    "/api/v1/regions/": set(),
    "/api/v1/cities/": {"region", "search"},
    "/api/v1/branches/": {"region", "city", "group", "code", "open_on", "search", "page", "page_size"},
    "/api/v1/branch-groups/": {"search"},
    "/api/v1/suppliers/": {"code", "inn", "active", "search"},
    "/api/v1/categories/": {"search"},
    "/api/v1/products/": {"supplier", "category", "article", "ean", "active", "search", "page_size"},
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.contrib.auth import get_user_model
    from django.test import Client

    with django_db_blocker.unblock():
        client = Client()
        client.force_login(get_user_model().objects.get(username="s001"))
        response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)  # raises on any violation of the OpenAPI 3 specification


def test_the_reference_endpoints_and_their_filters_are_documented(schema):
    for path, params in REFERENCE_PATHS.items():
        operation = schema["paths"][path]["get"]
        documented = {p["name"] for p in operation.get("parameters", [])}
        assert params <= documented, (path, params - documented)
        assert f"{path}{{id}}/" in schema["paths"]
        assert set(schema["paths"][path]) == {"get"}, "reference data is read-only"


def test_the_token_endpoint_and_auth_schemes_are_documented(schema):
    token = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert {"200", "400", "429"} <= set(token["responses"])
    assert {"token", "expiry"} <= set(schema["components"]["schemas"]["Token"]["properties"])
    assert {"/api/v1/auth/token/rotate/", "/api/v1/auth/token/revoke/"} <= set(schema["paths"])
    schemes = schema["components"]["securitySchemes"]
    assert {"tokenAuth", "cookieAuth"} <= set(schemes)
    assert schemes["tokenAuth"]["type"] == "http" or schemes["tokenAuth"]["name"] == "Authorization"


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_send_an_anonymous_visitor_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_the_schema_answers_an_anonymous_call_401_and_a_token_200(client, api_client):
    # given no credentials, then no schema
    assert client.get("/api/schema/").status_code == 401
    # when an integrator signs in for a token, then the schema opens with it
    token = api_client.post("/api/v1/auth/token/", {"username": "s001", "password": "demo"}).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/schema/", {"format": "json"}).status_code == 200


def test_api_docs_public_opens_the_schema_and_the_docs(client, settings):
    settings.API_DOCS_PUBLIC = True
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/redoc/").status_code == 200


def test_our_viewsets_generate_without_warnings():
    # given a fresh generation of the schema, then none of the reference views warned
    GENERATOR_STATS.reset()
    SchemaGenerator().get_schema(request=None, public=True)
    ours = re.compile(r"(branches|suppliers)\.api|Region|City|Branch|Supplier|Category|Product|auth/token")
    messages = list(GENERATOR_STATS._warn_cache) + list(GENERATOR_STATS._error_cache)
    assert [m for m in messages if ours.search(m)] == []


def test_the_docs_page_serves_swagger_from_local_static_files(client_for):
    client = client_for("s001")
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    sidecar = [a for a in assets if a.startswith("/static/drf_spectacular_sidecar/")]
    assert sidecar, assets
    for asset in sidecar:
        assert finders.find(asset.removeprefix("/static/")), asset
    assert not [a for a in assets if a.startswith(("http://", "https://", "//"))]
    assert "cdn" not in html.lower()
    # and its start-up script is a file of its own (no inline <script> under the CSP)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    start = [src for src in scripts if src.startswith("/api/docs/?")]
    assert start and "<script>" not in html
    script = client.get(start[0].replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_redoc_page_loads_nothing_from_outside(client_for):
    html = client_for("s001").get("/api/redoc/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.startswith("/static/drf_spectacular_sidecar/redoc/") for a in assets), assets
    assert not [a for a in assets if a.startswith(("http://", "https://", "//"))]
    assert "<script>" not in html
