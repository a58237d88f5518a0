"""API throttling and the one rule for "which address is the client".

The rates are ``settings.API_THROTTLE_RATES`` (``config/settings/security.py``), read when a
request is checked rather than when DRF is imported, so a deployment (or a test) can change them
without a restart of the import machinery. A throttled call answers 429 with ``Retry-After`` and
the portal's error body (``config/api_exceptions.py``)."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, SimpleRateThrottle, UserRateThrottle


def client_address(request) -> str | None:
    """The client's IP address: the TCP peer, or the entry ``NUM_PROXIES`` trusted proxies added
    to X-Forwarded-For (DRF's rule). The sign-in lockout counts by the same address."""
    return BaseThrottle().get_ident(request)


class _SettingsRate:
    def get_rate(self):
        return settings.API_THROTTLE_RATES[self.scope]


class UserThrottle(_SettingsRate, UserRateThrottle):
    """Per signed-in user (by address for anonymous calls): ``API_THROTTLE_RATES["user"]``."""


class AnonThrottle(_SettingsRate, AnonRateThrottle):
    """Anonymous calls per address: ``API_THROTTLE_RATES["anon"]``."""


class TokenThrottle(_SettingsRate, SimpleRateThrottle):
    """The token endpoint per address, on top of the sign-in lockout: ``API_THROTTLE_RATES["token"]``."""

    scope = "token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
