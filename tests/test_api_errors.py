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
