"""The uploads API: POST a sheet (201 with the result, 202 for a large one, 200 for a dry run),
GET an upload (status, progress, errors, warnings, promos), its error workbook; restricted per
user and documented in the OpenAPI schema."""

from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from promo.models import Promo, PromoUpload
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db
UPLOADS = "/api/v1/uploads/"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


@pytest.fixture
def api_as(demo_user):
    def login(username: str | None) -> APIClient:
        client = APIClient()
        if username:
            client.force_authenticate(demo_user(username))
        return client

    return login


def products(code: str, count: int) -> list[Product]:
    return list(Product.objects.filter(supplier__code=code).order_by("article")[:count])


def post(client, rows, **data):
    return client.post(UPLOADS, {"file": sheets.uploaded(rows), **data}, format="multipart")


def test_a_small_sheet_answers_201_with_the_result(api_as):
    response = post(api_as("s001"), [line(p) for p in products("S001", 3)])

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"ok", "upload_id", "rows", "lines", "promos", "errors", "warnings", "revisions", "sheet",
                         "status", "needs_confirmation"}
    assert body["sheet"] == "Акции"
    assert (body["ok"], body["rows"], body["lines"], body["promos"]) == (True, 3, 3, 1)
    assert (body["status"], body["needs_confirmation"]) == ("imported", False)
    assert PromoUpload.objects.get(pk=body["upload_id"]).status == "imported"


def test_a_rejected_sheet_answers_with_every_error_and_saves_nothing(api_as):
    response = post(api_as("s001"), [line(products("S001", 1)[0], **{"Скидка, %": 150})])

    body = response.json()
    assert response.status_code == 201 and body["ok"] is False
    assert body["errors"] == [{
        "row": 2, "column": "Скидка, %", "code": "discount_out_of_range",
        "message": "Скидка 150 % вне допустимого диапазона: от 1 до 90 %.",
    }]
    assert not Promo.objects.exists()


def test_the_upload_resource_shows_status_progress_errors_and_promos(api_as):
    client = api_as("s001")
    upload_id = post(client, [line(p) for p in products("S001", 2)]).json()["upload_id"]

    body = client.get(f"{UPLOADS}{upload_id}/").json()

    promo = Promo.objects.get()
    assert body["status"] == "imported" and body["supplier"] == "S001" and body["uploaded_by"] == "s001"
    assert body["progress"] == {"rows_done": 2, "rows_total": 2, "percent": 100}
    assert body["errors"] == [] and body["error_workbook"] is None
    assert body["promos"] == [{"id": promo.pk, "code": promo.code, "name": promo.name, "status": "draft",
                               "revision": 1}]


def test_the_error_workbook_is_served_for_a_rejected_upload(api_as):
    client = api_as("s001")
    upload_id = post(client, [line(products("S001", 1)[0], **{"Механика": "Подарок"})]).json()["upload_id"]
    link = client.get(f"{UPLOADS}{upload_id}/").json()["error_workbook"]
    assert link.endswith(f"/api/v1/uploads/{upload_id}/error-workbook/")

    response = client.get(f"{UPLOADS}{upload_id}/error-workbook/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "Ошибки" in load_workbook(BytesIO(response.content)).sheetnames


def test_no_error_workbook_for_a_clean_upload(api_as):
    client = api_as("s001")
    upload_id = post(client, [line(products("S001", 1)[0])]).json()["upload_id"]
    assert client.get(f"{UPLOADS}{upload_id}/error-workbook/").status_code == 404


def test_a_large_sheet_is_queued_with_202_and_the_id(api_as, settings, django_capture_on_commit_callbacks):
    settings.PROMO_UPLOAD_ASYNC_ROWS = 2
    client = api_as("s001")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(client, [line(p) for p in products("S001", 4)])

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["rows_total"] == 4
    assert client.get(body["url"]).json()["progress"] == {"rows_done": 0, "rows_total": 4, "percent": 0}
    # the worker's turn (eager here): the same resource then shows the result
    for callback in callbacks:
        callback()
    detail = client.get(body["url"]).json()
    assert detail["status"] == "imported" and detail["progress"]["rows_done"] == 4 and len(detail["promos"]) == 1


def test_a_dry_run_answers_200_and_keeps_nothing(api_as):
    response = post(api_as("s001"), [line(p) for p in products("S001", 2)], dry_run="true")
    assert response.status_code == 200
    assert response.json()["ok"] is True and response.json()["upload_id"] is None
    assert not PromoUpload.objects.exists() and not Promo.objects.exists()


def test_a_marketer_names_the_supplier_by_code_or_inn(api_as):
    s002 = Product.objects.filter(supplier__code="S002").first().supplier
    response = post(api_as("marketer"), [line(p) for p in products("S002", 2)], supplier=s002.inn)
    assert response.status_code == 201 and response.json()["ok"] is True
    assert PromoUpload.objects.get().supplier == s002


def test_an_unknown_supplier_is_a_400(api_as):
    response = post(api_as("marketer"), [line(products("S001", 1)[0])], supplier="S999")
    assert response.status_code == 400 and response.json()["code"] == "supplier_unknown"


def test_a_file_above_the_cap_is_a_413_and_nothing_is_stored(api_as, settings):
    settings.PROMO_UPLOAD_MAX_BYTES = 100
    response = post(api_as("s001"), [line(products("S001", 1)[0])])
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "too_large" and list(body["fields"]) == ["file"]
    assert "МБ" in body["message"]
    assert not PromoUpload.objects.exists()


def test_uploads_are_restricted_per_user(api_as):
    upload_id = post(api_as("s002"), [line(products("S002", 1)[0])]).json()["upload_id"]

    client = api_as("s001")
    assert client.get(f"{UPLOADS}{upload_id}/").status_code == 404
    assert client.get(f"{UPLOADS}{upload_id}/error-workbook/").status_code == 404
    assert client.get(UPLOADS).json()["count"] == 0
    assert api_as("marketer").get(f"{UPLOADS}{upload_id}/").status_code == 200


def test_who_may_upload(api_as):
    sheet = [line(products("S001", 1)[0])]
    assert post(api_as("manager"), sheet).status_code == 403
    assert post(api_as(None), sheet).status_code in (401, 403)
    assert not PromoUpload.objects.exists()


def test_the_list_shows_counts_not_problem_lists(api_as):
    client = api_as("s001")
    post(client, [line(products("S001", 1)[0], **{"Скидка, %": 150})])
    item = client.get(UPLOADS).json()["results"][0]
    assert item["status"] == "rejected" and item["errors_count"] == 1 and "errors" not in item


def test_the_schema_documents_the_upload_endpoints(api_as):
    schema = api_as("marketer").get(reverse("schema"), {"format": "json"}).json()
    paths = schema["paths"]
    assert set(paths["/api/v1/uploads/"]) >= {"get", "post"}
    assert {"201", "202", "200", "413"} <= set(paths["/api/v1/uploads/"]["post"]["responses"])
    assert "multipart/form-data" in paths["/api/v1/uploads/"]["post"]["requestBody"]["content"]
    assert "get" in paths["/api/v1/uploads/{id}/"]
    assert "get" in paths["/api/v1/uploads/{id}/error-workbook/"]
