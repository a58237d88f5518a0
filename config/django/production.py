"""Production: everything comes from the environment; insecure defaults are refused."""

from django.core.exceptions import ImproperlyConfigured

from config.django.base import *  # noqa: F403
from config.env import env, env_bool, env_int, env_list

if not env("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production")
DEBUG = False
# The agreed names (i15-harden owns the hardening; these defaults are theirs). Plain HTTP on
# loopback (the gunicorn test, `make bench-web`) turns the first four off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_PROXY_SSL_HEADER = tuple(env_list("SECURE_PROXY_SSL_HEADER", ["HTTP_X_FORWARDED_PROTO", "https"])) or None
