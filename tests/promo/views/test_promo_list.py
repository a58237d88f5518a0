"""The promo list (a supplier's workspace, a marketer's overview): restricted rows, filters,
and a query count that does not grow with the number of promos."""

import pytest
from django.urls import reverse

from promo.models import Promo
from tests.promo.conftest import YEAR_OF_PROMOS

LIST = reverse("promo:promo_list")


# (the bulk bar's offers of every row: the supplier's own suppliers and the submit facts; the
# manager's lines of the page counted in one grouped query; the marketer's submit facts)
@pytest.mark.parametrize(("username", "cap"), [("marketer", 9), ("manager", 10), ("s001", 12)])
@pytest.mark.parametrize("count", [10, YEAR_OF_PROMOS])
def test_promo_list_keeps_a_flat_query_count_at_10_and_10000_promos(
        bulk_promos, client_for, django_assert_max_num_queries, count, username, cap):
    # given 10, then 10,000 promos (submitted: the manager may decide them, the supplier withdraw its own)
    promos = bulk_promos(count)
    client = client_for(username)
    client.get(reverse("home"))  # warms the per-process caches (content types)
    visible = Promo.objects.restrict(client.get(reverse("home")).wsgi_request.user).count()

    # when the person opens the list and a later page
    with django_assert_max_num_queries(cap) as first:
        response = client.get(LIST)
    with django_assert_max_num_queries(cap) as later:
        client.get(LIST, {"page": 9 if visible > 450 else 1})

    # then a page of (at most) 50 rows with a flat number of queries, and a bulk bar
    assert response.context["paginator"].count == visible > 0
    page = response.content.decode()
    assert page.count("<tr data-promo=") == min(visible, 50)
    assert 'name="action"' in page
    assert len(first) == len(later)
    assert len(promos) == count


def test_marketer_filters_by_status_and_mechanic(client_for, make_promo):
    # given promos of different statuses and mechanics
    submitted = make_promo()
    draft = make_promo(status=Promo.Status.DRAFT)
    fixed = make_promo(mechanic=Promo.Mechanic.FIXED_PRICE)
    client = client_for("marketer")

    # when the marketer filters
    by_status = client.get(LIST, {"status": "draft"}).content.decode()
    by_mechanic = client.get(LIST, {"mechanic": "fixed_price"}).content.decode()

    # then each list holds what matches
    assert draft.code in by_status and submitted.code not in by_status
    assert fixed.code in by_mechanic and submitted.code not in by_mechanic


@pytest.mark.parametrize("query", [{"q": "P²"}, {"q": "²"}, {"q": "P" + "9" * 30}])
def test_promo_search_for_an_odd_code_finds_nothing(client_for, make_promo, query):
    make_promo()
    response = client_for("marketer").get(reverse("promo:promo_list"), query)
    assert response.status_code == 200
    assert response.context["paginator"].count == 0


def test_manager_lists_promos_of_his_categories(client_for, make_promo):
    # given a promo of S001 (C13/C15)
    promo = make_promo()

    # when manager3 (C13-C18) and manager1 (C01-C06) open the list
    own = client_for("manager3").get(LIST).content.decode()
    other = client_for("manager1").get(LIST).content.decode()

    # then only manager3 has it
    assert promo.code in own and promo.code not in other
