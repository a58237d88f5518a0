"""The API's answer to a refused workflow action (promo/services/errors.py), in one place: the
same meaning as on the pages (``promo.views.promos.refusal_status``) — not found 404, not
allowed 403, illegal in the promo's state or stale 409, invalid input 400 — with the API's
error body (``config/api_exceptions.py``: ``code`` is the refusal's code, ``message`` its text).

The mapping is registered with the project's exception handler when this module is imported
(the promo API's URLs import it), so any DRF view that lets a refusal propagate answers it;
:class:`RefusalsMixin` is kept for the viewsets that name it."""

from __future__ import annotations

from rest_framework.settings import api_settings

from config.api_exceptions import ApiError, register_error_mapper
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


@register_error_mapper
def refusal_error(exc: Exception) -> ApiError | None:
    """A typed refusal -> its status, code and message; anything else -> None."""
    if not isinstance(exc, WorkflowError):
        return None
    status = next(code for kind, code in REFUSAL_STATUS.items() if isinstance(exc, kind))
    return ApiError(exc.message, code=exc.code, status_code=status)


class RefusalsMixin:
    """A viewset whose actions call the promo services (the project's handler answers their
    refusals; this makes the dependency explicit where a viewset is read)."""

    def get_exception_handler(self):
        return api_settings.EXCEPTION_HANDLER
