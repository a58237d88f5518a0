"""Regressions found by the quality pass on «Запустить выгрузку сейчас»: a business date
nobody means (a typo of the year) is refused with the reason, on the page and in the API,
instead of queueing a run that fails in the worker; a double click queues one run."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

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


def test_a_double_click_on_run_now_queues_one_run(client_for, export_root):
    # given a marketer who clicks «Запустить выгрузку сейчас» twice before the worker starts
    client = client_for("marketer")
    data = {"date": "2026-09-20", "system": "all"}

    # when both posts arrive
    first = client.post(reverse("exports:run_start"), data)
    second = client.post(reverse("exports:run_start"), data)

    # then one run is queued, and the second click is told which one
    run = ExportRun.objects.get()
    assert first.status_code == 302 and first.url == run.get_absolute_url()
    assert second.status_code == 400
    assert f"Выгрузка {run.name} за 20.09.2026 уже в очереди или выполняется" in second.content.decode()


def test_the_api_refuses_a_second_run_while_one_is_queued_but_not_for_another_system(api_client, demo_user,
                                                                                      export_root):
    # given a queued SAP run of a date
    api_client.force_authenticate(demo_user("marketer"))
    api_client.post("/api/v1/exports/", {"date": "2026-09-20", "system": "sap"}, format="json")

    # when SAP is asked again, and Set Retail
    again = api_client.post("/api/v1/exports/", {"date": "2026-09-20", "system": "all"}, format="json")
    other = api_client.post("/api/v1/exports/", {"date": "2026-09-20", "system": "setretail"}, format="json")

    # then the overlapping request is a 400 under «date», the other system is queued
    assert again.status_code == 400 and "уже в очереди или выполняется" in again.json()["date"][0]
    assert other.status_code == 201
    assert sorted(tuple(run.systems) for run in ExportRun.objects.all()) == [("sap",), ("setretail",)]


def test_a_run_stuck_in_the_queue_past_the_timeout_does_not_block_a_new_one(api_client, demo_user, export_root,
                                                                           settings):
    # given a queued run two hours old (its worker never came)
    api_client.force_authenticate(demo_user("marketer"))
    api_client.post("/api/v1/exports/", {"date": "2026-09-20", "system": "sap"}, format="json")
    ExportRun.objects.update(created_at=timezone.now() - timedelta(minutes=settings.EXPORT_RUN_TIMEOUT_MINUTES + 60))

    # when the marketer starts it again, then a new run is queued
    assert api_client.post("/api/v1/exports/", {"date": "2026-09-20", "system": "sap"},
                           format="json").status_code == 201
    assert ExportRun.objects.count() == 2


def test_run_pages_name_the_systems_as_people_do(client_for, export_root):
    # given a queued run for all systems
    client = client_for("marketer")
    client.post(reverse("exports:run_start"), {"date": "2026-09-20", "system": "all"})
    run = ExportRun.objects.get()

    # when the list and the run's page are opened, then the systems read as their names
    for url in (reverse("exports:run_list"), run.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "SAP, S-Market, Set Retail 10" in page and "sap, smarket" not in page
