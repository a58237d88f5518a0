"""Query counts of the pages the workflow work touched, pinned for a small and a large dataset:
the promo list (its bulk bar asks what each row allows), the approval queue (due dates, overdue
count, open requests), home (open requests), «Запросы» and the bulk confirmation. A count that
grows with the rows is a query per row."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import Branch
from promo.models import Promo, PromoEvent, SupplierRequest
from suppliers.models import Supplier
from tests.promo.conftest import YEAR_OF_PROMOS, analyze_promo_tables
from tests.promo.views.test_query_counts import counts


@pytest.fixture
def busy(bulk_promos, demo_user):
    """``busy(n)``: n submitted promos of the demo suppliers, every third overdue and every
    fifth with an open extension request and a past rejection in its history."""

    def make(count: int) -> list[Promo]:
        promos = bulk_promos(count, start=date(2027, 5, 1) + timedelta(days=count % 7))
        today, ids = timezone.localdate(), [promo.pk for promo in promos]
        overdue = set(ids[::3])
        Promo.objects.filter(pk__in=overdue).update(submitted_at=timezone.now(), decision_due=today - timedelta(days=1))
        Promo.objects.filter(pk__in=set(ids) - overdue).update(submitted_at=timezone.now(),
                                                               decision_due=today + timedelta(days=2))
        asker = demo_user("s001")
        SupplierRequest.objects.bulk_create([
            SupplierRequest(promo=promo, kind=SupplierRequest.Kind.EXTENSION, new_end=promo.end + timedelta(days=5),
                            reason="Остатки", requested_by=asker)
            for promo in promos[::5]])
        PromoEvent.objects.bulk_create([
            PromoEvent(kind=PromoEvent.Kind.PROMO_REJECTED, promo=promo, payload={"revision": 0})
            for promo in promos[::5]])
        analyze_promo_tables()
        return promos

    return make


# (the page's line counts are one query of their own, not a grouping of every line; a manager's
# categories are read once, as a list, for every page of his)
@pytest.mark.parametrize(("username", "cap"), [("s001", 14), ("manager", 12), ("marketer", 11)])
def test_the_promo_list_with_its_bulk_bar_is_flat(client_for, busy, django_assert_max_num_queries, username, cap):
    # given a few promos, then a year's 10,000 more
    busy(3)
    client = client_for(username)
    (few,) = counts(client, django_assert_max_num_queries, cap, reverse("promo:promo_list"))
    busy(YEAR_OF_PROMOS)
    # when the list is opened again, then the same number of queries
    assert counts(client, django_assert_max_num_queries, cap, reverse("promo:promo_list")) == [few]


def test_the_queue_with_due_dates_and_requests_is_flat(client_for, busy, django_assert_max_num_queries):
    # given a few promos, two of them colliding (the conflict check then reads the other
    # promos' branches, as with many, and the approved revisions in force behind a newer one),
    # then a year's 10,000 more
    busy(2), busy(3)
    client = client_for("manager")
    (few,) = counts(client, django_assert_max_num_queries, 14, reverse("promo:approval_queue"))
    busy(YEAR_OF_PROMOS)
    response = client.get(reverse("promo:approval_queue"))
    assert response.context["totals"]["overdue"] == 1 + 1 + len(range(0, YEAR_OF_PROMOS, 3))
    assert counts(client, django_assert_max_num_queries, 14, reverse("promo:approval_queue")) == [few]


def test_the_queue_filtered_by_a_supplier_a_branch_and_its_conflicts_is_flat(client_for, busy,
                                                                          django_assert_max_num_queries):
    # given a few promos of the demo suppliers for the whole chain, two colliding, then a
    # year's 10,000 more
    busy(2), busy(3)
    s001 = Supplier.objects.get(code="S001")
    query = {"supplier": s001.pk, "branch": Branch.objects.order_by("code").first().pk, "conflicts": "1"}
    url = f"{reverse('promo:approval_queue')}?{urlencode(query)}"
    client = client_for("manager")
    (few,) = counts(client, django_assert_max_num_queries, 23, url)
    busy(YEAR_OF_PROMOS)

    # when the manager asks for S001's promos in the branch that collide with another promo
    # (the chosen supplier and branch are read for their names; the conflict check runs over
    # what the other filters leave, then for the page)
    response = client.get(url)
    assert counts(client, django_assert_max_num_queries, 23, url) == [few]

    # then those, and only those, are listed, each marked
    assert response.context["promos"] and {p.supplier_id for p in response.context["promos"]} == {s001.pk}
    assert all(promo.has_conflict for promo in response.context["promos"])
    assert f'<option value="{s001.pk}" selected>{s001}</option>' in response.content.decode()


# (a marketer: the overdue decisions, one query)
@pytest.mark.parametrize(("username", "cap"), [("s001", 10), ("manager", 9), ("marketer", 9)])
def test_home_with_open_requests_is_flat(client_for, busy, django_assert_max_num_queries, username, cap):
    busy(3)
    client = client_for(username)
    (few,) = counts(client, django_assert_max_num_queries, cap, reverse("home"))
    busy(YEAR_OF_PROMOS)
    assert counts(client, django_assert_max_num_queries, cap, reverse("home")) == [few]


@pytest.mark.parametrize(("username", "cap"), [("s001", 7), ("manager", 6), ("marketer", 5)])
def test_the_requests_page_is_flat(client_for, busy, django_assert_max_num_queries, username, cap):
    busy(5)
    client = client_for(username)
    (few,) = counts(client, django_assert_max_num_queries, cap, reverse("promo:request_list"))
    busy(YEAR_OF_PROMOS)
    assert counts(client, django_assert_max_num_queries, cap, reverse("promo:request_list")) == [few]


def test_the_bulk_confirmation_is_flat(client_for, busy, django_assert_max_num_queries):
    # given 5, then 300 more promos matching «submitted», all selected by the filter
    busy(5)
    client = client_for("marketer")
    data = {"action": "withdraw", "step": "confirm", "select_all": "1", "source": "list", "query": "status=submitted"}
    client.get(reverse("home"))
    with django_assert_max_num_queries(7) as few:
        assert client.post(reverse("promo:promo_bulk"), data).status_code == 200
    busy(300)
    with django_assert_max_num_queries(7) as many:
        response = client.post(reverse("promo:promo_bulk"), data)
    assert len(response.context["items"]) == 305
    assert len(many) == len(few)


# (the conflict detail reads the approved revisions in force behind a newer one: one query)
@pytest.mark.parametrize(("username", "cap"), [("s001", 18), ("manager", 17), ("marketer", 17)])
def test_the_promo_page_with_requests_is_flat(client_for, make_promo, demo_user, django_assert_max_num_queries,
                                              username, cap):
    # given a promo with one open request, and one with an open request and 30 answered ones
    def asked(answered: int) -> Promo:
        promo = make_promo(status=Promo.Status.APPROVED)
        rows = [SupplierRequest(promo=promo, kind=SupplierRequest.Kind.CANCELLATION, reason=f"Вопрос {index}",
                                requested_by=demo_user("s001"), status=SupplierRequest.Status.DECLINED,
                                answered_by=demo_user("marketer"), answer="Нет", answered_at=timezone.now())
                for index in range(answered)]
        rows.append(SupplierRequest(promo=promo, kind=SupplierRequest.Kind.EXTENSION, reason="Остатки",
                                    new_end=promo.end + timedelta(days=5), requested_by=demo_user("s001")))
        SupplierRequest.objects.bulk_create(rows)
        return promo

    few, many = asked(0), asked(30)
    client = client_for(username)
    # when each page is opened, then the same number of queries (the requests: one of them)
    small, large = counts(client, django_assert_max_num_queries, cap, few.get_absolute_url(), many.get_absolute_url())
    assert small == large
