"""The OpenAPI 3 schema at /api/schema/ and its docs pages at /api/docs/ and /api/redoc/, for
signed-in users unless API_DOCS_PUBLIC opens them. The schema is warning-free and documents every
error of every operation with the one error body (config/api_schema.py); that the server keeps
to it is tests/test_api_fuzz.py."""

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

from tests.exports.conftest import export_root  # noqa: F401 (a scratch EXPORT_ROOT and the spec's settings)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]

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
def schema(django_db_setup, django_db_blocker):
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


def test_the_schema_generates_without_a_warning_and_validates():
    # given the command CI and developers run, in a process of its own (the generator's warnings
    # are counted per process)
    done = subprocess.run([sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn",
                           "--file", os.devnull], cwd=ROOT, capture_output=True, text=True, timeout=300)
    # then it passes: no warning, a valid OpenAPI document
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stderr, done.stderr


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_documents_its_errors_with_the_one_error_body(schema):
    # given every operation of the schema
    error_ref = {"$ref": "#/components/schemas/Error"}
    error_fields = {"code", "message", "fields", "detail"}
    assert error_fields <= set(schema["components"]["schemas"]["Error"]["required"])
    for name, operation in _operations(schema):
        responses = operation["responses"]
        parameters = operation.get("parameters", [])
        # then the errors every operation can answer are there, per kind of operation
        expected = {"406", "429"}
        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            expected.add("400")
        if operation.get("security") and {} not in operation["security"]:
            expected.add("401")
        if any(p["in"] == "path" or p["name"] == "page" for p in parameters):
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"413", "415"}
        assert expected <= set(responses), (name, expected - set(responses))
        # and every error is the one documented body (or one that extends it), in JSON
        for status, response in responses.items():
            if status >= "400":
                assert list(response["content"]) == ["application/json"], (name, status)
                ref = response["content"]["application/json"]["schema"]
                component = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]
                assert ref == error_ref or error_fields <= set(component["required"]), (name, status)
        assert responses["429"]["headers"]["Retry-After"]["required"] is True, name
        # and no operation offers ?format= (it picks a renderer, not a different answer)
        assert "format" not in {p["name"] for p in parameters}, name


def test_query_parameters_say_what_the_views_accept(schema):
    promos = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/promos/"]["get"]["parameters"]}
    assert promos["page"] == {"type": "integer", "minimum": 1}
    assert promos["page_size"] == {"type": "integer", "minimum": 1, "maximum": 1000}
    assert promos["region"]["type"] == "integer" and promos["region"]["minimum"] == 1
    assert promos["active_on"] == {"type": "string", "format": "date"}
    assert promos["ordering"]["items"]["enum"][:2] == ["start", "-start"]
    products = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/products/"]["get"]["parameters"]}
    assert products["active"] == {"type": "boolean"} and products["supplier"]["type"] == "integer"
    upload = schema["components"]["schemas"]["UploadCreateRequest"]["properties"]["file"]
    assert upload["format"] == "binary" and upload["minLength"] == 1


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


# --- answers validated against the published schema -------------------------------------------

def schema_errors(schema: dict, path: str, method: str, status: int, body) -> list[str]:
    """What a generated client would trip over: the violations of the documented response of
    ``method path`` by ``body`` (OpenAPI 3.0 rules, ``nullable`` included), as readable lines."""
    from openapi_schema_validator import OAS30ReadValidator

    response = schema["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    validator = OAS30ReadValidator({**response, "components": schema["components"]})
    return [f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
            for error in validator.iter_errors(body)]


def test_export_runs_answer_as_the_schema_says_nightly_runs_too(schema, export_root, demo_user):  # noqa: F811
    # given a run nobody started (the nightly task, the command line) and a marketer's own run
    from rest_framework.test import APIClient

    from exports.services import export_run

    nightly = export_run(business_date=date(2027, 1, 10))
    own = export_run(business_date=date(2027, 1, 11), actor=demo_user("marketer"))
    assert nightly.started_by is None and own.started_by is not None
    api = APIClient()
    api.force_authenticate(demo_user("marketer"))
    # when an integrator lists the runs and opens each
    listed = api.get("/api/v1/exports/")
    details = [api.get(f"/api/v1/exports/{run.pk}/") for run in (nightly, own)]
    # then every answer is what the schema describes (started_by null for the nightly run)
    assert listed.status_code == 200 and all(d.status_code == 200 for d in details)
    assert {row["started_by"] for row in listed.json()["results"]} == {None, "marketer"}
    assert schema_errors(schema, "/api/v1/exports/", "get", 200, listed.json()) == []
    for detail in details:
        assert detail.json()["files"]
        assert schema_errors(schema, "/api/v1/exports/{id}/", "get", 200, detail.json()) == []


def test_export_files_are_documented_as_always_present_output():
    # given the published schema of a run's file, then every field is read-only and required:
    # a client may count on each of them in every answer
    from drf_spectacular.generators import SchemaGenerator

    component = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]["ExportFile"]
    assert set(component["required"]) == set(component["properties"])
    assert all(field.get("readOnly") for field in component["properties"].values())
