"""The API's error bodies in the portal's language.

DRF words a body it cannot parse in English whatever the language ("JSON parse error -
Expecting value…", "Multipart form parse error - …"): such a request gets a Russian message
instead, with a ``code`` like the rest of the API's errors. Everything else is DRF's own
handling (its messages come from its catalogue and ``locale/ru`` for the ones it lacks)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

BODY_UNREADABLE = _("Тело запроса не удалось разобрать: пришлите корректный JSON "
                    "(или multipart/form-data для файла).")


def exception_handler(exc, context) -> Response | None:
    if isinstance(exc, ParseError) and str(exc.detail).startswith(("JSON parse error", "Multipart form parse error")):
        return Response({"detail": str(BODY_UNREADABLE), "code": "parse_error"}, status=exc.status_code)
    return drf_exception_handler(exc, context)
