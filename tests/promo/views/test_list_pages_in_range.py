"""Every paged list page of the portal answers a page number past its last (a «back to the
list» link kept from page 3 after a bulk action shrank the list, or a typed number) with its
last page and the same filters, not a bare 404 (config.pagination.PageInRangeMixin); the API
keeps its documented 404."""

import pytest
from django.urls import reverse

from promo.models import Promo

# (who may see it, the page)
LIST_PAGES = [
    ("marketer", "promo:promo_list"), ("manager", "promo:approval_queue"), ("marketer", "promo:activity_log"),
    ("marketer", "promo:request_list"), ("s001", "promo:upload_list"), ("marketer", "promo:price_tag_jobs"),
    ("marketer", "exports:run_list"), ("marketer", "branches:branch_list"), ("marketer", "suppliers:supplier_list"),
    ("marketer", "suppliers:product_list"),
]


@pytest.mark.parametrize(("username", "name"), LIST_PAGES)
def test_a_page_past_the_last_is_the_last_page(client_for, make_promo, username, name):
    # given a list page with at least one row for its reader (a promo, its upload and events)
    make_promo(lines=1)
    client = client_for(username)

    # when the reader follows a link to page 999
    response = client.get(reverse(name), {"page": 999})

    # then he sees the list's last page in the portal's layout, not a 404
    assert response.status_code == 200
    page = response.context["page_obj"]
    assert page.number == response.context["paginator"].num_pages


def test_a_stale_page_of_a_filtered_promo_list_keeps_the_filter(client_for, make_promo):
    # given two draft promos and a marketer's link to page 3 of the drafts
    make_promo(lines=1, status=Promo.Status.DRAFT)
    make_promo(lines=1, status=Promo.Status.DRAFT)
    drafts = Promo.objects.filter(status=Promo.Status.DRAFT).count()
    client = client_for("marketer")

    # when he follows it
    response = client.get(reverse("promo:promo_list"), {"status": "draft", "page": 3})

    # then he is on the drafts' one page, the filter still applied
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
    assert response.context["paginator"].count == drafts
    assert {promo.status for promo in response.context["page_obj"].object_list} == {Promo.Status.DRAFT}


@pytest.mark.django_db
def test_an_empty_list_past_its_end_is_its_empty_first_page(client_for):
    # given a filter nothing matches
    client = client_for("marketer")

    # when page 5 of it is asked for
    response = client.get(reverse("promo:promo_list"), {"q": "nothing-is-called-this", "page": 5})

    # then the list's empty first page
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1 and response.context["paginator"].count == 0


@pytest.mark.django_db
def test_the_api_keeps_its_404_past_the_last_page(client_for):
    # given the API's contract: a page past the last is a 404 naming the page count
    response = client_for("marketer").get("/api/v1/promos/", {"page": 999})
    assert response.status_code == 404
