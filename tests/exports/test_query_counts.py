"""Query counts of the export pages, pinned for a small and a large history: the run list and
one run with the promos that left in it."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from exports.models import ExportFile, ExportRun, ExportRunPromo
from suppliers.models import Supplier
from tests.factories import PromoFactory

pytestmark = pytest.mark.django_db


def runs(count: int, *, first: date = date(2027, 1, 1), promos=()) -> list[ExportRun]:
    """Finished runs of four files each, started by the marketer or by the night (no one)."""
    marketer = get_user_model().objects.get(username="marketer")
    made = ExportRun.objects.bulk_create([
        ExportRun(business_date=first + timedelta(days=index), number=1, systems=["sap", "smarket", "setretail"],
                  status=ExportRun.Status.SUCCEEDED, started_by=marketer if index % 2 else None,
                  warnings=["Филиал B0999 без кода Set Retail пропущен"] if index % 3 == 0 else [])
        for index in range(count)
    ])
    ExportFile.objects.bulk_create([
        ExportFile(run=run, system=system, kind=kind, name=f"{kind}_{run.pk}", sha256="0" * 64, records=10)
        for run in made
        for system, kind in (("sap", "sap_cond"), ("sap", "sap_bonusbuy"), ("smarket", "smarket"),
                             ("setretail", "setretail"))
    ])
    ExportRunPromo.objects.bulk_create([
        ExportRunPromo(run=run, promo=promo, revision_number=1, action="upsert") for run in made for promo in promos
    ])
    return made


def test_run_list_is_flat(client_for, django_assert_max_num_queries):
    # given 2 runs, then 40 more
    runs(2)
    client = client_for("marketer")
    client.get(reverse("home"))  # warms the per-process caches (content types)
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("exports:run_list"))
    runs(40, first=date(2027, 2, 1))

    # when the list is opened again
    with django_assert_max_num_queries(8) as many:
        response = client.get(reverse("exports:run_list"))

    # then a full page of runs for the same number of queries
    assert len(response.context["runs"]) == 30
    assert len(many) == len(few)


def test_run_page_is_flat_in_its_promos(client_for, django_assert_max_num_queries):
    # given a run with one promo and a run with 60
    supplier = Supplier.objects.get(code="S001")
    promos = [PromoFactory(supplier=supplier, start=date(2027, 4, 1) + timedelta(days=index)) for index in range(60)]
    (small,) = runs(1, promos=promos[:1])
    (large,) = runs(1, first=date(2027, 3, 1), promos=promos)
    client = client_for("marketer")
    client.get(reverse("home"))

    # when the marketer opens both
    with django_assert_max_num_queries(10) as one:
        client.get(small.get_absolute_url())
    with django_assert_max_num_queries(10) as sixty:
        response = client.get(large.get_absolute_url())

    # then every promo is listed for the same number of queries
    assert response.context["promo_count"] == 60
    assert len(sixty) == len(one)
