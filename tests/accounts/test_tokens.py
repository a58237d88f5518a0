"""API tokens: issued at the same endpoint as before, hashed at rest, expiring, rotated and
revoked by their owner, listed in admin without the token; DRF tokens of an existing
installation carried over so integrators keep working."""

import importlib
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import ApiToken

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
PRODUCTS = "/api/v1/products/"


def obtain(api_client, username="s001", password="demo"):
    response = api_client.post(TOKEN, {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def reads(api_client, token) -> int:
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    status = api_client.get(PRODUCTS).status_code
    api_client.credentials()
    return status


def test_a_token_comes_with_its_expiry_and_opens_the_api(api_client):
    # given s001's login, when it asks for a token (form-encoded, as curl -d sends it)
    body = obtain(api_client)
    # then the token and its expiry, 30 days on
    assert set(body) == {"token", "expiry"}
    expiry = parse_datetime(body["expiry"])
    assert timedelta(days=29, hours=23) < expiry - timezone.now() <= timedelta(days=30)
    # and the token opens the API, restricted as the user
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api_client.get(PRODUCTS).json()["count"] == 50


def test_json_bodies_work_too(api_client):
    response = api_client.post(TOKEN, {"username": "s001", "password": "demo"}, format="json")
    assert response.status_code == 200 and response.json()["token"]


def test_the_token_is_stored_only_as_a_hash(api_client):
    token = obtain(api_client)["token"]
    stored = ApiToken.objects.get(user__username="s001")
    assert token not in {stored.digest, stored.token_key}
    assert len(stored.digest) == 128 and stored.token_key == token[:15]


def test_each_call_issues_a_new_token_and_both_work(api_client):
    first, second = obtain(api_client)["token"], obtain(api_client)["token"]
    assert first != second
    assert reads(api_client, first) == 200 and reads(api_client, second) == 200


def test_a_token_stops_working_when_it_expires(api_client, settings):
    token = obtain(api_client)["token"]
    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1), tick=False):
        assert reads(api_client, token) == 401
    assert not ApiToken.objects.filter(user__username="s001").exists()


def test_the_ttl_is_a_setting(api_client, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=2)}
    expiry = parse_datetime(obtain(api_client)["expiry"])
    assert expiry - timezone.now() <= timedelta(days=2)


def test_rotation_replaces_the_token(api_client):
    # given a token, when its owner rotates it
    old = obtain(api_client)["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    response = api_client.post(f"{TOKEN}rotate/")
    # then a new token with a fresh expiry works and the old one does not
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old and response.json()["expiry"]
    assert reads(api_client, new) == 200 and reads(api_client, old) == 401


def test_revocation_ends_the_token(api_client):
    token = obtain(api_client)["token"]
    other = obtain(api_client)["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.post(f"{TOKEN}revoke/").status_code == 204
    assert reads(api_client, token) == 401
    assert reads(api_client, other) == 200  # the user's other tokens are untouched


def test_rotate_and_revoke_need_a_token(api_client, demo_user):
    assert api_client.post(f"{TOKEN}rotate/").status_code == 401
    api_client.force_login(demo_user("s001"))  # a session is not a token
    assert api_client.post(f"{TOKEN}revoke/").status_code == 401


def test_admin_lists_tokens_without_showing_them(api_client, client_for):
    # given a token of s001
    token = obtain(api_client)["token"]
    stored = ApiToken.objects.get(user__username="s001")
    admin = client_for("admin")
    # when the administrator opens the token list and the token
    listing = admin.get("/admin/accounts/apitoken/")
    detail = admin.get(f"/admin/accounts/apitoken/{stored.pk}/change/")
    # then whose token it is and until when, never the token or a prefix of it
    assert listing.status_code == 200 and detail.status_code == 200
    for html in (listing.content.decode(), detail.content.decode()):
        assert token[:15] not in html
    assert "s001" in listing.content.decode()
    # and no way to make one there
    assert admin.get("/admin/accounts/apitoken/add/").status_code == 403
    # and deleting it in admin revokes it
    response = admin.post(f"/admin/accounts/apitoken/{stored.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and reads(api_client, token) == 401


def test_knox_own_admin_is_not_installed(client_for):
    assert client_for("admin").get("/admin/knox/authtoken/").status_code == 404


def test_drf_tokens_of_an_existing_installation_keep_working(api_client, demo_user, settings):
    # given the table of DRF's authtoken app with an integrator's token in clear
    key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz NOT NULL, "
                       "user_id integer NOT NULL)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", [key, demo_user("s001").pk])
    migration = importlib.import_module("accounts.migrations.0002_drf_tokens_to_knox")

    # when the migration runs
    from django.apps import apps

    with connection.schema_editor() as editor:
        migration.move_tokens(apps, editor)

    # then the old token opens the API until it expires, and no clear-text copy is left
    assert reads(api_client, key) == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
    assert ApiToken.objects.get(user=demo_user("s001")).expiry > timezone.now() + timedelta(days=29)
    assert get_user_model().objects.filter(auth_token_set__isnull=False).count() == 1
