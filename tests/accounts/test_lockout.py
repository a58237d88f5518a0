"""Failed sign-ins lock a username (10 within 15 minutes, for 15 minutes) and an address (failures
for 20 different usernames; never one username's failures, however many),
on the login page, Django admin's login and the API token endpoint alike; a right password
clears the username's count; an administrator unlocks in Django admin."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = "/login/"
TOKEN = "/api/v1/auth/token/"
LOCKED = "Слишком много неудачных попыток входа: вход временно закрыт на 15 мин."


def sign_in(client, username: str, password: str, *, address: str = "127.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def fail(client, username: str, times: int, *, address: str = "127.0.0.1") -> list:
    return [sign_in(client, username, "wrong", address=address) for _ in range(times)]


def test_ten_wrong_passwords_lock_the_username_with_a_russian_message(client):
    # given nine wrong passwords for s001: each is the usual «wrong password» page
    for response in fail(client, "s001", 9):
        assert response.status_code == 200
        assert "Неверное имя пользователя или пароль." in response.content.decode()
        assert "После 10 неудачных попыток вход закрывается на 15 мин." in response.content.decode()

    # when the tenth is wrong too
    tenth = sign_in(client, "s001", "wrong")

    # then the username is locked: 429, the lockout message, Retry-After
    assert tenth.status_code == 429
    assert LOCKED in tenth.content.decode()
    assert tenth["Retry-After"] == "900"
    # and even the right password is refused now, without signing in
    right = sign_in(client, "s001", "demo")
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert not signed_in(client)


def test_the_lockout_ends_after_fifteen_minutes():
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, "s001", 10)
        assert sign_in(client, "s001", "demo").status_code == 429
    # when 14 minutes have passed, then still locked
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert sign_in(client, "s001", "demo").status_code == 429
    # when 15 minutes have passed since the tenth failure, then the right password signs in
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        response = sign_in(client, "s001", "demo")
        assert response.status_code == 302 and signed_in(client)


def test_other_users_are_not_locked_with_it(client):
    fail(client, "s001", 10)
    other = Client()
    assert sign_in(other, "s002", "demo").status_code == 302 and signed_in(other)


def test_the_same_username_is_locked_from_every_address(client):
    # given ten failures for s001 spread over ten addresses
    for n in range(10):
        sign_in(client, "s001", "wrong", address=f"127.0.0.{n + 1}")
    # then s001 is locked from an eleventh address too
    assert sign_in(Client(), "s001", "demo", address="127.0.1.1").status_code == 429


def test_a_right_password_clears_the_count(client):
    # given nine failures, then the right password
    fail(client, "s001", 9)
    assert sign_in(client, "s001", "demo").status_code == 302
    client.logout()
    # when nine more fail, then s001 is not locked: the count started again
    responses = fail(client, "s001", 9)
    assert {response.status_code for response in responses} == {200}
    assert sign_in(client, "s001", "demo").status_code == 302


def test_failures_from_one_address_lock_that_address(client, settings):
    # given a lower per-address limit, and failures for many usernames from one machine
    settings.LOGIN_USERNAME_LIMIT_PER_IP = 6
    for n in range(6):
        sign_in(client, f"s{n + 10:03d}", "wrong", address="127.0.0.9")
    # then a right password from that machine is refused, while another machine signs in
    assert sign_in(Client(), "s001", "demo", address="127.0.0.9").status_code == 429
    other = Client()
    assert sign_in(other, "s001", "demo", address="127.0.0.8").status_code == 302


def test_clients_retrying_their_own_password_behind_one_address_do_not_lock_the_office(client):
    # given an office behind one NAT address where five integration scripts retry their expired
    # passwords until each username is locked: fifty failures from that address
    office = "10.1.2.3"
    for n in range(5):
        fail(client, f"s{n + 10:03d}", 10, address=office)
        assert sign_in(client, f"s{n + 10:03d}", "wrong", address=office).status_code == 429
    # when a colleague signs in from the same address with the right password
    colleague = Client()
    response = sign_in(colleague, "s001", "demo", address=office)
    # then she is signed in: only the scripts' own usernames are locked
    assert response.status_code == 302 and signed_in(colleague)


def test_the_address_is_locked_at_twenty_different_usernames(client):
    # given failures for 19 different usernames from one address: the address is still open
    for n in range(19):
        assert sign_in(client, f"s{n + 10:03d}", "wrong", address="10.1.2.4").status_code == 200
    assert sign_in(Client(), "s001", "demo", address="10.1.2.4").status_code == 302
    # when a 20th username fails there, then the address is locked, even for a right password
    assert sign_in(client, "s050", "wrong", address="10.1.2.4").status_code == 429
    assert sign_in(Client(), "s002", "demo", address="10.1.2.4").status_code == 429


def test_signing_in_to_an_own_account_does_not_clear_the_address(client, settings):
    # given a sprayer one failure short of the per-address limit
    settings.LOGIN_USERNAME_LIMIT_PER_IP = 6
    for n in range(5):
        sign_in(client, f"s{n + 10:03d}", "wrong", address="127.0.0.9")
    # when it signs in to an account of its own from there
    assert sign_in(client, "s002", "demo", address="127.0.0.9").status_code == 302
    client.logout()
    # then its next failure still locks the address
    assert sign_in(client, "s050", "wrong", address="127.0.0.9").status_code == 429


def test_the_admin_login_is_locked_too(client):
    fail(client, "admin", 9)
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "wrong",
                                                          "next": "/admin/"})
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert sign_in(client, "admin", "demo").status_code == 429


def test_the_token_endpoint_counts_and_answers_in_the_api_format(api_client, client):
    # given nine wrong passwords at the token endpoint: the usual 400, no token
    for _ in range(9):
        response = api_client.post(TOKEN, {"username": "s001", "password": "wrong"})
        assert response.status_code == 400 and "token" not in response.json()

    # when the tenth is wrong too, then 429 in the API's error format, with Retry-After
    response = api_client.post(TOKEN, {"username": "s001", "password": "wrong"})
    assert response.status_code == 429
    message = ("Слишком много неудачных попыток входа: вход временно закрыт на 15 мин. Попробуйте позже "
               "или попросите администратора портала снять блокировку.")
    assert response.json() == {"code": "locked_out", "message": message, "fields": {}, "detail": message}
    assert response["Retry-After"] == "900"
    # and the right password gets no token, neither there nor on the login page
    assert api_client.post(TOKEN, {"username": "s001", "password": "demo"}).status_code == 429
    assert sign_in(client, "s001", "demo").status_code == 429


def test_an_administrator_unlocks_in_django_admin(client, client_for):
    # given s001 locked out
    fail(client, "s001", 10)
    assert sign_in(client, "s001", "demo").status_code == 429
    attempts = list(AccessAttempt.objects.filter(username="s001").values_list("pk", flat=True))
    assert attempts

    # when the administrator finds the attempts in admin and deletes them
    admin = client_for("admin")
    listing = admin.get("/admin/axes/accessattempt/", {"q": "s001"})
    assert listing.status_code == 200 and "s001" in listing.content.decode()
    response = admin.post("/admin/axes/accessattempt/", {
        "action": "delete_selected", "_selected_action": attempts, "post": "yes"})
    assert response.status_code == 302

    # then s001 signs in with the right password
    assert not AccessAttempt.objects.filter(username="s001").exists()
    user = Client()
    assert sign_in(user, "s001", "demo").status_code == 302 and signed_in(user)


def test_the_unlock_command_works_too(client):
    from django.core.management import call_command

    fail(client, "s001", 10)
    call_command("axes_reset_username", "s001")
    assert sign_in(client, "s001", "demo").status_code == 302
