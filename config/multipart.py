"""Multipart uploads keep their file whatever its name.

Django drops a file part, without a word, whose headers are not UTF-8 (a file name in
windows-1251, sent by an old client or a script) or whose name is nothing once sanitised (".",
"..", "C:\\folder\\"); the form then says «Ни одного файла не было отправлено». Here:

- a part header line that is not UTF-8 is read as windows-1251 (what Russian Windows software
  sends), so «Акции.xlsx» arrives as «Акции.xlsx»;
- a file whose name sanitises to nothing is kept under the name ``upload`` (an empty
  ``filename=""`` is still "no file chosen", as browsers mean it).

``MultipartFileNamesMiddleware`` applies it to Django's own parsing (forms, admin), before the
CSRF middleware reads the form; ``MultiPartParser`` is the same for DRF views.
"""

from __future__ import annotations

from functools import partial

from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import ImmutableList
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles, get_encoding
from rest_framework.parsers import MultiPartParser as DRFMultiPartParser

FALLBACK_NAME = "upload"
# A part's headers are a few hundred bytes; past this they are passed on untouched.
_MAX_HEADER_BLOCK = 64 * 1024
_CHUNK = 64 * 1024


class FileNamesMultiPartParser(DjangoMultiPartParser):
    """Django's parser, keeping files whose name is not UTF-8 or sanitises to nothing."""

    def parse(self):
        if getattr(self, "_boundary", None):
            self._input_data = _HeaderRecoding(self._input_data, self._boundary)
        return super().parse()

    def sanitize_file_name(self, file_name):
        # Django calls this only for a non-empty name: one that leaves nothing is still a file.
        cleaned = super().sanitize_file_name(file_name)
        return cleaned if cleaned and cleaned.strip() else FALLBACK_NAME


class _HeaderRecoding:
    """A multipart body as a stream, with each part's header lines that are not UTF-8 decoded
    as windows-1251 and re-encoded as UTF-8; the part contents pass through unchanged."""

    def __init__(self, stream, boundary: bytes):
        self._stream = stream
        self._delimiter = b"--" + boundary
        self._pending = b""
        self._ready = bytearray()
        self._done = False

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._ready) < size):
            chunk = self._stream.read(_CHUNK)
            if not chunk:
                self._done = True
                self._ready += self._pending
                self._pending = b""
                break
            self._pending += chunk
            self._process()
        if size < 0:
            size = len(self._ready)
        data = bytes(self._ready[:size])
        del self._ready[:size]
        return data

    def _process(self) -> None:
        pending = self._pending
        while True:
            start = pending.find(self._delimiter)
            if start < 0:
                keep = len(self._delimiter)
                self._ready += pending[:-keep]
                pending = pending[-keep:]
                break
            end = pending.find(b"\r\n\r\n", start)
            if end < 0:
                if len(pending) - start > _MAX_HEADER_BLOCK:
                    self._ready += pending
                    pending = b""
                else:
                    self._ready += pending[:start]
                    pending = pending[start:]
                break
            self._ready += pending[:start] + _recode(pending[start:end]) + b"\r\n\r\n"
            pending = pending[end + 4:]
        self._pending = pending


def _recode(header: bytes) -> bytes:
    lines = []
    for line in header.split(b"\r\n"):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            line = line.decode("cp1251", "replace").encode("utf-8")
        lines.append(line)
    return b"\r\n".join(lines)


def _parse_file_upload(request, meta, post_data):
    """``HttpRequest.parse_file_upload`` with the parser above."""
    request.upload_handlers = ImmutableList(
        request.upload_handlers,
        warning="You cannot alter upload handlers after the upload has been processed.",
    )
    return FileNamesMultiPartParser(meta, post_data, request.upload_handlers, request.encoding).parse()


class MultipartFileNamesMiddleware:
    """Installs the parser above on multipart requests (before anything reads the form)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.content_type == "multipart/form-data":
            request.parse_file_upload = partial(_parse_file_upload, request)
        return self.get_response(request)


class MultiPartParser(DRFMultiPartParser):
    """DRF's multipart parser on the parser above."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        try:
            parser = FileNamesMultiPartParser(meta, stream, request.upload_handlers, get_encoding(parser_context))
            data, files = parser.parse()
            return DataAndFiles(data, files)
        except MultiPartParserError as exc:
            raise ParseError(f"Multipart form parse error - {exc}") from exc
