"""The permission matrix of the workflow pages and their POST actions (STYLE.md §5): signed
out -> the login page; a promo the user cannot see -> 404; a page or action the user's role
does not have -> 403; allowed -> 200 (page) or a redirect back to the promo (action).

The promo belongs to S001 (products in C13/C15): s001 is its supplier, s002 a foreign one,
manager3 decides C13-C18 (own category), manager1 decides C01-C06 (foreign category)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from promo.models import Promo

USERS = ["anonymous", "s001", "s002", "manager3", "manager1", "marketer"]

# page url name -> takes the promo pk?, expected status per user
PAGES = {
    "promo_list": (False, [302, 200, 200, 200, 200, 200]),
    "promo_detail": (True, [302, 200, 404, 200, 404, 200]),
    "promo_history": (True, [302, 200, 404, 200, 404, 200]),
    "targeting_edit": (True, [302, 403, 404, 403, 404, 200]),
    "approval_queue": (False, [302, 403, 403, 200, 200, 403]),
    "activity_log": (False, [302, 403, 403, 403, 403, 200]),
    "calendar": (False, [302, 200, 200, 200, 200, 200]),
    "mass_correction": (False, [302, 403, 403, 403, 403, 200]),
}

OK = "ok"  # a redirect back to the promo page: the action went through
LOGIN = 302


def _new_end(promo):
    return (promo.end + timedelta(days=7)).isoformat()


# action url name -> promo status, POST data builder, expected result per user
ACTIONS = {
    "promo_approve": (Promo.Status.SUBMITTED, lambda p: {"comment": ""}, [LOGIN, 403, 404, OK, 404, 403]),
    "promo_reject": (Promo.Status.SUBMITTED, lambda p: {"reason": "Нет бюджета"}, [LOGIN, 403, 404, OK, 404, 403]),
    "lines_decide": (Promo.Status.SUBMITTED,
                     lambda p: {f"decision_{line.pk}": "accepted" for line in p.lines.all()},
                     [LOGIN, 403, 404, OK, 404, 403]),
    "promo_submit": (Promo.Status.DRAFT, lambda p: {"comment": ""}, [LOGIN, OK, 404, 403, 404, OK]),
    "promo_withdraw": (Promo.Status.DRAFT, lambda p: {"reason": ""}, [LOGIN, OK, 404, 403, 404, OK]),
    "promo_cancel": (Promo.Status.APPROVED, lambda p: {"reason": "Склад пуст"}, [LOGIN, 403, 404, 403, 404, OK]),
    "promo_extend": (Promo.Status.APPROVED, lambda p: {"new_end": _new_end(p), "reason": "Спрос"},
                     # the supplier's «extend» is recorded as a request to the marketers
                     [LOGIN, OK, 404, 403, 404, OK]),
    "promo_request_extension": (Promo.Status.APPROVED, lambda p: {"new_end": _new_end(p), "reason": "Спрос"},
                                [LOGIN, OK, 404, 403, 404, 403]),
    "promo_request_cancellation": (Promo.Status.APPROVED, lambda p: {"reason": "Нет товара"},
                                   [LOGIN, OK, 404, 403, 404, 403]),
    "promo_correct": (Promo.Status.SUBMITTED,
                      lambda p: {"start": p.start.isoformat(), "end": (p.end - timedelta(days=1)).isoformat(),
                                 "reason": "Короче"},
                      [LOGIN, 403, 404, OK, 404, OK]),
    "line_correct": (Promo.Status.SUBMITTED,
                     lambda p: {"line": p.lines.first().pk, "discount_percent": "20", "reason": "Торг"},
                     [LOGIN, 403, 404, OK, 404, OK]),
    "comment_add": (Promo.Status.SUBMITTED, lambda p: {"text": "Вопрос по ценам"}, [LOGIN, OK, 404, OK, 404, OK]),
    "targeting_edit": (Promo.Status.SUBMITTED, lambda p: {"regions": [1], "reason": "Только один регион"},
                       [LOGIN, 403, 404, 403, 404, OK]),
}


def _client(client, demo_user, username):
    if username != "anonymous":
        client.force_login(demo_user(username))
    return client


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("user_index", range(len(USERS)), ids=USERS)
def test_pages(name, user_index, client, demo_user, make_promo):
    # given a submitted promo of S001 and one of the users
    promo = make_promo()
    takes_pk, expected = PAGES[name]
    url = reverse(f"promo:{name}", args=[promo.pk] if takes_pk else [])

    # when the user opens the page
    response = _client(client, demo_user, USERS[user_index]).get(url)

    # then they get the page, the login, a 403 or a 404
    assert response.status_code == expected[user_index]
    if expected[user_index] == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ACTIONS)
@pytest.mark.parametrize("user_index", range(len(USERS)), ids=USERS)
def test_actions(name, user_index, client, demo_user, make_promo):
    # given a promo of S001 in the state the action needs, and one of the users
    status, data, expected = ACTIONS[name]
    promo = make_promo(status=status)
    payload = {"version": promo.version, **data(promo)}
    version_before = promo.version

    # when the user posts the action with the version the page showed
    response = _client(client, demo_user, USERS[user_index]).post(
        reverse(f"promo:{name}", args=[promo.pk]), payload)

    # then the action is done and the user is sent back to the promo, or refused as expected
    outcome = expected[user_index]
    promo.refresh_from_db()
    if outcome == OK:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"] == promo.get_absolute_url()
    elif outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert promo.version == version_before
    else:
        assert response.status_code == outcome
        assert promo.version == version_before


BULK_EXPECTED = [LOGIN, "refused", "refused", OK, "refused", "refused"]


@pytest.mark.parametrize("user_index", range(len(USERS)), ids=USERS)
def test_bulk_decision(user_index, client, demo_user, make_promo):
    # given a submitted promo of S001 ticked in the queue
    promo = make_promo()
    payload = {"promos": [promo.pk], f"version_{promo.pk}": promo.version, "action": "approve", "step": "run"}

    # when the user posts the bulk accept
    response = _client(client, demo_user, USERS[user_index]).post(reverse("promo:promo_bulk"), payload)

    # then only the manager of its categories decides it; anyone else gets the result page
    # with the promo refused by the service (not visible to him: not found; visible: not his)
    promo.refresh_from_db()
    outcome = BULK_EXPECTED[user_index]
    if outcome == OK:
        assert response.status_code == 200
        assert response.context["result"].done == [promo.pk]
        assert promo.status == Promo.Status.APPROVED
        return
    assert promo.status == Promo.Status.SUBMITTED
    if outcome == LOGIN:
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 200
        assert [r.code for r in response.context["result"].refused] in (["not_found"], ["not_allowed"])


@pytest.mark.parametrize("user_index", range(len(USERS)), ids=USERS)
def test_mass_correction_post(user_index, client, demo_user, make_promo):
    # given a submitted promo's lines
    promo = make_promo()
    payload = {"line_ids": list(promo.lines.values_list("pk", flat=True)), "discount_percent": "20",
               "action": "preview"}

    # when the user asks for a mass correction preview
    response = _client(client, demo_user, USERS[user_index]).post(reverse("promo:mass_correction"), payload)

    # then only a marketer gets it
    expected = [LOGIN, 403, 403, 403, 403, 200][user_index]
    assert response.status_code == expected
