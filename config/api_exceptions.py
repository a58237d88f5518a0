"""The API's error bodies: one shape for every error the API answers, in the portal's language.

    {"code": "invalid", "message": "Поле «version»: Обязательное поле.",
     "fields": {"version": ["Обязательное поле."]}, "detail": "Поле «version»: Обязательное поле."}

- ``code``: what went wrong, for programs. ``invalid`` means the request does not fit the schema
  (a field missing or of the wrong type, an unknown filter value, a bad page number): ``fields``
  then names each offending field or query parameter. ``parse_error`` / ``no_data``: the body
  could not be read. Any other code on a 400 names the business rule that refused the request
  (``comment_empty``, ``end_not_later``...); on the other statuses it names the refusal
  (``not_authenticated``, ``permission_denied``, ``not_found``, ``illegal_state``,
  ``stale_version``, ``throttled``, ``locked_out``...).
- ``message``: what went wrong, for people (Russian unless the caller chose English).
- ``fields``: ``{name: [messages]}``, empty when the error is not about a field. Nested fields are
  dotted (``lines.0.price``).
- ``detail``: **deprecated**, the same text as ``message``; kept for the integrators who read
  ``detail`` before (DRF's key) until API v2.

:func:`exception_handler` (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``) builds it for every
exception a DRF view raises: DRF's own (validation, parse errors, 401, 403, 404, 405, 406, 415,
429), Django's ``Http404`` / ``PermissionDenied`` / ``RequestDataTooBig`` (413), :class:`ApiError`
(a view's own refusal) and the typed errors of the apps' services, which each app maps once to an
:class:`ApiError` with :func:`register_error_mapper` (``promo/api/errors.py``). Responses Django
answers before a view runs (a URL no route matches, e.g. a malformed id) get the same body from
:func:`api_error_page` under ``/api/`` (``handler404`` & co. in ``config/urls.py``). The schema
documents the shape once, as :class:`ErrorSerializer` (``config/api_schema.py``)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

BODY_UNREADABLE = _("Тело запроса не удалось разобрать: пришлите корректный JSON "
                    "(или multipart/form-data для файла).")
BODY_EMPTY = _("В запросе нет данных: пришлите объект JSON с полями.")
BODY_TOO_LARGE = _("Запрос слишком велик: тело запроса больше %(megabytes)s МБ.")
THROTTLED = _("Слишком много запросов: повторите через %(seconds)s с.")
ONE_FIELD = _("Поле «%(field)s»: %(error)s")
SEVERAL_FIELDS = _("Проверьте поля запроса: %(fields)s.")
CSRF_FAILED = _("Запрос без CSRF-токена: при входе через сессию пришлите заголовок X-CSRFToken "
                "(или используйте токен API).")
FORM_EXPIRED = _("Форма устарела (например, вы вошли заново в другой вкладке), поэтому ничего не изменено. "
                 "Вернитесь назад, обновите страницу и отправьте форму ещё раз.")
SERVER_ERROR = _("Ошибка сервера: попробуйте повторить запрос через минуту. Данные не изменены.")
BAD_REQUEST = _("Некорректный запрос.")

INVALID = "invalid"  # the code of a request that does not fit the schema
_DJANGO_NOT_FOUND = re.compile(r"^No \w+ matches the given query\.$")


class ErrorSerializer(serializers.Serializer):
    """The body of every error the API answers."""

    code = serializers.CharField(help_text="What went wrong, for programs: `invalid` (the request does not fit "
                                           "the schema; `fields` names the fields), or the refusal's or "
                                           "rule's own code (`not_found`, `stale_version`, `throttled`...).")
    message = serializers.CharField(help_text="What went wrong, for people (Russian by default).")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Errors by field or query parameter (`{\"version\": [\"…\"]}`; nested ones dotted: "
                  "`lines.0.price`); empty when the error is not about a field.")
    detail = serializers.CharField(help_text="Deprecated: the same text as `message`, kept for earlier "
                                             "integrators until API v2.")


def error_body(code: str, message, fields: dict[str, list[str]] | None = None) -> dict:
    """The error body (see the module's docstring)."""
    message = str(message)
    return {"code": code, "message": message, "fields": fields or {}, "detail": message}


class ApiError(exceptions.APIException):
    """A refusal with its status, code, message and (optionally) field errors: a view raises it,
    or an app maps its services' typed errors to it (:func:`register_error_mapper`)."""

    def __init__(self, message, *, code: str, status_code: int = status.HTTP_400_BAD_REQUEST,
                 fields: dict[str, list] | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail=str(message), code=code)
        self.status_code = status_code
        self.code = code
        self.fields = {name: [str(error) for error in errors] for name, errors in (fields or {}).items()}
        self.headers = headers or {}


# The typed errors of the apps' services, each mapped once by its app (promo/api/errors.py).
_MAPPERS: list[Callable[[Exception], ApiError | None]] = []


def register_error_mapper(mapper: Callable[[Exception], ApiError | None]) -> Callable:
    """Register ``mapper(exc) -> ApiError | None`` for the exceptions of an app's services."""
    if mapper not in _MAPPERS:
        _MAPPERS.append(mapper)
    return mapper


def flatten_errors(detail, prefix: str = "") -> dict[str, list]:
    """DRF's nested validation errors -> ``{"a.0.b": [ErrorDetail, ...]}`` (non-field errors
    under ``api_settings.NON_FIELD_ERRORS_KEY``)."""
    if isinstance(detail, dict):
        flat: dict[str, list] = {}
        for key, value in detail.items():
            name = str(key) if not prefix else (prefix if key == api_settings.NON_FIELD_ERRORS_KEY
                                               else f"{prefix}.{key}")
            for path, errors in flatten_errors(value, name).items():
                flat.setdefault(path, []).extend(errors)
        return flat
    if isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        flat = {}
        for index, value in enumerate(detail):
            for path, errors in flatten_errors(value, f"{prefix}.{index}" if prefix else str(index)).items():
                flat.setdefault(path, []).extend(errors)
        return flat
    errors = detail if isinstance(detail, list) else [detail]
    return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [error for error in errors if str(error)]}


def validation_body(exc: exceptions.ValidationError) -> dict:
    flat = {name: errors for name, errors in flatten_errors(exc.detail).items() if errors}
    general = flat.pop(api_settings.NON_FIELD_ERRORS_KEY, [])
    if [str(error) for error in general] == ["No data provided"] and not flat:
        return error_body("no_data", BODY_EMPTY)  # DRF's answer to a JSON ``null`` body
    fields = {name: [str(error) for error in errors] for name, errors in flat.items()}
    if not fields:
        code = getattr(general[0], "code", None) if general else None
        return error_body(code or INVALID, " ".join(str(error) for error in general) or BAD_REQUEST)
    if len(fields) == 1 and len(next(iter(fields.values()))) == 1:
        ((name, (error,)),) = fields.items()
        message = ONE_FIELD % {"field": name, "error": error}
    else:
        message = SEVERAL_FIELDS % {"fields": ", ".join(f"«{name}»" for name in fields)}
    return error_body(INVALID, " ".join([*(str(error) for error in general), str(message)]), fields)


def _as_api_exception(exc: Exception) -> Exception:
    """Django's exceptions, and the typed errors of the apps' services, as DRF exceptions."""
    for mapper in _MAPPERS:
        mapped = mapper(exc)
        if mapped is not None:
            return mapped
    if isinstance(exc, Http404):
        message = str(exc.args[0]) if exc.args else ""
        return exceptions.NotFound(None if not message or _DJANGO_NOT_FOUND.match(message) else message)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, RequestDataTooBig):
        return body_too_large()
    return exc


def body_too_large() -> ApiError:
    megabytes = math.ceil(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024)
    return ApiError(BODY_TOO_LARGE % {"megabytes": megabytes}, code="too_large",
                    status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


def exception_handler(exc, context) -> Response | None:
    """``REST_FRAMEWORK["EXCEPTION_HANDLER"]``: every error a view raises -> the error body.
    Anything else (a bug) is left to Django: a 500, logged, with the same body under /api/."""
    exc = _as_api_exception(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    if isinstance(exc, ApiError):
        body = error_body(exc.code, exc.detail, exc.fields)
        headers.update(exc.headers)
    elif isinstance(exc, exceptions.ValidationError):
        body = validation_body(exc)
    elif isinstance(exc, exceptions.ParseError) and str(exc.detail).startswith(
            ("JSON parse error", "Multipart form parse error")):
        body = error_body("parse_error", BODY_UNREADABLE)
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        body = error_body("csrf_failed", CSRF_FAILED)  # SessionAuthentication's (English) refusal
    elif isinstance(exc, exceptions.Throttled):
        # DRF's wait is None when a throttle's history is over a rate lowered since: the schema
        # promises Retry-After on every 429, so the answer says "1 s" rather than nothing.
        wait = math.ceil(exc.wait or 1)
        body = error_body("throttled", THROTTLED % {"seconds": wait})
        headers["Retry-After"] = str(wait)
    else:
        detail = exc.detail if isinstance(exc.detail, str) else " ".join(map(str, exc.detail))
        body = error_body(getattr(exc.detail, "code", None) or exc.default_code, detail)
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):  # a lockout (accounts/lockout.py: LockedOut)
        headers.setdefault("Retry-After", str(math.ceil(exc.wait)))
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


# --- Django's own error answers under /api/ (config/urls.py: handler400, 403, 404, 500) -----------

def _api_path(request) -> bool:
    return request.path.startswith("/api/")


def api_error_page(status_code: int, code: str, message) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code, json_dumps_params={"ensure_ascii": False})


def bad_request(request, exception, template_name="400.html"):
    if _api_path(request):
        if isinstance(exception, RequestDataTooBig):
            error = body_too_large()
            return api_error_page(error.status_code, error.code, error.detail)
        return api_error_page(400, "bad_request", BAD_REQUEST)
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name="403.html"):
    if _api_path(request):
        return api_error_page(403, "permission_denied", exceptions.PermissionDenied.default_detail)
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name="404.html"):
    if _api_path(request):
        return api_error_page(404, "not_found", exceptions.NotFound.default_detail)
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name="500.html"):
    if _api_path(request):
        return api_error_page(500, "server_error", SERVER_ERROR)
    return defaults.server_error(request, template_name)


def csrf_failure(request, reason: str = "") -> object:
    """``settings.CSRF_FAILURE_VIEW``: a form sent with a stale or missing CSRF token (a tab left
    open while the person signed in again elsewhere) gets the portal's 403 page saying what to do,
    in the person's language; under /api/ the error body. Django's own page was a developer's
    explanation, outside the portal's layout, its styles blocked by the CSP."""
    if _api_path(request):
        return api_error_page(403, "csrf_failed", CSRF_FAILED)
    return defaults.permission_denied(request, DjangoPermissionDenied(FORM_EXPIRED))
