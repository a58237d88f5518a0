"""Regressions found by the quality pass on the reference pages: odd query strings are
ignored, never a server error."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


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
