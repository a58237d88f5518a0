"""Every error the API answers has one body, in Russian: ``code`` (for programs), ``message``
(for people), ``fields`` (errors by field or query parameter) and ``detail`` (deprecated, the
same text as ``message``). Validation errors, parse errors, typed refusals of the services,
401/403/404/405/406/409/413/415, malformed ids (404 in JSON, never a page or a 500)."""

import json
import re

import pytest

from promo.models import PromoComment, PromoUpload
from tests.factories import PromoFactory, PromoUploadFactory

pytestmark = pytest.mark.django_db

CYRILLIC = re.compile("[а-яА-ЯёЁ]")


def assert_error(response, status: int, code: str, fields: list[str] | None = None) -> dict:
    """The documented error body: JSON, the four keys, ``detail`` = ``message``, Russian."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "message", "fields", "detail"}, body
    assert body["code"] == code, body
    assert body["detail"] == body["message"] and CYRILLIC.search(body["message"]), body
    assert sorted(body["fields"]) == sorted(fields or []), body
    assert all(isinstance(errors, list) and errors and all(CYRILLIC.search(e) for e in errors)
               for errors in body["fields"].values()), body
    return body


@pytest.fixture
def promo():
    from suppliers.models import Supplier

    return PromoFactory(supplier=Supplier.objects.get(code="S001"))


@pytest.fixture
def s001(api_client, demo_user):
    api_client.force_authenticate(demo_user("s001"))
    return api_client


def test_a_body_that_is_not_json_is_a_russian_400(s001, promo):
    # when the body is not JSON at all
    response = s001.post(f"/api/v1/promos/{promo.pk}/comments/", "{text: oops", content_type="application/json")

    # then: 400, a Russian message and a code; nothing saved
    body = assert_error(response, 400, "parse_error")
    assert body["message"] == ("Тело запроса не удалось разобрать: пришлите корректный JSON "
                               "(или multipart/form-data для файла).")
    assert not PromoComment.objects.exists()


def test_a_wrong_field_is_named_in_fields(api_client, demo_user, promo):
    api_client.force_authenticate(demo_user("marketer"))
    response = api_client.post(f"/api/v1/promos/{promo.pk}/comments/", {"text": "Привет", "internal": "maybe"},
                               format="json")
    body = assert_error(response, 400, "invalid", ["internal"])
    assert body["fields"] == {"internal": ["Нужно логическое значение: true или false."]}
    assert body["message"] == "Поле «internal»: Нужно логическое значение: true или false."
    assert not PromoComment.objects.exists()


def test_several_wrong_fields_are_each_named(api_client, demo_user, promo):
    api_client.force_authenticate(demo_user("marketer"))
    response = api_client.post(f"/api/v1/promos/{promo.pk}/reject/", {"version": "x", "reason": ["a"]},
                               format="json")
    body = assert_error(response, 400, "invalid", ["version", "reason"])
    assert "«version»" in body["message"] and "«reason»" in body["message"]


def test_a_null_body_is_a_russian_400(s001, promo):
    response = s001.post(f"/api/v1/promos/{promo.pk}/comments/", "null", content_type="application/json")
    body = assert_error(response, 400, "no_data")
    assert body["message"] == "В запросе нет данных: пришлите объект JSON с полями."
    assert not PromoComment.objects.exists()


def test_a_list_body_is_a_400_without_fields(s001, promo):
    response = s001.post(f"/api/v1/promos/{promo.pk}/comments/", "[1, 2]", content_type="application/json")
    assert_error(response, 400, "invalid")


def test_a_null_field_keeps_its_own_message(s001, promo):
    response = s001.post(f"/api/v1/promos/{promo.pk}/comments/", {"text": None}, format="json")
    assert_error(response, 400, "invalid", ["text"])


def test_a_refusal_of_the_services_keeps_its_code_and_words(s001, promo):
    # given a comment of spaces only: the comment rule refuses it
    response = s001.post(f"/api/v1/promos/{promo.pk}/comments/", {"text": "   "}, format="json")
    body = assert_error(response, 400, "comment_empty")
    assert body["message"] == "Напишите текст комментария."


def test_a_promo_of_another_supplier_is_a_russian_404(s001):
    # given a promo of S002
    from suppliers.models import Supplier

    foreign = PromoFactory(supplier=Supplier.objects.get(code="S002"))

    # when s001 reads it or acts on it, then «not found» in Russian, as if it did not exist
    for response in (s001.get(f"/api/v1/promos/{foreign.pk}/"),
                     s001.post(f"/api/v1/promos/{foreign.pk}/submit/", {"version": 1}, format="json")):
        body = assert_error(response, 404, "not_found")
        assert "не найден" in body["message"]


@pytest.mark.parametrize("path", [
    "/api/v1/uploads/null,null/error-workbook/",  # a 500 before
    "/api/v1/uploads/abc/",
    "/api/v1/promos/1.5/comments/",  # no route matches: Django's own 404, as JSON under /api/
    "/api/v1/promos/abc/sheet.pdf",
    "/api/v1/promos/99999999999999999999999/",
    "/api/v1/promos/99999999999999999999999/sheet.pdf",
    "/api/v1/promos/-1/history/",
    "/api/v1/no-such-endpoint/",
])
def test_malformed_ids_and_unknown_paths_are_a_json_404(s001, path):
    assert_error(s001.get(path), 404, "not_found")


def test_an_upload_without_errors_has_no_error_workbook(s001, demo_user):
    from suppliers.models import Supplier

    upload = PromoUploadFactory(uploaded_by=demo_user("s001"), supplier=Supplier.objects.get(code="S001"),
                                status=PromoUpload.Status.IMPORTED)
    assert_error(s001.get(f"/api/v1/uploads/{upload.pk}/error-workbook/"), 404, "no_errors")


def test_an_error_of_a_file_download_is_labelled_json_whatever_the_accept(s001, demo_user):
    # given a promo of S002, and an upload of s001 without errors
    from suppliers.models import Supplier

    foreign = PromoFactory(supplier=Supplier.objects.get(code="S002"))
    upload = PromoUploadFactory(uploaded_by=demo_user("s001"), supplier=Supplier.objects.get(code="S001"),
                                status=PromoUpload.Status.IMPORTED)

    # when s001's client asks for the files with the files' own types in Accept
    sheet = s001.get(f"/api/v1/promos/{foreign.pk}/sheet.pdf", HTTP_ACCEPT="application/pdf")
    workbook = s001.get(f"/api/v1/uploads/{upload.pk}/error-workbook/",
                        HTTP_ACCEPT="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    # then each refusal is the JSON error body and its Content-Type says JSON (it said PDF or
    # .xlsx, so a client saved the error as a broken file)
    assert_error(sheet, 404, "not_found")
    assert_error(workbook, 404, "no_errors")


def test_no_credentials_and_a_bad_token_are_a_401(api_client):
    assert_error(api_client.get("/api/v1/promos/"), 401, "not_authenticated")
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    response = api_client.get("/api/v1/promos/")
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_role_that_may_not_is_a_403(api_client, demo_user):
    api_client.force_authenticate(demo_user("s001"))
    assert_error(api_client.get("/api/v1/exports/"), 403, "permission_denied")


def test_a_session_write_without_csrf_is_a_403(client, demo_user, promo):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(demo_user("s001"))
    response = browser.post(f"/api/v1/promos/{promo.pk}/comments/", {"text": "Привет"},
                            content_type="application/json")
    body = assert_error(response, 403, "csrf_failed")
    assert "X-CSRFToken" in body["message"]


def test_a_method_the_endpoint_lacks_is_a_405_with_allow(s001, promo):
    response = s001.delete(f"/api/v1/promos/{promo.pk}/")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_an_accept_the_endpoint_cannot_answer_is_a_406(s001):
    assert_error(s001.get("/api/v1/promos/", HTTP_ACCEPT="application/xml"), 406, "not_acceptable")


def test_a_body_of_an_unknown_type_is_a_415(s001, promo):
    response = s001.post(f"/api/v1/promos/{promo.pk}/comments/", "text=hi", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def test_a_body_above_the_limit_is_a_413(s001, promo, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"text": "x" * 2048})
    response = s001.post(f"/api/v1/promos/{promo.pk}/comments/", body, content_type="application/json")
    assert_error(response, 413, "too_large")
    response = s001.post(f"/api/v1/promos/{promo.pk}/comments/", f"text={'x' * 2048}",
                         content_type="application/x-www-form-urlencoded")
    assert_error(response, 413, "too_large")
    assert not PromoComment.objects.exists()


def test_a_nul_in_a_query_parameter_is_no_server_error(s001):
    for params in ({"search": "a\x00b"}, {"q": "\x00"}, {"ean": "\x00"}, {"ordering": "\x00"}):
        response = s001.get("/api/v1/products/" if "ean" in params else "/api/v1/promos/", params)
        assert response.status_code in (200, 400), (params, response.status_code)
        if response.status_code == 400:
            assert_error(response, 400, "invalid", list(params))


def test_a_server_error_under_api_is_json_too(rf):
    from config.api_exceptions import page_not_found, server_error

    response = server_error(rf.get("/api/v1/promos/"))
    assert response.status_code == 500 and json.loads(response.content)["code"] == "server_error"
    assert page_not_found(rf.get("/promo/nowhere/"), None)["Content-Type"].startswith("text/html")
