"""Regressions found by the quality pass on «Запустить выгрузку сейчас»: a business date
nobody means (a typo of the year) is refused with the reason, on the page and in the API,
instead of queueing a run that fails in the worker."""

import pytest
from django.urls import reverse

from exports.models import ExportRun

pytestmark = pytest.mark.django_db
REFUSED = "Дата выгрузки должна быть между 01.01.2000 и 31.12.2099."


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "31.12.9999"])
def test_the_page_refuses_a_date_out_of_range(client_for, export_root, day):
    # when: the marketer starts a run for a date far outside any promo
    response = client_for("marketer").post(reverse("exports:run_start"), {"date": day, "system": "all"})

    # then: the runs page again with the reason; no run queued
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert not ExportRun.objects.exists()


def test_the_api_refuses_a_date_out_of_range(api_client, demo_user, export_root):
    # given: a marketer's API client
    api_client.force_authenticate(demo_user("marketer"))

    # when
    response = api_client.post("/api/v1/exports/", {"date": "9999-12-31", "system": "all"}, format="json")

    # then: 400 with the reason under «date»; no run queued
    assert response.status_code == 400
    assert response.json() == {"date": [REFUSED]}
    assert not ExportRun.objects.exists()


def test_a_date_in_range_is_still_queued(api_client, demo_user, export_root):
    api_client.force_authenticate(demo_user("marketer"))
    response = api_client.post("/api/v1/exports/", {"date": "2099-12-31", "system": "sap"}, format="json")
    assert response.status_code == 201
    assert ExportRun.objects.get().business_date.isoformat() == "2099-12-31"
