"""Security that holds in every settings layer: sign-in lockout (django-axes), API tokens with an
expiry (django-rest-knox), API throttling, the Content-Security-Policy (django-csp), the
Permissions-Policy header and who may read the API docs.

The production-only transport settings (HTTPS redirect, HSTS, secure cookies, the proxy header)
are in ``config/django/production.py``. docs/operations.md («Безопасность / Security») explains
each setting to an operator."""

import os
from datetime import timedelta

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import env, env_bool, env_int

# --- sign-in lockout (django-axes) ---------------------------------------------------------------
# LOGIN_FAILURE_LIMIT failed sign-ins for one username within LOGIN_LOCKOUT_MINUTES lock that
# username for LOGIN_LOCKOUT_MINUTES; failures for LOGIN_USERNAME_LIMIT_PER_IP different usernames
# from one address (password spraying) lock that address. Usernames, not failures: one client
# retrying a wrong password behind an office NAT must not lock the whole office out. The login page, Django admin's login and the
# API token endpoint all count, since they all go through django.contrib.auth.authenticate().
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
LOGIN_USERNAME_LIMIT_PER_IP = env_int("LOGIN_USERNAME_LIMIT_PER_IP", 20)
if os.environ.get("LOGIN_FAILURE_LIMIT_PER_IP"):
    # It counted failures; ignoring it would silently change a deployment's lockout.
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT_PER_IP is gone: the address lockout counts different "
                               "usernames now. Set LOGIN_USERNAME_LIMIT_PER_IP instead (docs/operations.md).")
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
# Proxies in front of the web process that append to X-Forwarded-For (0: the TCP peer is the
# client). Used for the per-address lockout and the anonymous API throttle alike; never more
# than really exist, or a client can pick its own address.
NUM_PROXIES = env_int("NUM_PROXIES", 0)

AXES_ENABLED = env_bool("LOGIN_LOCKOUT_ENABLED", True)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "accounts.lockout.PortalAxesHandler"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
# A right password clears that username's failures (not the address's: see PortalAxesHandler).
AXES_RESET_ON_SUCCESS = True
# A lockout lasts LOGIN_LOCKOUT_MINUTES from the failure that caused it; tries during it are
# refused without prolonging it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_SENSITIVE_PARAMETERS = ["password"]

# --- API tokens (django-rest-knox) ---------------------------------------------------------------
# Only a hash of each token is stored; a token expires API_TOKEN_TTL_DAYS after it was issued
# (no sliding renewal: a client rotates before then, see README «API»).
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 30)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

# --- API throttling (DRF) -----------------------------------------------------------------------
# Rates as DRF writes them ("2000/hour", "60/min"); counters live in the default cache (see
# CACHES in base.py: shared between processes only with a shared cache).
API_THROTTLE_RATES = {
    "user": env("API_THROTTLE_USER", "2000/hour"),
    "anon": env("API_THROTTLE_ANON", "300/hour"),
    "token": env("API_THROTTLE_TOKEN", "30/minute"),
}

# --- API docs ----------------------------------------------------------------------------------
# /api/schema/, /api/docs/ and /api/redoc/ are for signed-in users (or a token) unless opened.
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", False)

# --- Content-Security-Policy (django-csp) --------------------------------------------------------
# Scripts and styles come from the portal's own static files only: no inline <script>, no
# on*= handlers, no style= attributes in templates (tests/test_security_headers.py checks them
# and every crawled page). ReDoc widens style-src and worker-src (config/api_docs.py); Django
# admin and DRF's browsable API, whose templates are not ours, get inline styles (not scripts).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

CSP_INLINE_STYLE_PATHS = ["/admin/", "/api/v1/"]

# --- Permissions-Policy (config.middleware.PermissionsPolicyMiddleware) -------------------------
# Browser features the portal never uses, switched off for it and anything it embeds.
PERMISSIONS_POLICY = {
    feature: [] for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "usb", "screen-wake-lock",
        "xr-spatial-tracking", "browsing-topics",
    )
}
