"""API views: documents (routed by promo/api/urls.py).

GET /api/v1/promos/{id}/sheet.pdf: the promo's approval sheet, restricted like the promo
(a promo the caller may not see is a 404)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from config.filters import StrictQueryMixin
from config.renderers import PDFRenderer
from promo.models import Promo
from promo.services.documents import promo_sheet_pdf
from promo.views.documents import pdf_response


class PromoSheetPdfAPIView(StrictQueryMixin, APIView):
    # ``Accept: application/pdf`` is honoured; an error is still a JSON body.
    renderer_classes = [JSONRenderer, PDFRenderer]

    @extend_schema(
        summary="Лист согласования (PDF)",
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
        tags=["promos"],
    )
    def get(self, request, pk: int):
        promo = get_object_or_404(Promo.objects.restrict(request.user), pk=pk)
        return pdf_response(promo_sheet_pdf(promo=promo, user=request.user), filename=f"{promo.code}-sheet.pdf")
