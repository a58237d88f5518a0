"""The OpenAPI 3 schema at /api/schema/ and its docs page at /api/docs/."""

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
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", {"format": "json"})
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
    assert "post" in schema["paths"]["/api/v1/auth/token/"]
    schemes = schema["components"]["securitySchemes"]
    assert {"tokenAuth", "cookieAuth"} <= set(schemes)


def test_our_viewsets_generate_without_warnings():
    # given a fresh generation of the schema, then none of the reference views warned
    GENERATOR_STATS.reset()
    SchemaGenerator().get_schema(request=None, public=True)
    ours = re.compile(r"(branches|suppliers)\.api|Region|City|Branch|Supplier|Category|Product|auth/token")
    messages = list(GENERATOR_STATS._warn_cache) + list(GENERATOR_STATS._error_cache)
    assert [m for m in messages if ours.search(m)] == []


def test_the_docs_page_serves_swagger_from_local_static_files(client):
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
