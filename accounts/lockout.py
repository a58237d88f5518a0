"""Sign-in lockout (django-axes) with the portal's two limits, its client address and its answer.

django-axes records each failed sign-in (login page, Django admin, the API token endpoint: all
call ``django.contrib.auth.authenticate``) and refuses a locked-out one before the password is
checked. Axes has one limit for all its lockout parameters; the portal wants two:

- ``LOGIN_FAILURE_LIMIT`` failures for one username (10 by default) lock that username;
- failures for ``LOGIN_USERNAME_LIMIT_PER_IP`` different usernames from one address (20) lock
  that address (password spraying from one machine). Distinct usernames, not failures: a client
  retrying one expired password behind an office NAT locks only that username (at the first
  limit), never the address, so the rest of the office still signs in;

each for ``LOGIN_LOCKOUT_MINUTES`` (15) after the last counted failure. An administrator unlocks
early in Django admin («Попытки доступа»: delete the rows of that username or address) or with
``manage.py axes_reset_username NAME`` / ``axes_reset_ip ADDRESS``."""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException

from config.api_exceptions import error_body
from config.throttling import client_address

LOCKED_OUT_CODE = "locked_out"


def lockout_message() -> str:
    return _("Слишком много неудачных попыток входа: вход временно закрыт на %(minutes)s мин. "
             "Попробуйте позже или попросите администратора портала снять блокировку.") % {
        "minutes": settings.LOGIN_LOCKOUT_MINUTES}


def lockout_seconds() -> int:
    """How long a lockout lasts at most (the ``Retry-After`` of the answer)."""
    return settings.LOGIN_LOCKOUT_MINUTES * 60


def client_ip(request) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the same client address as the API throttle."""
    return client_address(request)


class PortalAxesHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per username and another per address."""

    def get_failures(self, request, credentials=None) -> int:
        # AXES_LOCKOUT_PARAMETERS is ["username", "ip_address"]: one queryset for each, in that order.
        # The username's failures are summed; the address counts the distinct usernames that
        # failed from it (a row per username, address and user agent, within the window).
        username_attempts, address_attempts = self.get_user_attempts(request, credentials)
        by_username = username_attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        by_address = address_attempts.values("username").distinct().count()
        # Axes compares the result with AXES_FAILURE_LIMIT (= LOGIN_FAILURE_LIMIT). The address
        # count is scaled so that it reaches that number exactly at LOGIN_USERNAME_LIMIT_PER_IP:
        # by_address * U // A >= U  <=>  by_address >= A.
        scaled = by_address * settings.LOGIN_FAILURE_LIMIT // max(settings.LOGIN_USERNAME_LIMIT_PER_IP, 1)
        return max(by_username, scaled)

    def reset_user_attempts(self, request, credentials=None) -> int:
        # A right password clears that username's failures only. Axes' own reset also clears
        # every failure from the same address, which would let someone who sprays passwords
        # from one machine wipe the count by signing in to an account of their own.
        username = get_client_username(request, credentials)
        count, _deleted = AccessAttempt.objects.filter(username=username).delete()
        return count


class LockedOut(APIException):
    """The API's answer to a locked-out sign-in (the token endpoint): 429, like a throttle."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = LOCKED_OUT_CODE

    def __init__(self):
        super().__init__(detail=lockout_message(), code=LOCKED_OUT_CODE)
        self.wait = lockout_seconds()


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: the login page again with the lockout message (429), or the
    API's error body for an API path."""
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body(LOCKED_OUT_CODE, lockout_message()),
                                status=status.HTTP_429_TOO_MANY_REQUESTS, json_dumps_params={"ensure_ascii": False})
    else:
        username = get_client_username(request, credentials) or ""
        context = {
            "form": AuthenticationForm(request, initial={"username": username}),
            "locked_out": True,
            "lockout_message": lockout_message(),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        }
        response = render(request, "registration/login.html", context,
                          status=status.HTTP_429_TOO_MANY_REQUESTS)
    response["Retry-After"] = str(lockout_seconds())
    return response
