"""Regressions found by the quality pass on the catalogue pages."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_product_list_ignores_an_odd_page_size(client_for):
    # when: «²» stands where a page size belongs
    response = client_for("marketer").get(reverse("suppliers:product_list"), {"per_page": "²"})

    # then: the default page size
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 50
