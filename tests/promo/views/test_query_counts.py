"""Query counts of the workflow pages, pinned for a small and a large dataset: the promo page
for every role, its history, the activity log, the calendar and the home page. A count that
grows with the rows is a query per row (N+1)."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from promo.models import PromoEvent, PromoLine
from promo.services.comments import comment_add
from promo.services.transitions import lines_decide
from promo.views.marketer import CALENDAR_LIMIT
from suppliers.models import Product
from tests.promo.conftest import YEAR_OF_PROMOS, analyze_promo_tables

START = date(2027, 4, 1)


@pytest.fixture
def busy_promo(make_promo, demo_user):
    """A submitted promo of S001's products in two categories: manager3 has decided the lines
    of his (some rejected with a reason), the others wait for ``manager``; and a thread of
    public and internal comments."""

    def make(lines: int, comments: int):
        products = list(Product.objects.filter(supplier__code="S001").order_by("article")[:lines])
        promo = make_promo(products=products)
        manager3 = demo_user("manager3")
        mine = PromoLine.objects.restrict(manager3, "decide").filter(promo=promo)
        lines_decide(promo=promo, actor=manager3, decisions={
            line.pk: ("rejected", "Дорого") if line.pk % 3 == 0 else ("accepted", "") for line in mine})
        promo.refresh_from_db()
        for index in range(comments):
            comment_add(promo=promo, actor=demo_user("s001"), text=f"Вопрос {index}")
            comment_add(promo=promo, actor=demo_user("manager"), text=f"Для своих {index}", internal=True)
        return promo

    return make


def counts(client, django_assert_max_num_queries, cap: int, *urls: str) -> list[int]:
    """The queries of each GET (every one at most ``cap``)."""
    client.get(reverse("home"))  # warms the per-process caches (content types)
    found = []
    for url in urls:
        with django_assert_max_num_queries(cap) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        found.append(len(queries))
    return found


# (conflict detail: the other promos' lines, the approved revisions in force behind a newer one,
# and which of them the person may see; the supplier reads the conflicts of its lines too: that
# they conflict, not with whom)
@pytest.mark.parametrize(("username", "cap"), [("s001", 18), ("manager", 17), ("manager3", 17),
                                               ("marketer", 17), ("admin", 17)])
def test_promo_page_and_history_are_flat_for_every_role(client_for, busy_promo, django_assert_max_num_queries,
                                                       username, cap):
    # given a promo of 3 lines and one of 40 lines, partly decided, with 20 comments
    small, large = busy_promo(3, 0), busy_promo(40, 10)
    client = client_for(username)

    # when the person opens both pages and both histories
    page_small, page_large, history_small, history_large = counts(
        client, django_assert_max_num_queries, cap, small.get_absolute_url(), large.get_absolute_url(),
        reverse("promo:promo_history", args=[small.pk]), reverse("promo:promo_history", args=[large.pk]))

    # then the number of queries does not depend on lines, decisions or comments
    assert page_small == page_large
    assert history_small == history_large


def test_activity_log_is_flat(client_for, make_promo, bulk_promos, django_assert_max_num_queries):
    # given 3 events, then a year's: 20,000 more by different people on 10,000 promos
    users = list(get_user_model().objects.order_by("pk")[:12])

    def events(promos, count: int) -> None:
        PromoEvent.objects.bulk_create([
            PromoEvent(kind=PromoEvent.Kind.COMMENT_ADDED, promo=promos[index % len(promos)], actor=users[index % 12],
                       from_status="submitted", to_status="approved", reason=f"Событие {index}")
            for index in range(count)
        ], batch_size=5000)
        analyze_promo_tables()

    events([make_promo(start=START + timedelta(days=index)) for index in range(3)], 3)
    client = client_for("marketer")
    (few,) = counts(client, django_assert_max_num_queries, 9, reverse("promo:activity_log"))
    events(bulk_promos(YEAR_OF_PROMOS), 2 * YEAR_OF_PROMOS)

    # when the marketer opens the log
    (many,) = counts(client, django_assert_max_num_queries, 9, reverse("promo:activity_log"))

    # then a page of 50 events for the same number of queries
    assert many == few


def test_calendar_is_flat(client_for, make_promo, bulk_promos, django_assert_max_num_queries):
    # given two promos in the window, then a year's 10,000 more
    make_promo(), make_promo(start=START + timedelta(days=7))
    url = f"{reverse('promo:calendar')}?start=2027-03-29&weeks=12"
    client = client_for("marketer")
    (few,) = counts(client, django_assert_max_num_queries, 8, url)
    bulk_promos(YEAR_OF_PROMOS, start=date(2027, 4, 5))

    # when the calendar is drawn again
    with django_assert_max_num_queries(8) as queries:
        response = client.get(url)

    # then the first CALENDAR_LIMIT bars, in start order, and a word that there are more, for the
    # same number of queries
    bars = response.context["bars"]
    assert len(bars) == CALENDAR_LIMIT
    assert [bar.promo.start for bar in bars] == sorted(bar.promo.start for bar in bars)
    assert bars[0].promo.start == START
    assert response.context["too_many"]
    assert len(queries) == few


# (a manager: his categories read once, as a list; his promos counted in one pass; the line
# counts of his 10 queue rows; a marketer: the overdue decisions, one query)
@pytest.mark.parametrize(("username", "cap"), [("s001", 10), ("manager", 8), ("marketer", 9)])
def test_home_is_flat(client_for, make_promo, bulk_promos, django_assert_max_num_queries, username, cap):
    # given a few promos, then a year's 10,000 more
    make_promo()
    client = client_for(username)
    (few,) = counts(client, django_assert_max_num_queries, cap, reverse("home"))
    bulk_promos(YEAR_OF_PROMOS)

    # when the person opens the home page again, then the same number of queries
    assert counts(client, django_assert_max_num_queries, cap, reverse("home")) == [few]
