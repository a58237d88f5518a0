"""Production: everything comes from the environment; insecure defaults are refused, and the
defaults are the secure ones, so ``manage.py check --deploy`` with only SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL set finds nothing to warn about.

Behind a TLS-terminating proxy the portal sees plain HTTP: the proxy must send
``X-Forwarded-Proto: https`` (SECURE_PROXY_SSL_HEADER) or every request is redirected. A test or
a demo that serves plain HTTP on loopback sets SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS,
SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE to false/0."""

from django.core.exceptions import ImproperlyConfigured

from config.django.base import *  # noqa: F403
from config.env import env, env_bool, env_int, env_list

if not env("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production")
DEBUG = False
DEMO_USERS_ALLOWED = False  # seed_demo refuses the demo users unless --force-demo-users

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Paths answered over plain HTTP too (regular expressions without the leading slash), e.g. a
# load balancer's health check: SECURE_REDIRECT_EXEMPT=^login/$
SECURE_REDIRECT_EXEMPT = env_list("SECURE_REDIRECT_EXEMPT", [])
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
# "header,value" as the proxy sends it (Django's META name), or empty for none.
_proxy_header = env_list("SECURE_PROXY_SSL_HEADER", ["HTTP_X_FORWARDED_PROTO", "https"])
if _proxy_header and len(_proxy_header) != 2:
    raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be «HEADER,value», e.g. HTTP_X_FORWARDED_PROTO,https")
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) if _proxy_header else None
