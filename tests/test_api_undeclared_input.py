"""The API refuses what it would otherwise ignore: a body field an operation does not declare
(config/api_fields.py, ``StrictBodySerializer``) and a query parameter it does not read
(config/filters.py, ``StrictQueryMixin``) are a 400 naming them, and change nothing. A dropped
``dry_run`` ran a real export; a misspelt ``is_internal`` mailed a comment to the supplier; a
misspelt ``?staus=`` listed every promo. Every operation of the schema is walked, so a new one
cannot forget it; the schema says it too (request bodies are ``additionalProperties: false``)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.core import mail
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from accounts.models import ApiToken
from exports.models import ExportFile, ExportRun
from promo.forms.bulk import BulkActionForm
from promo.forms.workflow import (
    ApproveForm,
    CancelForm,
    ExtendForm,
    LineDecisionsForm,
    RejectForm,
    RequestAnswerForm,
    RequestCancellationForm,
    SubmitForm,
    WithdrawForm,
)
from promo.models import (
    OutboxMessage,
    Promo,
    PromoComment,
    PromoEvent,
    PromoLine,
    PromoUpload,
    SupplierRequest,
)
from promo.rules import REASON_MAX_LENGTH
from suppliers.models import Supplier
from tests.factories import PromoFactory, PromoLineFactory, PromoUploadFactory

pytestmark = pytest.mark.django_db

UNKNOWN = "Неизвестное поле."
UNDECLARED = "zz_undeclared"
WRITE_METHODS = ("post", "put", "patch")
# The path segments an id follows (a GET is refused before its object is looked up: any id will do).
RESOURCES = ("promos", "products", "regions", "cities", "branches", "branch-groups", "suppliers", "categories",
             "uploads", "exports", "requests")


@pytest.fixture
def marketer(api_client, demo_user):
    api_client.force_authenticate(demo_user("marketer"))
    return api_client


@pytest.fixture
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = str(tmp_path / "exports")
    return settings.EXPORT_ROOT


@pytest.fixture
def promo():
    return PromoLineFactory(promo=PromoFactory(supplier=Supplier.objects.get(code="S001"))).promo


@pytest.fixture
def schema(client_for):
    response = client_for("marketer").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def state() -> dict:
    """Everything a write could change: the rows of the workflow, uploads, exports, tokens, mail."""
    models = (Promo, PromoLine, PromoComment, PromoEvent, SupplierRequest, PromoUpload, ExportRun, ExportFile,
              OutboxMessage)
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in models}
    return {**rows, "tokens": sorted(ApiToken.objects.values_list("digest", flat=True)), "mail": len(mail.outbox)}


def assert_refused(response, fields: dict) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid", body
    for name, message in fields.items():
        assert body["fields"].get(name) == [message], body
    return body


# --- the QA reproductions ------------------------------------------------------------------------

def test_a_dry_run_flag_the_export_does_not_have_runs_nothing(marketer, export_root):
    # given the real dry run is GET /exports/preview/, when an integrator posts a "dry_run"
    before = state()
    response = marketer.post("/api/v1/exports/", {"date": "2027-02-10", "system": "all", "dry_run": True},
                             format="json")
    # then a 400 naming it: no run queued, no run number used
    body = assert_refused(response, {"dry_run": UNKNOWN})
    assert body["message"] == "Поле «dry_run»: Неизвестное поле."
    assert state() == before and not ExportRun.objects.exists()


def test_a_misspelt_internal_flag_does_not_publish_the_comment(marketer, promo):
    # when a marketer means an internal comment and spells the flag "is_internal"
    before = state()
    response = marketer.post(f"/api/v1/promos/{promo.pk}/comments/", {"text": "hi", "is_internal": True},
                             format="json")
    # then a 400: no comment the supplier can read, nobody mailed
    assert_refused(response, {"is_internal": UNKNOWN})
    assert state() == before and not PromoComment.objects.exists() and not mail.outbox


def test_an_extension_with_fields_it_does_not_read_changes_nothing(marketer, promo):
    before = state()
    body = {"version": promo.version, "new_end": (promo.end + timedelta(days=3)).isoformat(), "reason": "x",
            "end": (promo.end + timedelta(days=10)).isoformat(), "notify": False}
    response = marketer.post(f"/api/v1/promos/{promo.pk}/extend/", body, format="json")
    assert_refused(response, {"end": UNKNOWN, "notify": UNKNOWN})
    assert state() == before


def test_a_token_lifetime_the_endpoint_does_not_take_is_refused(api_client):
    # when a token is asked for 365 days (tokens live API_TOKEN_TTL_DAYS), form-encoded as curl -d sends it
    response = api_client.post("/api/v1/auth/token/", {"username": "s005", "password": "demo", "ttl_days": 365})
    # then a 400 and no token issued
    assert_refused(response, {"ttl_days": UNKNOWN})
    assert not ApiToken.objects.exists()


def test_a_misspelt_dry_run_of_an_upload_stores_nothing(api_client, demo_user):
    # given s001's sheet sent with "dryrun" (the field is dry_run)
    api_client.force_authenticate(demo_user("s001"))
    sheet = io.BytesIO(b"PK\x03\x04 not really a workbook")
    sheet.name = "s001.xlsx"
    response = api_client.post("/api/v1/uploads/", {"file": sheet, "dryrun": "true"}, format="multipart")
    # then a 400 naming it, and no upload kept or waiting for a confirmation
    assert_refused(response, {"dryrun": UNKNOWN})
    assert not PromoUpload.objects.exists()


def test_a_read_only_field_is_refused_as_such_and_the_version_of_a_comment_is_read(marketer, promo):
    url = f"/api/v1/promos/{promo.pk}/comments/"
    # a comment's author is who posts it: sending one is refused, saying it is read-only
    response = marketer.post(url, {"text": "Вопрос", "author": "s001"}, format="json")
    assert_refused(response, {"author": "Поле только для чтения."})
    assert not PromoComment.objects.exists()
    # the promo's version, sent with every action, is a field of the comment too (not compared)
    created = marketer.post(url, {"text": "Вопрос", "version": promo.version}, format="json")
    assert created.status_code == 201, created.content
    assert "version" not in created.json()


def test_a_nested_item_refuses_its_undeclared_fields_by_their_dotted_name(marketer, promo):
    before = state()
    body = {"action": "submit", "promos": [{"id": promo.pk, "version": promo.version, "note": "x"}]}
    response = marketer.post("/api/v1/promos/bulk/", body, format="json")
    assert_refused(response, {"promos.0.note": UNKNOWN})
    assert state() == before


def test_a_session_form_carries_its_csrf_token_but_a_json_body_cannot(client_for, promo):
    # given a marketer signed in with a session, posting the browsable API's form (CSRF enforced)
    client = client_for("marketer")
    client.handler.enforce_csrf_checks = True
    client.get("/api/v1/promos/", HTTP_ACCEPT="text/html")  # its page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    url = f"/api/v1/promos/{promo.pk}/comments/"
    # when the form sends its csrfmiddlewaretoken next to the fields, then it is no field of the body
    created = client.post(url, {"text": "Вопрос", "csrfmiddlewaretoken": token})
    assert created.status_code == 201, created.content
    # but in JSON it is just an unknown field
    refused = client.post(url, {"text": "Ещё вопрос", "csrfmiddlewaretoken": token},
                          content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert_refused(refused, {"csrfmiddlewaretoken": UNKNOWN})
    assert PromoComment.objects.count() == 1


def test_an_english_caller_reads_the_refusals_in_english(marketer, promo, settings):
    marketer.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = marketer.post(f"/api/v1/promos/{promo.pk}/comments/", {"text": "hi", "is_internal": True},
                         format="json").json()
    assert body["fields"] == {"is_internal": ["Unknown field."]}
    body = marketer.get("/api/v1/regions/", {"ordering": "name"}).json()
    assert body["fields"] == {"ordering": ["Unknown query parameter: allowed are page, page_size."]}
    body = marketer.get(f"/api/v1/promos/{promo.pk}/history/", {"page": "2"}).json()
    assert body["fields"] == {"page": ["Unknown query parameter: this request takes no parameters."]}


# --- every write operation of the schema ---------------------------------------------------------

@pytest.fixture
def objects(promo, demo_user):
    """An object for each id of a write operation's path: each refusal must come from the body."""
    marketer = demo_user("marketer")
    request = SupplierRequest.objects.create(promo=promo, kind=SupplierRequest.Kind.CANCELLATION, reason="Нет товара",
                                             requested_by=demo_user("s001"))
    upload = PromoUploadFactory(supplier=promo.supplier, uploaded_by=marketer)
    run = ExportRun.objects.create(business_date=date(2027, 2, 10), number=1, systems=["setretail"],
                                   status=ExportRun.Status.SUCCEEDED, started_by=marketer)
    export_file = ExportFile.objects.create(run=run, system="setretail", kind="set10_actions", name="set10.xml",
                                            sha256="0" * 64)
    return {"promos": promo.pk, "lines": promo.lines.get().pk, "requests": request.pk, "uploads": upload.pk,
            "exports": run.pk, "files": export_file.pk}


def concrete(path: str, ids: dict) -> str:
    """``/api/v1/promos/{id}/lines/{line_id}/decide/`` -> the path of the fixture's objects."""
    parts = path.split("/")
    return "/".join(str(ids[parts[index - 1]]) if part.startswith("{") else part for index, part in enumerate(parts))


def write_operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in WRITE_METHODS:
                yield path, method, operation


def post_as(client, method: str, url: str, content_type: str, body: dict):
    send = getattr(client, method)
    if content_type == "application/json":
        return send(url, body, format="json")
    if content_type == "multipart/form-data":
        return send(url, body, format="multipart")
    return send(url, urlencode(body), content_type=content_type)


def test_every_write_operation_refuses_a_field_it_does_not_declare_and_changes_nothing(schema, objects,
                                                                                       demo_user, export_root):
    # given a marketer's token (the token endpoints read it) and an object for every id
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.create(user=demo_user('marketer'))[1]}")
    walked = []
    for path, method, operation in write_operations(schema):
        url = concrete(path, objects)
        # (an operation without a body declares no field at all)
        content_types = list((operation.get("requestBody") or {}).get("content") or
                             ["application/json", "multipart/form-data"])
        for content_type in content_types:
            before = state()
            # when the body holds one field the operation does not declare
            response = post_as(client, method, url, content_type, {UNDECLARED: "1"})
            # then a 400 naming it, whatever else the body lacks, and nothing changed
            assert response.status_code == 400, (method, path, content_type, response.content)
            body = response.json()
            assert body["code"] == "invalid" and body["fields"].get(UNDECLARED) == [UNKNOWN], (path, body)
            assert state() == before, (method, path, content_type)
            walked.append((method, path, content_type))
    assert len({path for _method, path, _type in walked}) >= 20, walked


def test_the_schema_says_every_request_body_takes_only_its_fields(schema):
    components = schema["components"]["schemas"]
    open_bodies = []

    def check(node, where):
        if "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        if node.get("type") == "object" and node.get("additionalProperties") is not False:
            open_bodies.append(where)
        for name, child in node.get("properties", {}).items():
            check(child.get("items", child), f"{where}.{name}")

    for path, method, operation in write_operations(schema):
        for content_type, content in (operation.get("requestBody") or {}).get("content", {}).items():
            check(content["schema"], f"{method} {path} {content_type}")
    assert open_bodies == []


# --- query parameters ----------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "params"), [
    ("/api/v1/promos/", {"staus": "cancelled"}),
    ("/api/v1/uploads/", {"supplier": "2"}),
    ("/api/v1/uploads/", {"status": "bogus"}),
    ("/api/v1/uploads/", {"ordering": "bogus"}),
    ("/api/v1/regions/", {"ordering": "bogus"}),
    ("/api/v1/exports/preview/", {"date": "2027-02-10", "ordering": "bogus"}),
    ("/api/v1/exports/", {"search": "x"}),
    ("/api/v1/promos/1/", {"status": "draft"}),
])
def test_a_query_parameter_the_operation_does_not_read_is_a_400_naming_it(marketer, export_root, url, params):
    # when a list is asked with a parameter it does not read (a typo, or a filter it does not have)
    response = marketer.get(url, params)
    # then a 400 naming exactly that one (the others are fine), saying what the list reads
    assert response.status_code == 400, response.content
    body = response.json()
    unknown = [name for name in params if name != "date"]
    assert body["code"] == "invalid" and list(body["fields"]) == unknown, body
    assert body["fields"][unknown[0]][0].startswith("Неизвестный параметр запроса"), body


def test_a_typo_in_a_filter_no_longer_lists_every_promo(marketer):
    s001 = Supplier.objects.get(code="S001")
    PromoFactory(supplier=s001, status=Promo.Status.CANCELLED)
    PromoFactory(supplier=s001)
    assert marketer.get("/api/v1/promos/", {"status": "cancelled"}).json()["count"] == 1
    body = marketer.get("/api/v1/promos/", {"staus": "cancelled"}).json()
    assert body["fields"] == {"staus": ["Неизвестный параметр запроса: допустимы active_on, branch, category, "
                                        "in_force, mechanic, ordering, page, page_size, period_from, period_to, q, region, "
                                        "search, status, supplier."]}


def test_format_and_what_a_list_reads_are_accepted(marketer):
    assert marketer.get("/api/v1/regions/", {"format": "json", "page": 1, "page_size": 5}).status_code == 200
    assert marketer.get("/api/v1/promos/", {"status": "draft", "search": "P", "ordering": "-start"}).status_code == 200
    assert marketer.get("/api/v1/promos/", {"period_from": "2027-03-01", "period_to": "2027-02-01"}).json()["count"] == 0


def test_a_method_the_operation_does_not_have_is_a_405_whatever_its_query(marketer):
    response = marketer.generic("TRACE", "/api/v1/promos/?status=draft&zz=1")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


def _get_operations():
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator()
    generator._initialise_endpoints()
    for path, path_regex, method, view in generator._get_paths_and_endpoints():
        if method == "GET":
            view.schema.path, view.schema.path_regex, view.schema.method = path, path_regex, method
            yield path, view


def test_every_read_operation_reads_exactly_the_query_parameters_its_schema_lists(schema, marketer, demo_user):
    # given every GET operation the API routes
    differ = {}
    for path, view in _get_operations():
        if path not in schema["paths"]:
            continue  # the schema and docs pages (drf-spectacular's views, not the API's)
        view.request = Request(APIRequestFactory().get(path))
        view.request.user = demo_user("marketer")
        documented = {parameter["name"] for parameter in schema["paths"][path]["get"].get("parameters", [])
                      if parameter["in"] == "query"}
        # when the view's own list of what it reads is compared with the schema's
        read = set(view.query_parameter_names()) - {"format"}
        if read != documented:
            differ[path] = (sorted(read - documented), sorted(documented - read))
        # and it is asked with a parameter it does not read, then a 400 naming it
        url = concrete(path, dict.fromkeys(RESOURCES, 1))
        response = marketer.get(url, {UNDECLARED: "1"})
        assert response.status_code == 400 and list(response.json()["fields"]) == [UNDECLARED], (path, response.content)
    # then the two agree everywhere: what the schema offers is read, and nothing else
    assert differ == {}


# --- the length of a reason ----------------------------------------------------------------------

def test_a_reason_is_as_long_as_the_page_allows_and_the_schema_says_so(marketer, promo, schema):
    # given the forms' reasons and comments, all of one length
    forms = [SubmitForm().fields["comment"], ApproveForm().fields["comment"], ApproveForm().fields["below_floor_reason"],
             RejectForm().fields["reason"], WithdrawForm().fields["reason"], CancelForm().fields["reason"],
             ExtendForm().fields["reason"], RequestCancellationForm().fields["reason"],
             RequestAnswerForm().fields["reason"], BulkActionForm().fields["reason"]]
    assert {field.max_length for field in forms} == {LineDecisionsForm.REASON_MAX_LENGTH} == {REASON_MAX_LENGTH}
    # then every reason or comment of a request body has it as its maxLength
    lengths = {f"{name}.{field}": prop.get("maxLength") for name, component in schema["components"]["schemas"].items()
               if name.endswith("BodyRequest") for field, prop in component.get("properties", {}).items()
               if field in ("reason", "comment", "below_floor_reason")}
    assert len(lengths) >= 8 and set(lengths.values()) == {REASON_MAX_LENGTH}, lengths
    # and a longer reason is refused (nothing changed), one of that length is read
    url = f"/api/v1/promos/{promo.pk}/withdraw/"
    before = state()
    response = marketer.post(url, {"version": promo.version, "reason": "я" * (REASON_MAX_LENGTH + 1)}, format="json")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["reason"], response.content
    assert state() == before
    done = marketer.post(url, {"version": promo.version, "reason": "я" * REASON_MAX_LENGTH}, format="json")
    assert done.status_code == 200, done.content
