"""GET /api/v1/products/{id}/timeline/?branch=&region=&from=&to= : the shelf-price timeline
of a product (promo.timeline), as a list of segments:

``[{"from": "2027-04-01", "to": "2027-04-14", "promo": "P000123", "status": "approved",
"unit_price": "59.90", "branches": ["B0001", ...]}]``

``status`` is ``approved`` (the revision in force sets the price: what the exports send and
the price tags print) or ``submitted`` (awaiting its decision: would set the price if
approved). ``branch`` and ``region`` take a code or an id; ``from`` defaults to today, ``to``
to 13 weeks later, at most a year at once. The product is looked up among those the caller
may see (a 404 otherwise); another supplier's promo shows with ``promo`` and ``unit_price``
null."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from promo.forms.timeline import TimelineForm
from promo.timeline import product_timeline
from suppliers.models import Product


class TimelineRowSerializer(serializers.Serializer):
    def to_representation(self, row):
        return {
            "from": row.start.isoformat(),
            "to": row.end.isoformat(),
            "promo": row.promo,
            "status": row.status,
            "unit_price": None if row.unit_price is None else f"{row.unit_price:.2f}",
            "branches": list(row.branches),
        }


class ProductTimelineAPIView(APIView):
    @extend_schema(
        summary="Shelf-price timeline of a product",
        parameters=[
            OpenApiParameter("branch", OpenApiTypes.STR, description="A branch code or id"),
            OpenApiParameter("region", OpenApiTypes.STR, description="A region code or id"),
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default: today)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (default: 13 weeks on; at most 366 days)"),
        ],
        responses={200: OpenApiTypes.OBJECT},
        tags=["products"],
    )
    def get(self, request, pk):
        product = get_object_or_404(Product.objects.restrict(request.user), pk=pk)
        form = TimelineForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({field: [str(e) for e in errors] for field, errors in form.errors.items()})
        first, last = form.window()
        timeline = product_timeline(product=product, user=request.user, first=first, last=last,
                                    branches=form.branches())
        return Response([TimelineRowSerializer(row).data for row in timeline.rows])
