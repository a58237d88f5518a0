"""Branch API: geography for every signed-in user, filters, flat query counts."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from branches.models import Branch, BranchGroup, City, Region
from tests.factories import BranchFactory, BranchGroupFactory, CityFactory

pytestmark = pytest.mark.django_db

BRANCHES = "/api/v1/branches/"


@pytest.fixture
def client(api_client):
    api_client.force_authenticate(get_user_model().objects.get(username="s001"))
    return api_client


def codes(client, **params):
    response = client.get(BRANCHES, {"page_size": 1000, **params})
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def test_regions_and_cities(client):
    regions = client.get("/api/v1/regions/").json()
    assert regions["count"] == 7
    assert {"code": "NSK", "name": "Новосибирская область"}.items() <= next(
        r for r in regions["results"] if r["code"] == "NSK").items()
    nsk = Region.objects.get(code="NSK")
    cities = client.get("/api/v1/cities/", {"region": nsk.pk, "page_size": 100}).json()
    assert cities["count"] == City.objects.filter(region=nsk).count()
    assert {row["region"]["code"] for row in cities["results"]} == {"NSK"}


def test_branch_rows_carry_every_erp_code(client):
    branch = Branch.objects.get(code="B0001")
    row = client.get(f"{BRANCHES}{branch.pk}/").json()
    assert row["code"] == "B0001"
    assert row["sap_plant"] == branch.sap_plant
    assert row["smarket_id"] == branch.smarket_id
    assert row["setretail_shop"] == branch.setretail_shop
    assert row["region"]["code"] == "NSK"
    assert row["city"]["name"] == branch.city.name
    assert row["opened"] == branch.opened.isoformat()


def test_branch_filters(client):
    nsk = Region.objects.get(code="NSK")
    berdsk = City.objects.get(name="Бердск")
    assert codes(client, region=nsk.pk) == set(Branch.objects.filter(region=nsk).values_list("code", flat=True))
    assert codes(client, city=berdsk.pk) == set(berdsk.branches.values_list("code", flat=True))
    assert codes(client, code="b0001") == {"B0001"}
    assert codes(client, search="ул. Лесная, 61") >= {"B0001"}
    group = BranchGroup.objects.get(name="Крупные города")
    assert codes(client, group=group.pk) == set(group.branches.values_list("code", flat=True))
    open_codes = codes(client, open_on="2026-11-23")
    assert open_codes == set(Branch.objects.open_on(date(2026, 11, 23)).values_list("code", flat=True))
    assert "B0113" not in open_codes and "B0055" not in open_codes
    assert len(codes(client)) == 300


def test_bad_filter_values_are_a_400_naming_the_parameter(client):
    # a date that is not YYYY-MM-DD, an id that is not a number, a boolean-like word
    for params in ({"open_on": "31.02.2027"}, {"open_on": "2027-02-31"}, {"region": "NSK"}, {"city": "-1"},
                   {"group": "1.5"}):
        response = client.get(BRANCHES, params)
        assert response.status_code == 400, params
        assert response.json()["code"] == "invalid" and list(response.json()["fields"]) == list(params)


def test_an_unknown_id_gives_no_rows(client):
    response = client.get(BRANCHES, {"region": 999999})
    assert response.status_code == 200 and response.json()["count"] == 0


def test_branch_groups_list_their_branch_codes(client):
    branches = [BranchFactory(code="G1"), BranchFactory(code="G2")]
    group = BranchGroupFactory(name="Тестовая группа", branches=branches)
    row = client.get(f"/api/v1/branch-groups/{group.pk}/").json()
    assert row == {"id": group.pk, "name": "Тестовая группа", "branches": ["G1", "G2"]}


def test_anonymous_calls_get_401(api_client):
    for url in (BRANCHES, "/api/v1/regions/", "/api/v1/cities/", "/api/v1/branch-groups/"):
        assert api_client.get(url).status_code == 401, url


@pytest.mark.parametrize("rows", [10, 200])
def test_branch_list_query_count_is_flat(client, django_assert_max_num_queries, rows):
    city = CityFactory()
    BranchFactory.create_batch(rows, city=city)
    with django_assert_max_num_queries(3):
        response = client.get(BRANCHES, {"city": city.pk, "page_size": 250})
    assert response.json()["count"] == rows


@pytest.mark.parametrize("rows", [10, 200])
def test_branch_group_list_query_count_is_flat(client, django_assert_max_num_queries, rows):
    BranchGroupFactory.create_batch(rows, branches=[BranchFactory()])
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/branch-groups/", {"page_size": 250})
    assert response.json()["count"] == rows + 1
