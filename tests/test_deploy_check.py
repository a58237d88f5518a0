"""The production settings are secure by themselves: ``check --deploy`` with only SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL set finds nothing; plain HTTP is redirected to HTTPS, HSTS and
secure cookies are on; each of them is an environment setting for a TLS-terminating proxy or a
loopback test."""

import json

from tests.settings_layers import production_env, run_django

PRODUCTION = "config.django.production"
SHOW_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
    "'redirect': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, 'session': s.SESSION_COOKIE_SECURE,"
    "'csrf': s.CSRF_COOKIE_SECURE, 'proxy': s.SECURE_PROXY_SSL_HEADER, 'debug': s.DEBUG}))"
)
REQUESTS = (
    "import django, json; django.setup(); from django.test import Client; c = Client();"
    "plain = c.get('/login/'); tls = c.get('/login/', headers={'x-forwarded-proto': 'https'});"
    "print(json.dumps({'plain': [plain.status_code, plain.get('Location')], 'tls': tls.status_code,"
    "'hsts': tls.get('Strict-Transport-Security'), 'cookie': str(tls.cookies.get('csrftoken'))}))"
)


def test_check_deploy_with_the_documented_environment_prints_no_warning():
    # given only the three documented variables
    result = run_django(PRODUCTION, ["manage.py", "check", "--deploy"], production_env())
    # then the deploy check passes and says there is nothing to fix
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output and "security.W" not in output


def test_production_refuses_to_start_without_a_secret_key():
    environment = production_env()
    del environment["SECRET_KEY"]
    result = run_django(PRODUCTION, ["manage.py", "check"], environment)
    assert result.returncode != 0 and "SECRET_KEY must be set in production" in result.stderr


def test_the_secure_defaults_and_their_settings():
    # given the defaults, then HTTPS only, HSTS for a year, secure cookies, the proxy's header
    defaults = json.loads(run_django(PRODUCTION, ["-c", SHOW_SETTINGS], production_env()).stdout)
    assert defaults == {"redirect": True, "hsts": 31536000, "session": True, "csrf": True,
                        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"], "debug": False}
    # when a loopback test turns them off (the agreed names), then they are off
    plain = json.loads(run_django(PRODUCTION, ["-c", SHOW_SETTINGS], production_env(
        SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0", SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false", SECURE_PROXY_SSL_HEADER="HTTP_X_SCHEME,https")).stdout)
    assert plain == {"redirect": False, "hsts": 0, "session": False, "csrf": False,
                     "proxy": ["HTTP_X_SCHEME", "https"], "debug": False}


def test_plain_http_is_redirected_and_https_gets_hsts():
    result = run_django(PRODUCTION, ["-c", REQUESTS], production_env())
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["plain"] == [301, "https://testserver/login/"]
    assert answers["tls"] == 200
    assert answers["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "secure" in answers["cookie"].lower()


def test_the_renamed_address_lockout_setting_is_refused_not_ignored():
    # given a deployment that still sets the old per-address failure limit
    result = run_django(PRODUCTION, ["manage.py", "check"], production_env(LOGIN_FAILURE_LIMIT_PER_IP="50"))
    # then it does not start with a lockout it did not ask for, and says what to set instead
    assert result.returncode != 0 and "Set LOGIN_USERNAME_LIMIT_PER_IP instead" in result.stderr


ROTATION_CHECK = """
import django
django.setup()
from django.core import signing
import os
old = signing.dumps("session of yesterday", key=os.environ["OLD_KEY"])
print(signing.loads(old))
"""


def test_after_a_key_rotation_what_the_old_key_signed_stays_valid_with_it_as_a_fallback():
    # given a rotated SECRET_KEY with the key before it in SECRET_KEY_FALLBACKS
    old = "an-old-production-key-" + "x" * 40
    env = production_env(SECRET_KEY_FALLBACKS=old, OLD_KEY=old)
    # when a value the old key signed (a session, a reset link) is read
    result = run_django("config.django.production", ["-c", ROTATION_CHECK], env)
    # then it is still valid: nobody is signed out by the rotation
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "session of yesterday"
