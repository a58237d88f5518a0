"""The addresses that only take a form's POST (a promo's actions, answering a request, the bulk
bar, applying an upload's preview, starting an export). A refusal is shown at such an address;
asked again with GET (the language switch, a reload, Enter in the address bar) it used to be a
bare «HTTP ERROR 405» page with no way on. Now it goes to the page the form is on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from promo.services.supplier_requests import promo_request_extension
from tests.factories import PromoUploadFactory
from tests.promo.services import world as cast

PROMO_FORMS = ["promo_submit", "promo_withdraw", "promo_request_extension", "promo_request_cancellation",
               "promo_cancel", "promo_extend", "promo_correct", "line_correct", "comment_add",
               "promo_approve", "promo_reject", "lines_decide"]


def portal_patterns(resolver=None, prefix=""):
    """Every address of the portal's own pages (not Django admin, not the API)."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith(("admin", "api")):
                yield from portal_patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def test_every_page_address_answers_a_get():
    # given every address of the portal's pages
    # then each has an answer to GET (a page, or a redirect to the form's page), never a 405
    without_get = [route for route, pattern in portal_patterns()
                   if getattr(pattern.callback, "view_class", None) is not None
                   and not hasattr(pattern.callback.view_class, "get")]
    assert without_get == []


def test_the_language_switch_after_a_refusal_lands_on_the_promo(stale_reject):
    # given a manager whose reject was refused as stale, the refusal shown at the form's address
    stale = stale_reject("Нет")
    assert stale.response.status_code == 409
    manager, address, promo = stale.client, stale.url, stale.promo

    # when he switches to English there (the switch sends him back to the address he is on)
    switched = manager.post(reverse("set_language"), {"language": "en", "next": address}, follow=True)

    # then he is on the promo's page, in English, not on an empty error page
    assert switched.status_code == 200
    assert switched.redirect_chain[-1][0] == promo.get_absolute_url()
    assert '<html lang="en"' in switched.content.decode()


@pytest.mark.parametrize("name", PROMO_FORMS)
def test_a_promo_form_address_asked_with_get_goes_to_the_promo(client_for, make_promo, name):
    # given a promo its supplier sees
    promo = make_promo()
    # when its supplier opens one of its forms' addresses
    response = client_for("s001").get(reverse(f"promo:{name}", args=[promo.pk]))
    # then he is sent to the promo's page, and nothing changed
    assert response.status_code == 302 and response["Location"] == promo.get_absolute_url()
    promo.refresh_from_db()
    assert promo.version == 1 and not promo.events.exists()


def test_a_foreign_promo_form_address_leads_to_not_found(client_for, make_promo):
    # given another supplier's promo
    promo = make_promo(supplier="S002")
    # when s001 follows its form's address
    response = client_for("s001").get(reverse("promo:promo_withdraw", args=[promo.pk]), follow=True)
    # then he gets the promo page's «not found», never the promo
    assert response.status_code == 404


def test_a_request_answer_address_goes_to_its_promo(db, client):
    # given an open extension request, a marketer who may answer it and a foreign supplier
    with cast.frozen_today():
        world = cast.build_world()
        promo = world.promo("approved")
        asked = promo_request_extension(promo=promo, actor=world.supplier_user, new_end=promo.end + timedelta(days=5),
                                        reason="Остатки")
        # when the marketer opens the answers' addresses
        client.force_login(world.marketer)
        answers = [client.get(reverse(f"promo:request_{verb}", args=[asked.pk])) for verb in ("accept", "decline")]
        # then each leads to the promo's page; the request is still open
        assert [(r.status_code, r["Location"]) for r in answers] == [(302, promo.get_absolute_url())] * 2
        asked.refresh_from_db()
        assert asked.status == "open"
        # and a supplier who may not see it gets «not found»
        client.force_login(world.other_supplier_user)
        assert client.get(reverse("promo:request_accept", args=[asked.pk])).status_code == 404


def test_the_bulk_upload_and_export_addresses_go_to_their_pages(db, client_for, demo_user):
    # given an upload of s001
    upload = PromoUploadFactory(uploaded_by=demo_user("s001"), supplier=demo_user("s001").supplier_link.supplier)
    supplier, marketer = client_for("s001"), client_for("marketer")
    # when the forms' addresses are opened
    # then each goes to the page its form is on
    assert supplier.get(reverse("promo:promo_bulk"))["Location"] == reverse("promo:promo_list")
    for name in ("upload_confirm", "upload_cancel"):
        response = supplier.get(reverse(f"promo:{name}", args=[upload.pk]))
        assert response.status_code == 302 and response["Location"] == reverse("promo:upload_detail", args=[upload.pk])
    assert marketer.get(reverse("exports:run_start"))["Location"] == reverse("exports:run_list")
    resend = marketer.get(reverse("exports:file_resend", args=[7, 9]))
    assert resend.status_code == 302 and resend["Location"] == reverse("exports:run_detail", args=[7])
