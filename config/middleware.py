"""Language selection: Russian unless the person picked another language with the switch.

Django's LocaleMiddleware also honours the browser's Accept-Language header, which would show
an English UI to anyone whose browser is set to English; the portal's users expect Russian by
default, so only the explicit choice (the language cookie set by /i18n/setlang/) counts."""

from django.conf import settings
from django.utils import translation


class PortalLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
