"""A form sent with a stale CSRF token (a tab left open while the person signed in again in
another one) is refused on the portal's own 403 page, in the person's language, saying what to do;
nothing is changed. Django's default page was a developer's explanation, outside the layout."""

import pytest
from django.test import Client
from django.urls import reverse

from promo.models import PromoComment
from suppliers.models import Supplier
from tests.factories import PromoFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "words"), [
    ("ru", "Форма устарела (например, вы вошли заново в другой вкладке), поэтому ничего не изменено."),
    ("en", "The form has expired (for example, you signed in again in another tab), so nothing was changed."),
], ids=["ru", "en"])
def test_a_stale_form_is_refused_on_the_portals_page(demo_user, language, words):
    # given s001 signed in, whose open promo page still holds the token of an earlier sign-in
    promo = PromoFactory(supplier=Supplier.objects.get(code="S001"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo_user("s001"))
    client.cookies["django_language"] = language

    # when he sends a comment with that stale token
    response = client.post(reverse("promo:comment_add", args=[promo.pk]),
                           {"text": "Проверьте цены", "csrfmiddlewaretoken": "x" * 64})

    # then the portal's page (its menu, its CSP-clean layout) says what happened and what to do,
    # and no comment was added
    assert response.status_code == 403
    html = response.content.decode()
    assert words in html
    assert reverse("logout") in html and "<style" not in html
    assert not PromoComment.objects.filter(promo=promo).exists()
