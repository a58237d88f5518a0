"""The API's answer to a refused workflow action (promo/services/errors.py), in one place: the
same meaning as on the pages (``promo.views.promos.refusal_status``) — not found 404, not
allowed 403, illegal in the promo's state or stale 409, invalid input 400 — with the body
``{"detail", "code"}`` of the API's other errors. Viewsets that call the promo services take
:class:`RefusalsMixin`; everything else goes on to the project's handler
(``config/api_exceptions.py``)."""

from __future__ import annotations

from rest_framework.response import Response
from rest_framework.settings import api_settings

from promo.services.errors import (
    IllegalStateError,
    InvalidError,
    NotAllowedError,
    NotFoundError,
    StaleVersionError,
    WorkflowError,
)

REFUSAL_STATUS = {
    NotFoundError: 404,
    NotAllowedError: 403,
    IllegalStateError: 409,
    StaleVersionError: 409,
    InvalidError: 400,
}


def refusal_response(exc: WorkflowError) -> Response:
    """The status of the refusal's type, the message and the code."""
    status = next(code for kind, code in REFUSAL_STATUS.items() if isinstance(exc, kind))
    return Response({"detail": exc.message, "code": exc.code}, status=status)


def exception_handler(exc, context) -> Response | None:
    if isinstance(exc, WorkflowError):
        return refusal_response(exc)
    return api_settings.EXCEPTION_HANDLER(exc, context)


class RefusalsMixin:
    """A viewset whose actions call the promo services: a refusal propagates out of the action
    and is answered here."""

    def get_exception_handler(self):
        return exception_handler
