"""Branch pages: filters, search, pagination, flat query counts."""

from datetime import date

import pytest
from django.urls import reverse

from branches.models import Branch, City, Region
from tests.factories import BranchFactory, BranchGroupFactory, CityFactory

BRANCHES = reverse("branches:branch_list")


pytestmark = pytest.mark.django_db

def test_the_branch_list_shows_all_300_branches_in_pages(client_for):
    response = client_for("marketer").get(BRANCHES)
    assert response.status_code == 200
    assert response.context["paginator"].count == 300
    assert len(response.context["object_list"]) == 50
    assert "B0001" in response.content.decode()


def test_filter_by_region_and_city(client_for):
    client = client_for("manager")
    nsk = Region.objects.get(code="NSK")
    response = client.get(BRANCHES, {"region": nsk.pk, "per_page": 250})
    assert response.context["paginator"].count == Branch.objects.filter(region=nsk).count()
    assert {b.region_id for b in response.context["object_list"]} == {nsk.pk}
    # the city choices narrow to the region's cities
    cities = set(response.context["filter"].form.fields["city"].queryset)
    assert cities == set(City.objects.filter(region=nsk))
    berdsk = City.objects.get(name="Бердск")
    response = client.get(BRANCHES, {"region": nsk.pk, "city": berdsk.pk})
    assert {b.city_id for b in response.context["object_list"]} == {berdsk.pk}
    assert response.context["paginator"].count == Branch.objects.filter(city=berdsk).count()


def test_search_by_code_name_or_address(client_for):
    client = client_for("marketer")
    assert [b.code for b in client.get(BRANCHES, {"q": "B0001"}).context["object_list"]] == ["B0001"]
    by_address = client.get(BRANCHES, {"q": "ул. Лесная, 61"}).context["object_list"]
    assert "B0001" in [b.code for b in by_address]


def test_filter_by_group_and_open_on_date(client_for):
    client = client_for("marketer")
    branches = [BranchFactory(), BranchFactory(opened=date(2027, 5, 1))]
    group = BranchGroupFactory(branches=branches)
    shown = client.get(BRANCHES, {"group": group.pk}).context["object_list"]
    assert set(shown) == set(branches)
    on_date = client.get(BRANCHES, {"group": group.pk, "open_on": "01.03.2027"}).context["object_list"]
    assert list(on_date) == [branches[0]]


def test_closed_branches_drop_out_when_filtering_by_date(client_for):
    closed = Branch.objects.filter(closed__isnull=False)
    response = client_for("marketer").get(BRANCHES, {"open_on": "23.11.2026", "per_page": 250, "page": 2})
    shown = set(Branch.objects.open_on(date(2026, 11, 23)))
    assert response.context["paginator"].count == len(shown)
    assert not set(closed) & set(response.context["object_list"])


def test_a_bad_date_is_reported_not_a_500(client_for):
    response = client_for("marketer").get(BRANCHES, {"open_on": "31.02.2027"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors["open_on"]


@pytest.mark.parametrize("per_page", ["²", "9" * 30, "-1"])
def test_branch_list_ignores_an_odd_page_size(client_for, per_page):
    # when: the list is asked for with «²» (a digit to str.isdigit, not to int) or a huge number
    response = client_for("marketer").get(reverse("branches:branch_list"), {"per_page": per_page})

    # then: the list as usual, 50 a page
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 50


@pytest.mark.parametrize("region", ["²", "abc", "9" * 30])
def test_branch_list_with_an_odd_region_says_so(client_for, region):
    # when: the region filter holds something that is no region id
    response = client_for("marketer").get(reverse("branches:branch_list"), {"region": region})

    # then: the page, with the filter's message in Russian
    assert response.status_code == 200
    assert response.context["filter"].errors["region"]
    assert "Выберите корректный вариант" in response.content.decode()


def test_branch_detail_shows_codes_and_groups(client_for):
    branch = Branch.objects.get(code="B0003")
    html = client_for("marketer").get(branch.get_absolute_url()).content.decode()
    assert "B0003" in html and branch.sap_plant in html and "Крупные города" in html


def test_a_supplier_user_may_read_branches(client_for):
    # suppliers target their promos with branches: the list is not secret
    assert client_for("s001").get(BRANCHES).status_code == 200


@pytest.mark.parametrize("rows", [10, 200])
def test_branch_list_query_count_is_flat(client_for, django_assert_max_num_queries, rows):
    # given a city with 10 or 200 branches
    city = CityFactory()
    BranchFactory.create_batch(rows, city=city)
    client = client_for("marketer")
    # when all are listed on one page, then the query count does not grow with the rows
    with django_assert_max_num_queries(10):
        response = client.get(BRANCHES, {"region": city.region_id, "city": city.pk, "per_page": 250})
    assert len(response.context["object_list"]) == rows
