"""The promo list of the API at 10 and at a year's 10,000 promos: the same number of queries
for every role, and the page is the first 50 of all of them (issue 12's pins; `make bench-web`
times the same lists)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from promo.models import Promo
from tests.promo.conftest import YEAR_OF_PROMOS

LIST = "/api/v1/promos/"


@pytest.mark.parametrize("username", ["s001", "manager", "marketer"])
def test_the_api_promo_list_costs_the_same_at_10_and_10000_promos(bulk_promos, username):
    client = APIClient()
    user = get_user_model().objects.get(username=username)
    client.force_authenticate(user)
    client.get(LIST)  # a running server has Django's content-type cache warm already

    def read() -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(queries), response.json()

    # given 10 promos of the demo suppliers
    bulk_promos(10)
    few, small = read()

    # when there are a year's 10,000 of them
    bulk_promos(YEAR_OF_PROMOS - 10)
    many, large = read()

    # then the list costs the same queries, counts every promo the user may see and shows 50
    assert many == few
    visible = Promo.objects.restrict(user).count()
    assert large["count"] == visible > small["count"]
    assert len(large["results"]) == min(visible, 50)
    assert all(row["lines_total"] == 1 for row in large["results"])
