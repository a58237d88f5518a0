"""The API's language for programs: a call with a token (or asking for one) has no cookie and no
language switch, so ``Accept-Language`` chooses English; without it the API speaks Russian, and a
signed-in browser follows the switch only (its own header never changes the language)."""

import pytest
from django.test import Client

from accounts.models import ApiToken
from promo.models import Promo
from suppliers.models import Supplier
from tests.factories import PromoFactory, PromoLineFactory

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


@pytest.fixture
def submitted_promo():
    promo = PromoFactory(supplier=Supplier.objects.get(code="S001"), status=Promo.Status.SUBMITTED)
    PromoLineFactory(promo=promo)
    return promo


def with_token(demo_user, username: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.create(user=demo_user(username))[1]}")


def test_a_program_asking_for_english_gets_english_refusals(demo_user, submitted_promo):
    # given an integrator's script with s001's token, which sends Accept-Language: en
    client = with_token(demo_user, "s001")

    # when it tries to approve its own promo (a manager's action)
    response = client.post(f"/api/v1/promos/{submitted_promo.pk}/approve/", {"version": submitted_promo.version},
                           content_type="application/json", **ENGLISH)

    # then the refusal is worded in English, and says so
    assert response.status_code == 403
    assert response.json()["message"] == "You do not approve the product categories of this promo."
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]


def test_a_program_that_asks_for_no_language_gets_russian(demo_user, submitted_promo):
    # given the same script without the header
    client = with_token(demo_user, "s001")

    # when it makes the same call
    response = client.post(f"/api/v1/promos/{submitted_promo.pk}/approve/", {"version": submitted_promo.version},
                           content_type="application/json")

    # then the API speaks Russian, as before
    assert response.json()["message"] == "Вы не согласуете категории товаров этого промо."
    assert response["Content-Language"] == "ru"


def test_a_wrong_password_at_the_token_endpoint_is_told_in_english(db):
    # when a program asks for a token in English with a wrong password
    response = Client().post("/api/v1/auth/token/", {"username": "s001", "password": "wrong"},
                             content_type="application/json", **ENGLISH)

    # then the refusal is English
    assert response.status_code == 400
    assert response["Content-Language"] == "en"
    assert response.json()["code"] == "wrong_credentials"
    assert not any("а" <= char <= "я" for char in response.json()["message"].lower())


def test_a_signed_in_browser_follows_the_switch_not_its_header(client_for, submitted_promo):
    # given s001 in a browser set to English who never used the RU/EN switch
    client = client_for("s001")

    # when the browsable API answers a refusal
    response = client.post(f"/api/v1/promos/{submitted_promo.pk}/approve/", {"version": submitted_promo.version},
                           content_type="application/json", **ENGLISH)

    # then it is Russian like the pages; the switch, once used, wins over everything
    assert response["Content-Language"] == "ru"
    client.cookies["django_language"] = "en"
    assert client.post(f"/api/v1/promos/{submitted_promo.pk}/approve/", {"version": submitted_promo.version},
                       content_type="application/json")["Content-Language"] == "en"


def test_the_switch_cookie_wins_over_a_programs_header(demo_user, submitted_promo):
    # given a token call that carries a «ru» language cookie and asks for English
    client = with_token(demo_user, "s001")
    client.cookies["django_language"] = "ru"

    # when it calls the API
    response = client.get(f"/api/v1/promos/{submitted_promo.pk}/", **ENGLISH)

    # then the explicit choice counts
    assert response["Content-Language"] == "ru"
