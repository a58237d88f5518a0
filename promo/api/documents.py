"""API views: documents (routed by promo/api/urls.py).

GET /api/v1/promos/{id}/sheet.pdf: the promo's approval sheet, restricted like the promo
(a promo the caller may not see is a 404)."""

import json

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

from promo.models import Promo
from promo.services.documents import promo_sheet_pdf
from promo.views.documents import pdf_response


class PDFRenderer(BaseRenderer):
    """Lets clients ask for ``Accept: application/pdf``; an error is still a JSON body."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False, default=str).encode()


class PromoSheetPdfAPIView(APIView):
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(
        summary="Лист согласования (PDF)",
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY), 404: None},
        tags=["promos"],
    )
    def get(self, request, pk: int):
        promo = get_object_or_404(Promo.objects.restrict(request.user), pk=pk)
        return pdf_response(promo_sheet_pdf(promo=promo, user=request.user), filename=f"{promo.code}-sheet.pdf")

