"""The portal as production runs it: a real gunicorn process (config/gunicorn.py) with the
production settings, on a free port on 127.0.0.1, against the test database (passed to the
child through DATABASE_URL: its name is known only here). A person logs in through the login
form with its CSRF token and sees their own pages. Plain HTTP on loopback, so the agreed
security settings are turned off for the child (bench/web/server.py, PLAIN_HTTP_ENV)."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from bench.web.server import Gunicorn, database_url, production_password_hash

PASSWORD = "Пароль-для-gunicorn-7"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # let the test see the 302 itself


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, data=body, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:  # 3xx (not followed) and 4xx/5xx
            return error.code, dict(error.headers), error.read().decode(errors="replace")


@pytest.fixture
def web(demo_data, tmp_path):
    """gunicorn with one sync worker, serving the committed demo data."""
    with Gunicorn(database_url=database_url(connection.settings_dict), workers=1, log_path=tmp_path / "gunicorn.log",
                  env={"MEDIA_ROOT": str(tmp_path / "media"), "EXPORT_ROOT": str(tmp_path / "exports")}) as server:
        yield server


def test_gunicorn_with_the_production_settings_serves_a_logged_in_page(web):
    # given a supplier user whose password production can check (PBKDF2, not the tests' MD5)
    get_user_model().objects.filter(username="s001").update(password=production_password_hash(PASSWORD))
    browser = Browser(web.base_url)

    # when an anonymous visitor opens «Мои промо», they are sent to the login page
    status, headers, _body = browser.request("/promo/")
    assert status == 302, web.log_tail()
    assert headers["Location"] == "/login/?next=/promo/"
    assert headers["Server"].startswith("gunicorn")

    # when they log in through the form with its CSRF token
    status, _headers, page = browser.request("/login/?next=/promo/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, headers, _body = browser.request(
        "/login/?next=/promo/", {"csrfmiddlewaretoken": token, "username": "s001", "password": PASSWORD,
                                 "next": "/promo/"})
    assert status == 302, web.log_tail()
    assert headers["Location"] == "/promo/"

    # then the page that needs a login answers with their own name and supplier
    status, headers, page = browser.request("/promo/")
    assert status == 200, web.log_tail()
    whoami = re.search(r'<span class="whoami">([^<]+)</span>', page).group(1)
    assert "S001" in whoami
    assert 'name="password"' not in page
    # and the production settings are in force (no debug page, the request went through gunicorn)
    status, _headers, page = browser.request("/promo/999999999/")
    assert status == 404 and "Traceback" not in page
    assert '"GET /promo/ HTTP/1.1" 200' in web.log_tail()  # the access log goes to stdout
    # and the worker was forked from a master that had loaded and warmed the portal already
    assert re.search(r"warmed up: \d{2,} templates parsed", web.log_tail()), web.log_tail()
