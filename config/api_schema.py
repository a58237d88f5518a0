"""The API's OpenAPI schema (drf-spectacular): every operation documents every status it can
answer. The errors come from one shared set per kind of operation, all with the one error body
(``config.api_exceptions.ErrorSerializer``, component ``Error``):

| status | documented on |
| --- | --- |
| 400 | an operation with query parameters or a request body |
| 401 | an operation that needs credentials |
| 403 | a write with session sign-in (CSRF), a view with a permission beyond "signed in" |
| 404 | an operation with an id in its path; a paginated answer (``?page=`` past the last) |
| 406 | every operation (an ``Accept`` it cannot answer) |
| 413, 415 | an operation with a request body (too large; a ``Content-Type`` it does not read) |
| 429 | every operation (throttling; ``Retry-After``) |

A view declares only what is its own, with its own wording: its success bodies and a status
the shared set lacks (409 for a workflow action), e.g. ``responses={200: X, 409:
error_response("…")}``; a declared status wins over the shared description. Query parameters
are read strictly (``config/filters.py``, ``config/pagination.py``), so what the schema allows
the view accepts, and what it does not is a 400 naming the parameter."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication

from config.api_exceptions import ErrorSerializer

JSON = "application/json"
PAGE = "page"  # the query parameter of a paginated answer (config/pagination.py)

ERROR_DESCRIPTIONS = {
    "400": "The request does not fit the schema (`code: invalid`; `fields` names each field or query "
           "parameter), its body could not be read (`parse_error`, `no_data`), or a business rule refused "
           "it (`code` names the rule, `message` says it).",
    "401": "No credentials, or an invalid or expired token (`not_authenticated`, `authentication_failed`).",
    "403": "The caller's role or grants do not allow this (`permission_denied`, `not_allowed`), or a "
           "session call without its CSRF token.",
    "404": "No such object among those the caller may see, a malformed id, or a page past the last "
           "(`not_found`).",
    "406": "The `Accept` header asks for a format this operation does not answer in (`not_acceptable`).",
    "409": "The object's state does not allow this now (`illegal_state` and the like), or it changed "
           "since the `version` sent (`stale_version`: reload and retry).",
    "413": "The request body is above the size limit (`too_large`).",
    "415": "The body's `Content-Type` is not one this operation reads (`unsupported_media_type`).",
    "429": "Too many calls (`throttled`) or failed sign-ins (`locked_out`); retry after `Retry-After` seconds.",
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "required": True,
                               "description": "Seconds to wait before the next call."}}
# Permission classes that mean no more than "signed in" (or nobody at all).
PLAIN_PERMISSIONS = (permissions.AllowAny, permissions.IsAuthenticated)


def error_response(description: str | None = None, status: int | str | None = None) -> OpenApiResponse:
    """A documented error of a view's own (the shared description of ``status`` by default)."""
    return OpenApiResponse(ErrorSerializer, description=description or ERROR_DESCRIPTIONS[str(status)])


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the shared error responses of each operation."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in self.error_statuses(operation):
            if status not in responses:
                responses[status] = self._get_response_for_code(
                    error_response(status=status), status, media_types=[JSON])
        for status, response in responses.items():
            # An error is JSON whatever the operation's success body is (a PDF, a workbook).
            if status >= "400" and response.get("content"):
                response["content"] = {JSON: response["content"].get(JSON) or next(iter(response["content"].values()))}
        if "429" in responses:
            responses["429"].setdefault("headers", {}).update(RETRY_AFTER)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_statuses(self, operation: dict) -> set[str]:
        statuses = {"406", "429"}
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        if has_body or any(parameter["in"] == "query" for parameter in parameters):
            statuses.add("400")
        security = operation.get("security") or []
        if security and {} not in security:
            statuses.add("401")
        unsafe = self.method not in permissions.SAFE_METHODS
        session = any(isinstance(auth, SessionAuthentication) for auth in self.view.get_authenticators())
        extra_permissions = any(not isinstance(permission, PLAIN_PERMISSIONS)
                                for permission in self.view.get_permissions())
        if (unsafe and session) or extra_permissions:
            statuses.add("403")
        paginated = any(parameter["in"] == "query" and parameter["name"] == PAGE for parameter in parameters)
        if paginated or any(parameter["in"] == "path" for parameter in parameters):
            statuses.add("404")
        if has_body:
            statuses |= {"413", "415"}
        return statuses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A list of objects (``many=True``) keeps its length limits in the schema: drf-spectacular
        # drops ``allow_empty=False``, ``min_length`` and ``max_length``, and a client would send
        # an empty list the schema allows, to be refused as not fitting it.
        if direction == "request" and isinstance(field, serializers.ListSerializer) and schema:
            least = max(field.min_length or 0, 0 if field.allow_empty else 1)
            if least:
                schema["minItems"] = least
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        return schema

    def _get_format_parameters(self):
        # ``?format=`` picks a renderer; no operation needs it (the PDF is the PDF), so the
        # schema does not offer it.
        return []


def request_bodies_are_closed(result, generator, request, public):
    """``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``: every object a request body is made of
    (the body's component and the components it nests) is ``additionalProperties: false``, as
    the views read it (``config.api_fields.StrictBodySerializer``: an undeclared field is a 400).
    Responses keep the default: a client reads the fields it knows."""
    schemas = result.get("components", {}).get("schemas", {})
    seen: set[str] = set()

    def close(schema: dict) -> None:
        if not isinstance(schema, dict):
            return
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen and name in schemas:
                seen.add(name)
                close(schemas[name])
            return
        if schema.get("type") == "object" and "properties" in schema:
            schema.setdefault("additionalProperties", False)
        for child in (*schema.get("properties", {}).values(), schema.get("items"),
                      *schema.get("allOf", ()), *schema.get("oneOf", ()), *schema.get("anyOf", ())):
            close(child)

    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for content in ((operation.get("requestBody") or {}).get("content") or {}).values():
                close(content.get("schema"))
    return result
