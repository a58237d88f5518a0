"""Marketer pages and the API of the exports: who may see and start runs, downloads, the promo
page's template tag."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from exports.models import ExportRun
from exports.services import export_run
from tests.exports.conftest import EXAMPLE_DATE

pytestmark = pytest.mark.django_db

PAGES = ["exports:run_list"]
# A business date nobody means (a typo of the year) is refused with the reason.
REFUSED = "Дата выгрузки должна быть между 01.01.2000 и 31.12.2099."


@pytest.fixture
def example_run(export_root, example_promos) -> ExportRun:
    return export_run(business_date=EXAMPLE_DATE)


# --- pages -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("username", "status"), [("marketer", 200), ("admin", 200), ("s001", 403),
                                                  ("manager", 403), ("manager1", 403)])
def test_run_pages_are_for_marketers(client_for, example_run, username, status):
    client = client_for(username)
    file = example_run.files.get(kind="smarket")
    urls = [reverse("exports:run_list"), example_run.get_absolute_url(),
            reverse("exports:file_download", args=[example_run.pk, file.pk]),
            reverse("exports:manifest_download", args=[example_run.pk])]
    for url in urls:
        assert client.get(url).status_code == status, url
    assert client.post(reverse("exports:run_start"), {"date": "2026-09-20", "system": "all"}).status_code in (
        (302,) if status == 200 else (403,))


def test_anonymous_is_sent_to_login(client, example_run):
    for url in [reverse("exports:run_list"), example_run.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_run_list_shows_status_and_counts(client_for, example_run, django_assert_max_num_queries):
    export_run(business_date=EXAMPLE_DATE, systems=("setretail",))
    client = client_for("marketer")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("exports:run_list"))
    page = response.content.decode()
    assert "20260920_01" in page and "20260920_02" in page
    assert "Выполнена" in page
    assert "Запустить выгрузку сейчас" in page
    assert '<td class="num">26</td>' in page  # 6 + 6 + 12 + 2 records of run 01
    assert '<td class="num">2</td>' in page  # run 02: the two Set Retail actions


def test_run_page_lists_files_warnings_and_promos(client_for, example_run, django_assert_max_num_queries):
    example_run.files.filter(kind="setretail").update(warnings=["Филиал B0999 без кода Set Retail пропущен"])
    client = client_for("marketer")
    with django_assert_max_num_queries(10):
        response = client.get(example_run.get_absolute_url())
    page = response.content.decode()
    for name in ("sap_cond_a04_20260920_01.xml", "sap_bonusbuy_20260920_01.csv", "smarket_promo_20260920_01.csv",
                 "set10_actions_20260920_01.xml"):
        assert name in page
    assert "Филиал B0999 без кода Set Retail пропущен" in page
    assert "P000101" in page and "P000102" in page


def test_download_serves_the_file_bytes(client_for, example_run, export_root):
    file = example_run.files.get(kind="smarket")
    response = client_for("marketer").get(reverse("exports:file_download", args=[example_run.pk, file.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and file.name in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == (export_root / example_run.name / file.name).read_bytes()


def test_download_never_leaves_the_run_folder(client_for, example_run, export_root):
    # given a tampered file record pointing outside the folder
    (export_root / "secret.txt").write_text("secret")
    file = example_run.files.get(kind="smarket")
    client = client_for("marketer")
    for name in ("../secret.txt", "/etc/passwd", "..", "sub/../../secret.txt"):
        file.name = name
        file.save(update_fields=["name"])
        response = client.get(reverse("exports:file_download", args=[example_run.pk, file.pk]))
        assert response.status_code == 404, name
    # and a file of another run is not reachable through this run
    other = export_run(business_date=EXAMPLE_DATE)
    foreign = other.files.first()
    assert client.get(reverse("exports:file_download", args=[example_run.pk, foreign.pk])).status_code == 404


def test_run_now_queues_a_run_that_the_worker_executes(client_for, export_root, example_promos,
                                                       django_capture_on_commit_callbacks, demo_user):
    # given a marketer on the runs page; when he starts the export of 20.09.2026 for SAP
    client = client_for("marketer")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exports:run_start"), {"date": "2026-09-20", "system": "sap"})
    # then he lands on the new run's page and the (eager) worker has written its files
    run = ExportRun.objects.get()
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    run.refresh_from_db()
    assert run.status == ExportRun.Status.SUCCEEDED
    assert run.started_by == demo_user("marketer")
    assert sorted(run.files.values_list("kind", flat=True)) == ["sap_bonusbuy", "sap_cond"]
    page = client.get(reverse("exports:run_list")).content.decode()
    assert run.name in page and "Маркетолог" in page


@pytest.mark.parametrize(("data", "message"), [
    ({"date": "31.02.2026", "system": "all"}, "Дата в формате ДД.ММ.ГГГГ."),
    ({"date": "", "system": "all"}, "Укажите дату выгрузки."),
    ({"date": "2026-09-20", "system": "1c"}, "Выберите систему из списка."),
])
def test_run_now_with_bad_input_explains_and_saves_nothing(client_for, export_root, data, message):
    response = client_for("marketer").post(reverse("exports:run_start"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ExportRun.objects.count() == 0


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "31.12.9999"])
def test_the_page_refuses_a_date_out_of_range(client_for, export_root, day):
    # when: the marketer starts a run for a date far outside any promo
    response = client_for("marketer").post(reverse("exports:run_start"), {"date": day, "system": "all"})

    # then: the runs page again with the reason; no run queued
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert not ExportRun.objects.exists()


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


def test_run_pages_name_the_systems_as_people_do(client_for, export_root):
    # given a queued run for all systems
    client = client_for("marketer")
    client.post(reverse("exports:run_start"), {"date": "2026-09-20", "system": "all"})
    run = ExportRun.objects.get()

    # when the list and the run's page are opened, then the systems read as their names
    for url in (reverse("exports:run_list"), run.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "SAP, S-Market, Set Retail 10" in page and "sap, smarket" not in page


# --- API ---------------------------------------------------------------------------------------

@pytest.fixture
def api_for(demo_user):
    def login(username: str | None) -> APIClient:
        client = APIClient()
        if username:
            client.force_authenticate(demo_user(username))
        return client

    return login


def test_api_lists_and_reads_runs_for_marketers(api_for, example_run):
    client = api_for("marketer")
    listing = client.get("/api/v1/exports/")
    assert listing.status_code == 200
    assert [run["name"] for run in listing.json()["results"]] == ["20260920_01"]
    detail = client.get(f"/api/v1/exports/{example_run.pk}/").json()
    assert detail["status"] == "succeeded" and detail["business_date"] == "2026-09-20"
    files = {f["name"]: f for f in detail["files"]}
    assert files["smarket_promo_20260920_01.csv"]["records"] == 12
    assert files["smarket_promo_20260920_01.csv"]["sha256"] == example_run.files.get(kind="smarket").sha256
    assert files["smarket_promo_20260920_01.csv"]["download_url"].endswith(
        reverse("exports:file_download", args=[example_run.pk, example_run.files.get(kind="smarket").pk]))


@pytest.mark.parametrize("username", ["s001", "manager"])
def test_api_is_forbidden_to_others(api_for, example_run, username):
    client = api_for(username)
    assert client.get("/api/v1/exports/").status_code == 403
    assert client.get(f"/api/v1/exports/{example_run.pk}/").status_code == 403
    assert client.post("/api/v1/exports/", {"date": "2026-09-20", "system": "all"}, format="json").status_code == 403
    assert ExportRun.objects.count() == 1


def test_api_anonymous_is_refused(api_for, example_run):
    assert api_for(None).get("/api/v1/exports/").status_code in (401, 403)
    assert api_for(None).post("/api/v1/exports/", {"system": "all"}, format="json").status_code in (401, 403)


def test_api_post_starts_a_run(api_for, export_root, example_promos, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for("marketer").post("/api/v1/exports/", {"date": "2026-09-20", "system": "setretail"},
                                             format="json")
    assert response.status_code == 201
    run = ExportRun.objects.get(pk=response.json()["id"])
    assert run.systems == ["setretail"] and run.started_by.username == "marketer"
    assert run.status == ExportRun.Status.SUCCEEDED
    assert run.files.get().name == "set10_actions_20260920_01.xml"


@pytest.mark.parametrize(("body", "field"), [({"date": "2026-13-01", "system": "all"}, "date"),
                                             ({"date": "2026-09-20", "system": "1c"}, "system")])
def test_api_post_bad_input_is_400(api_for, export_root, body, field):
    response = api_for("marketer").post("/api/v1/exports/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert ExportRun.objects.count() == 0


def test_the_api_refuses_a_date_out_of_range(api_client, demo_user, export_root):
    # given: a marketer's API client
    api_client.force_authenticate(demo_user("marketer"))

    # when
    response = api_client.post("/api/v1/exports/", {"date": "9999-12-31", "system": "all"}, format="json")

    # then: 400 with the reason under «date»; no run queued
    assert response.status_code == 400
    assert response.json()["fields"] == {"date": [REFUSED]}
    assert not ExportRun.objects.exists()


def test_a_date_in_range_is_still_queued(api_client, demo_user, export_root):
    api_client.force_authenticate(demo_user("marketer"))
    response = api_client.post("/api/v1/exports/", {"date": "2099-12-31", "system": "sap"}, format="json")
    assert response.status_code == 201
    assert ExportRun.objects.get().business_date.isoformat() == "2099-12-31"


def test_the_api_refuses_a_second_run_while_one_is_queued_but_not_for_another_system(api_client, demo_user,
                                                                                      export_root):
    # given a queued SAP run of a date
    api_client.force_authenticate(demo_user("marketer"))
    api_client.post("/api/v1/exports/", {"date": "2026-09-20", "system": "sap"}, format="json")

    # when SAP is asked again, and Set Retail
    again = api_client.post("/api/v1/exports/", {"date": "2026-09-20", "system": "all"}, format="json")
    other = api_client.post("/api/v1/exports/", {"date": "2026-09-20", "system": "setretail"}, format="json")

    # then the overlapping request is a 400 under «date», the other system is queued
    assert again.status_code == 400 and "уже в очереди или выполняется" in again.json()["fields"]["date"][0]
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


# --- promo page tag ----------------------------------------------------------------------------

def render_tag(promo, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load exports_tags %}{% promo_export_runs promo %}")
    return template.render(Context({"promo": promo, "request": request}))


def test_promo_page_tag_lists_the_runs_it_left_in(example_run, example_promos, demo_user,
                                                   django_assert_num_queries):
    nm, _pct = example_promos
    later = export_run(business_date=EXAMPLE_DATE, systems=("sap",))
    marketer = demo_user("marketer")
    marketer.groups.all()  # roles cached below by the first check
    render_tag(nm, marketer)
    with django_assert_num_queries(1):
        html = render_tag(nm, marketer)
    assert html.index(later.name) < html.index(example_run.name)  # newest first
    assert later.get_absolute_url() in html
    # the supplier sees where its promo went, without links to the marketer pages
    supplier_html = render_tag(nm, demo_user("s001"))
    assert example_run.name in supplier_html and example_run.get_absolute_url() not in supplier_html
    # another supplier's user sees nothing of it
    assert example_run.name not in render_tag(nm, demo_user("s002"))
