"""Optimistic locking on the pages: a form posted with the version the page showed is refused
when someone changed the promo meanwhile, with the service's message, the promo as it is now
and the user's input kept; a double click decides once."""

import re

from django.urls import reverse

from promo.models import Promo, PromoEvent, PromoLine


def test_stale_reject_is_refused_and_keeps_the_reason(stale_reject):
    # given the manager's page showed version 1, then a marketer corrected the dates
    # when the manager rejects with the version he saw
    stale = stale_reject("Слишком глубокая скидка")
    promo, response = stale.promo, stale.response

    # then he is told the promo changed, sees its new dates, keeps his reason, and nothing
    # of his decision was written
    page = response.content.decode()
    promo.refresh_from_db()
    assert response.status_code == 409
    assert "Промо уже изменено" in page and "обновите страницу" in page
    assert promo.start.strftime("%d.%m.%Y") in page
    assert re.search(r"<textarea[^>]*name=\"reason\"[^>]*>\s*Слишком глубокая скидка</textarea>", page)
    assert promo.status == Promo.Status.SUBMITTED
    assert set(promo.lines.values_list("decision", flat=True)) == {PromoLine.Decision.PENDING}
    assert not promo.events.filter(kind=PromoEvent.Kind.PROMO_REJECTED).exists()


def test_two_managers_one_wins(client_for, client, make_promo, demo_user):
    # given two managers of the promo's categories on the same page version
    promo = make_promo()
    seen = promo.version
    url = reverse("promo:promo_approve", args=[promo.pk])

    # when the first accepts and then the second rejects with that version
    first = client_for("manager").post(url, {"version": seen})
    client.force_login(demo_user("manager3"))
    second = client.post(reverse("promo:promo_reject", args=[promo.pk]), {"version": seen, "reason": "Нет"})

    # then the first decision stands and the second is told to refresh
    promo.refresh_from_db()
    assert first.status_code == 302
    assert second.status_code == 409
    assert promo.status == Promo.Status.APPROVED
    assert set(promo.lines.values_list("decision", flat=True)) == {PromoLine.Decision.ACCEPTED}


def test_double_click_decides_once(client_for, make_promo):
    # given a submitted promo
    promo = make_promo()
    data = {"version": promo.version}
    client = client_for("manager3")

    # when the manager's accept arrives twice with the same version
    first = client.post(reverse("promo:promo_approve", args=[promo.pk]), data)
    second = client.post(reverse("promo:promo_approve", args=[promo.pk]), data)

    # then both end on the promo page and it was approved once
    assert first.status_code == second.status_code == 302
    promo.refresh_from_db()
    assert promo.status == Promo.Status.APPROVED
    assert promo.events.filter(kind=PromoEvent.Kind.PROMO_APPROVED).count() == 1


def test_a_double_posted_comment_is_saved_once(client_for, make_promo, api_client, demo_user):
    # given a supplier's promo
    promo = make_promo()
    url = reverse("promo:comment_add", args=[promo.pk])
    client = client_for("s001")

    # when the same comment arrives twice from the page, and twice more from the API
    first = client.post(url, {"text": "Просим продлить"})
    second = client.post(url, {"text": "Просим продлить"})
    api_client.force_authenticate(demo_user("s001"))
    api = [api_client.post(f"/api/v1/promos/{promo.pk}/comments/", {"text": "Вопрос по цене"}, format="json")
           for _ in range(2)]

    # then each comment is saved once, with one event; the answers are the same
    assert first.status_code == second.status_code == 302
    assert api[0].json()["id"] == api[1].json()["id"]
    assert list(promo.comments.order_by("pk").values_list("text", flat=True)) == ["Просим продлить",
                                                                               "Вопрос по цене"]
    assert promo.events.filter(kind="comment_added").count() == 2


def test_stale_line_decisions_keep_the_choices(client_for, make_promo):
    # given the page showed version 1, and the promo changed since
    promo = make_promo(lines=2)
    line = promo.lines.first()
    Promo.objects.filter(pk=promo.pk).update(version=promo.version + 1)

    # when the manager posts his line decisions
    response = client_for("manager3").post(
        reverse("promo:lines_decide", args=[promo.pk]),
        {"version": promo.version, f"decision_{line.pk}": "rejected", f"reason_{line.pk}": "Дубль"},
    )

    # then he is told to refresh, his choice and reason are still in the form, nothing decided
    page = response.content.decode()
    assert response.status_code == 409
    assert "обновите страницу" in page
    assert re.search(rf'<input type="radio" name="decision_{line.pk}" value="rejected"[^>]*checked', page)
    assert 'value="Дубль"' in page
    assert PromoLine.objects.get(pk=line.pk).decision == PromoLine.Decision.PENDING


def test_a_move_the_state_forbids_is_shown_not_a_403(client_for, make_promo):
    # given a promo already approved (version current)
    promo = make_promo(status=Promo.Status.APPROVED)

    # when the marketer tries to withdraw it (only a draft or a submitted promo can be)
    response = client_for("marketer").post(reverse("promo:promo_withdraw", args=[promo.pk]),
                                           {"version": promo.version, "reason": "Ошибка"})

    # then the page says why and the promo is unchanged
    assert response.status_code == 409
    assert "Нельзя перевести промо" in response.content.decode()
    promo.refresh_from_db()
    assert promo.status == Promo.Status.APPROVED


def test_invalid_form_is_a_400_with_the_message(client_for, make_promo):
    # given a submitted promo
    promo = make_promo()

    # when the manager rejects it without a reason
    response = client_for("manager3").post(reverse("promo:promo_reject", args=[promo.pk]),
                                           {"version": promo.version, "reason": "  "})

    # then he is asked for the reason and nothing changed
    assert response.status_code == 400
    assert "Укажите причину" in response.content.decode()
    promo.refresh_from_db()
    assert promo.status == Promo.Status.SUBMITTED


def test_after_a_stale_refusal_pressing_again_acts_on_what_the_page_shows(stale_reject):
    # given a manager whose reject was refused: a marketer moved the dates since his page loaded
    stale = stale_reject("Слишком глубокая скидка")
    refused = stale.response.content.decode()

    # when he reads the promo as it is now and presses «Отклонить» again on that page
    form = re.search(rf'<form[^>]*action="{re.escape(stale.url)}".*?</form>', refused, re.S).group(0)
    shown = re.search(r'name="version" value="(\d+)"', form).group(1)
    again = stale.client.post(stale.url, {"version": shown, "reason": "Слишком глубокая скидка"})

    # then the form carried the version the page shows, and the second press rejects the promo
    assert int(shown) == stale.promo.version != stale.seen
    assert again.status_code == 302
    assert set(stale.promo.lines.values_list("decision", flat=True)) == {PromoLine.Decision.REJECTED}
