"""Renderers for the API's file downloads: an operation that answers a file lists the file's
renderer next to JSON, so a client's ``Accept: <the file's type>`` is honoured (not a 406) and
an error is still the JSON error body."""

import json

from rest_framework.renderers import BaseRenderer


class BinaryRenderer(BaseRenderer):
    """Passes a file's bytes through; renders anything else (an error body) as JSON."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        # An error body is JSON and says so: labelled as the file's type, a client saved it as
        # a broken PDF or workbook (DRF sets the header from the renderer before rendering).
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data, ensure_ascii=False, default=str).encode()


class PDFRenderer(BinaryRenderer):
    media_type = "application/pdf"
    format = "pdf"


class XLSXRenderer(BinaryRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
