"""«Что изменится на кассе» on the pages and in the API: a run's changes per file with a drill-down
per promo, the dry run of a date, what each system holds of a promo on its page; marketers only,
bad input refused in Russian, query counts flat."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from exports.models import ExportChange, ExportLedgerEntry, ExportRun
from exports.services import export_run
from promo.models import Promo
from suppliers.models import Product
from tests.exports.conftest import NIGHT, approved_promo
from tests.exports.test_ledger import approve_revision
from tests.factories import BranchFactory, ProductFactory, SupplierFactory

pytestmark = pytest.mark.django_db

NEXT = NIGHT + timedelta(days=1)


@pytest.fixture
def two_nights(export_root):
    """A percent promo re-targeted from three branches to two, and a fixed-price promo repriced,
    between two nights."""
    branches = [BranchFactory() for _ in range(3)]
    products = list(Product.objects.filter(supplier__code="S001").order_by("article")[:3])
    every = {"branches": [branch.pk for branch in branches]}
    pct = approved_promo(products=products[:2], targeting=every, name="Скидка недели")
    fix = approved_promo(products=products[2:], targeting=every, mechanic=Promo.Mechanic.FIXED_PRICE,
                         name="Цена недели")
    first = export_run(business_date=NIGHT)
    approve_revision(pct, targeting={"branches": [branches[0].pk, branches[1].pk]})
    approve_revision(fix, promo_price=Decimal("149.90"))
    second = export_run(business_date=NEXT)
    assert first.status == second.status == ExportRun.Status.SUCCEEDED
    return {"first": first, "second": second, "pct": pct, "fix": fix, "branches": branches, "products": products}


def api_for(demo_user, username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(demo_user(username))
    return client


def test_the_run_page_leads_to_its_changes(client_for, two_nights):
    second = two_nights["second"]
    page = client_for("marketer").get(second.get_absolute_url()).content.decode()
    assert reverse("exports:run_changes", args=[second.pk]) in page
    assert "Из них удалений" in page


def test_the_changes_page_counts_per_file_and_lists_the_promos(client_for, two_nights):
    second, pct, fix = two_nights["second"], two_nights["pct"], two_nights["fix"]
    # when the marketer opens «Что изменится на кассе» of the second night
    response = client_for("marketer").get(reverse("exports:run_changes", args=[second.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    # then each file has its counts and the run it compares with
    files = {item["kind"]: item for item in response.context["files"]}
    assert files["smarket"]["records"]["deleted"] == 2 and files["smarket"]["records"]["changed"] == 7
    assert files["sap_cond"]["base_run"]["name"] == two_nights["first"].name
    assert two_nights["first"].name in page
    # and both promos are listed, linking to their drill-down
    assert f"?promo={pct.code}" in page and f"?promo={fix.code}" in page


def test_the_drill_down_shows_old_and_new_terms_and_branches(client_for, two_nights):
    second, pct, fix, branches = two_nights["second"], two_nights["pct"], two_nights["fix"], two_nights["branches"]
    client = client_for("marketer")
    url = reverse("exports:run_changes", args=[second.pk])
    # the fixed price: old -> new
    page = client.get(url, {"promo": fix.code}).content.decode()
    assert "Цена недели" in page and "промо-цена: 199,90 → 149,90" in page.lower()
    # the re-targeting: the dropped branch by its code and name, its deletion with the period sent
    page = client.get(url, {"promo": pct.code}).content.decode()
    assert f"{branches[2].code} {branches[2].name}" in page
    assert "период 15.01.2027 – 28.01.2027" in page
    # one file only
    response = client.get(url, {"kind": "sap_cond"})
    assert {item["kind"] for entry in response.context["promos"] for item in entry["files"]} == {"sap_cond"}


def test_the_preview_shows_a_date_before_running_it(client_for, export_root):
    # given a promo that never left
    approved_promo(products=[ProductFactory()], targeting={"branches": [BranchFactory().pk]})
    runs = ExportRun.objects.count()
    # when the marketer previews the night
    response = client_for("marketer").get(reverse("exports:preview"), {"date": NIGHT.isoformat(), "system": "all"})
    # then every record is new, and nothing was run or stored
    assert response.status_code == 200
    files = {item["kind"]: item for item in response.context["files"]}
    assert files["smarket"]["records"]["added"] == 1 and files["setretail"]["records"]["added"] == 1
    assert "Предпросмотр" in response.content.decode()
    assert ExportRun.objects.count() == runs
    assert not ExportLedgerEntry.objects.exists() and not ExportChange.objects.exists()


@pytest.mark.parametrize(("date", "message"), [
    ("31.02.2027", "Дата в формате ДД.ММ.ГГГГ."),
    ("9999-12-31", "Дата выгрузки должна быть между 01.01.2000 и 31.12.2099."),
    ("", "Укажите дату выгрузки."),
])
def test_the_preview_refuses_a_bad_date(client_for, export_root, date, message):
    response = client_for("marketer").get(reverse("exports:preview"), {"date": date})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_preview_form_alone_is_a_page(client_for, export_root):
    response = client_for("marketer").get(reverse("exports:preview"))
    assert response.status_code == 200 and "Показать" in response.content.decode()


@pytest.mark.parametrize(("username", "status"), [("s001", 403), ("manager", 403), ("admin", 200)])
def test_changes_pages_are_for_marketers(client_for, two_nights, username, status):
    client = client_for(username)
    assert client.get(reverse("exports:run_changes", args=[two_nights["second"].pk])).status_code == status
    assert client.get(reverse("exports:preview"), {"date": NEXT.isoformat()}).status_code == status


def test_an_unknown_run_is_a_404(client_for, export_root, demo_user):
    assert client_for("marketer").get(reverse("exports:run_changes", args=[999999])).status_code == 404
    assert api_for(demo_user, "marketer").get("/api/v1/exports/999999/changes/").status_code == 404


# --- API --------------------------------------------------------------------------------------------

def test_the_api_gives_a_runs_changes_and_a_preview(two_nights, demo_user):
    api = api_for(demo_user, "marketer")
    second, pct = two_nights["second"], two_nights["pct"]
    body = api.get(f"/api/v1/exports/{second.pk}/changes/").json()
    assert body["run"] == {"id": second.pk, "name": second.name} and body["preview"] is False
    assert body["count"] == 2 and {entry["code"] for entry in body["results"]} == {pct.code, two_nights["fix"].code}
    preview = api.get("/api/v1/exports/preview/", {"date": (NEXT + timedelta(days=1)).isoformat()}).json()
    assert preview["run"] is None and preview["preview"] is True
    smarket = next(item for item in preview["files"] if item["kind"] == "smarket")
    assert smarket["records"]["repeated"] == 2 and smarket["base_run"]["name"] == second.name
    # paginated
    page = api.get(f"/api/v1/exports/{second.pk}/changes/", {"page_size": 1}).json()
    assert len(page["results"]) == 1 and page["next"]


@pytest.mark.parametrize("query", [{}, {"date": "2027-02-31"}, {"date": "9999-12-31"}, {"date": "x", "system": "1c"}])
def test_the_api_preview_refuses_bad_input_in_russian(export_root, demo_user, query):
    response = api_for(demo_user, "marketer").get("/api/v1/exports/preview/", query)
    assert response.status_code == 400
    assert any(ch in response.content.decode() for ch in "абвгдеёжзийклмнопрстуфхцчшщыэюя")


def test_the_api_changes_are_forbidden_to_others(two_nights, demo_user):
    for username in ("s001", "manager"):
        api = api_for(demo_user, username)
        assert api.get(f"/api/v1/exports/{two_nights['second'].pk}/changes/").status_code == 403
        assert api.get("/api/v1/exports/preview/", {"date": NEXT.isoformat()}).status_code == 403


# --- the promo page ----------------------------------------------------------------------------

def test_the_promo_page_shows_what_each_system_holds(client_for, two_nights):
    pct = two_nights["pct"]
    # when the promo's page is opened by the marketer and by its supplier (S001)
    for username, link in (("marketer", True), ("s001", False)):
        page = client_for(username).get(pct.get_absolute_url()).content.decode()
        # then every system file is listed with its live records and the deletion under way
        assert "Что сейчас на кассах" in page
        for label in ("SAP: условия (COND_A04)", "S-Market", "Set Retail 10"):
            assert label in page
        assert "действует" in page and "удаляется (до 28.01.2027)" in page
        assert (two_nights["second"].get_absolute_url() in page) is link
    # and another supplier's user cannot open the promo at all
    assert client_for("s002").get(pct.get_absolute_url()).status_code == 404


def test_a_promo_that_never_left_says_so(client_for, export_root):
    promo = approved_promo(products=[ProductFactory()], targeting={"branches": [BranchFactory().pk]})
    page = client_for("marketer").get(promo.get_absolute_url()).content.decode()
    assert "Ни одна система пока не получила это промо." in page


# --- query counts ----------------------------------------------------------------------------

def test_the_changes_page_is_flat_in_its_promos(client_for, export_root, django_assert_max_num_queries):
    # given a night with 2 changed promos and a night with 40
    supplier = SupplierFactory()
    branch = BranchFactory()
    runs = []
    for count in (2, 40):
        for _index in range(count):
            approved_promo(products=[ProductFactory(supplier=supplier)], targeting={"branches": [branch.pk]})
        runs.append(export_run(business_date=NIGHT))
    client = client_for("marketer")
    client.get(reverse("home"))
    # when both pages are opened (and a drill-down), then the queries do not grow
    found = []
    for run in runs:
        with django_assert_max_num_queries(12) as queries:
            assert client.get(reverse("exports:run_changes", args=[run.pk])).status_code == 200
        found.append(len(queries))
    assert found[0] == found[1]
    code = ExportChange.objects.filter(run=runs[1]).first().promo_code
    with django_assert_max_num_queries(14):
        client.get(reverse("exports:run_changes", args=[runs[1].pk]), {"promo": code})
