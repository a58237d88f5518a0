"""The API's JSON parser (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``): DRF's, refusing a body
above ``DATA_UPLOAD_MAX_MEMORY_SIZE`` before reading it (413 in the API's error body), as Django
does for form bodies. A module of its own: DRF reads the parser setting when its views module is
imported, so this module imports nothing that imports DRF's views."""

from django.conf import settings
from rest_framework.parsers import JSONParser


def parse_length(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


class PortalJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        length = parse_length(request.META.get("CONTENT_LENGTH") if request is not None else None)
        if length is not None and length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            from config.api_exceptions import body_too_large

            raise body_too_large()
        return super().parse(stream, media_type, parser_context)
