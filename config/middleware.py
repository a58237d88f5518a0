"""The portal's own middleware.

Language selection: Russian unless the person picked another language with the switch.
Django's LocaleMiddleware also honours the browser's Accept-Language header, which would show
an English UI to anyone whose browser is set to English; the portal's users expect Russian by
default, so only the explicit choice (the language cookie set by /i18n/setlang/) counts. One
exception: an API call made without a browser session (a program with a token, or asking for
one, which has no cookie and no language switch) may ask for English with ``Accept-Language: en``;
a signed-in browser (the browsable API, the docs) is never switched by its header.

Content-Security-Policy: django-csp's middleware with one widening: pages the portal does not
write itself (Django admin, DRF's browsable API) carry a few ``style=`` attributes, so under
``settings.CSP_INLINE_STYLE_PATHS`` inline styles (never scripts) are allowed.

Permissions-Policy: the browser features the portal never uses are switched off
(``settings.PERMISSIONS_POLICY``)."""

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class PortalLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in self.supported and self.is_program(request):
            chosen = translation.get_language_from_request(request)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        if self.is_program(request):
            patch_vary_headers(response, ("Accept-Language",))
        return response

    @staticmethod
    def is_program(request) -> bool:
        """An API call by a program: a token in the header, or no browser session at all."""
        return request.path_info.startswith("/api/") and (
            "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME not in request.COOKIES)


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """``{"camera": [], "fullscreen": ["self"]}`` -> ``camera=(), fullscreen=(self)``."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class PortalCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if (request.path_info.startswith(tuple(settings.CSP_INLINE_STYLE_PATHS))
                and response.get("Content-Type", "").startswith("text/html")):
            parts.update = {**(parts.update or {}), "style-src": [UNSAFE_INLINE]}
        return parts
