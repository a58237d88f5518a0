"""The API answers bad bodies in Russian, like the pages: a body that is not JSON, and the
DRF field messages its own Russian catalogue lacks (locale/ru)."""

import pytest

from promo.models import PromoComment
from tests.factories import PromoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def promo():
    from suppliers.models import Supplier

    return PromoFactory(supplier=Supplier.objects.get(code="S001"))


def test_a_body_that_is_not_json_is_a_russian_400(api_client, demo_user, promo):
    # given: a signed-in supplier
    api_client.force_authenticate(demo_user("s001"))

    # when: the body is not JSON at all
    response = api_client.post(f"/api/v1/promos/{promo.pk}/comments/", "{text: oops", content_type="application/json")

    # then: 400, a Russian message and a code; nothing saved
    assert response.status_code == 400
    assert response.json() == {"code": "parse_error", "detail": "Тело запроса не удалось разобрать: пришлите "
                               "корректный JSON (или multipart/form-data для файла)."}
    assert not PromoComment.objects.exists()


def test_a_wrong_boolean_is_told_in_russian(api_client, demo_user, promo):
    api_client.force_authenticate(demo_user("marketer"))
    response = api_client.post(f"/api/v1/promos/{promo.pk}/comments/", {"text": "Привет", "internal": "maybe"},
                               format="json")
    assert response.status_code == 400
    assert response.json() == {"internal": ["Нужно логическое значение: true или false."]}
    assert not PromoComment.objects.exists()


def test_a_null_body_is_a_russian_400(api_client, demo_user, promo):
    api_client.force_authenticate(demo_user("s001"))
    response = api_client.post(f"/api/v1/promos/{promo.pk}/comments/", "null", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"code": "no_data", "detail": "В запросе нет данных: пришлите объект JSON с полями."}
    assert not PromoComment.objects.exists()


def test_a_null_field_keeps_its_own_message(api_client, demo_user, promo):
    api_client.force_authenticate(demo_user("s001"))
    response = api_client.post(f"/api/v1/promos/{promo.pk}/comments/", {"text": None}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["text"]


def test_a_promo_of_another_supplier_is_a_russian_404(api_client, demo_user):
    # given a promo of S002
    from suppliers.models import Supplier

    foreign = PromoFactory(supplier=Supplier.objects.get(code="S002"))
    api_client.force_authenticate(demo_user("s001"))

    # when s001 reads it or acts on it, then «not found» in Russian, as if it did not exist
    for response in (api_client.get(f"/api/v1/promos/{foreign.pk}/"),
                     api_client.post(f"/api/v1/promos/{foreign.pk}/submit/", {"version": 1}, format="json")):
        assert response.status_code == 404
        assert "не найден" in response.json()["detail"]  # DRF's own Russian «not found»
