"""The API's error bodies in the portal's language.

Three answers DRF or Django word in English whatever the language get a Russian one:
- a body it cannot parse ("JSON parse error - …", "Multipart form parse error - …") and a JSON
  ``null`` body ("No data provided"): a message with a ``code``, like the API's other errors;
- ``get_object_or_404``'s "No Promo matches the given query." (never translated): DRF's own
  translated «not found»;
- a throttled call (429): a Russian message saying when to try again, ``code: "throttled"``,
  and the ``Retry-After`` header (seconds). A locked-out sign-in at the token endpoint answers
  the same way with ``code: "locked_out"`` (``accounts/lockout.py``).
Everything else is DRF's own handling (its messages come from its catalogue, and from
``locale/ru`` for the ones it lacks)."""

import math
import re

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import APIException, NotFound, ParseError, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

BODY_UNREADABLE = _("Тело запроса не удалось разобрать: пришлите корректный JSON "
                    "(или multipart/form-data для файла).")
BODY_EMPTY = _("В запросе нет данных: пришлите объект JSON с полями.")
THROTTLED = _("Слишком много запросов: повторите через %(seconds)s с.")
_DJANGO_NOT_FOUND = re.compile(r"^No \w+ matches the given query\.$")


class ErrorBodySerializer(serializers.Serializer):
    """The body of a refusal that is not about one field (for the schema)."""

    detail = serializers.CharField(help_text="What went wrong, for people (Russian by default).")
    code = serializers.CharField(help_text="What went wrong, for programs (e.g. throttled, locked_out).")


def _is_no_data(exc: ValidationError) -> bool:
    """DRF's answer to a JSON ``null`` body: ``{"non_field_errors": ["No data provided"]}``."""
    errors = exc.detail.get(api_settings.NON_FIELD_ERRORS_KEY) if isinstance(exc.detail, dict) else None
    return len(exc.detail) == 1 and [str(error) for error in errors or ()] == ["No data provided"]


def exception_handler(exc, context) -> Response | None:
    if isinstance(exc, ParseError) and str(exc.detail).startswith(("JSON parse error", "Multipart form parse error")):
        return Response({"detail": str(BODY_UNREADABLE), "code": "parse_error"}, status=exc.status_code)
    if isinstance(exc, Http404) and (not exc.args or _DJANGO_NOT_FOUND.match(str(exc.args[0]))):
        exc = NotFound()
    if isinstance(exc, ValidationError) and _is_no_data(exc):
        return Response({"detail": str(BODY_EMPTY), "code": "no_data"}, status=exc.status_code)
    if isinstance(exc, Throttled):
        wait = math.ceil(exc.wait or 1)
        return Response({"detail": str(THROTTLED) % {"seconds": wait}, "code": "throttled"},
                        status=exc.status_code, headers={"Retry-After": str(wait)})
    response = drf_exception_handler(exc, context)
    if isinstance(exc, APIException) and exc.status_code == 429 and isinstance(exc.detail, str):
        response.data["code"] = exc.detail.code  # another 429 (the sign-in lockout): the same shape
    return response
