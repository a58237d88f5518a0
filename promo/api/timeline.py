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

from django import forms
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_exceptions import ApiError
from config.api_fields import NOT_BLANK_PATTERN, StrictCharField, StrictDateField
from config.api_schema import error_response
from config.filters import StrictQueryMixin
from promo.forms.timeline import TimelineForm
from promo.timeline import product_timeline
from suppliers.models import Product

SEGMENT = {
    "type": "object",
    "required": ["from", "to", "promo", "status", "unit_price", "branches"],
    "properties": {
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "promo": {"type": "string", "nullable": True, "description": "Code (P000123); null for another "
                                                                      "supplier's promo."},
        "status": {"type": "string", "enum": ["approved", "submitted"]},
        "unit_price": {"type": "string", "format": "decimal", "nullable": True},
        "branches": {"type": "array", "items": {"type": "string"}, "description": "Branch codes."},
    },
}
# The form's refusals that are about the data, not the request's shape (their codes).
FORM_REFUSALS = {"branch": "branch_unknown", "region": "region_unknown", "__all__": "period_invalid"}


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


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": 50, "pattern": NOT_BLANK_PATTERN})
class CodeOrIdField(StrictCharField):
    """A code or an id: some text (only spaces is blank, refused as the schema says)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=50, **kwargs)


class TimelineQuerySerializer(serializers.Serializer):
    """The query as the schema says it (the form below resolves it, as on the page)."""

    branch = CodeOrIdField(required=False, help_text="A branch code or id.")
    region = CodeOrIdField(required=False, help_text="A region code or id.")

    def get_fields(self):
        # "from" and "to" are Python keywords: declared here rather than as class attributes.
        # The page's words for a bad date (the form's), so both edges refuse it alike.
        invalid = {"invalid": forms.DateField.default_error_messages["invalid"]}
        return {**super().get_fields(),
                "from": StrictDateField(required=False, error_messages=invalid,
                                        help_text="First day, YYYY-MM-DD (default: today)."),
                "to": StrictDateField(required=False, error_messages=invalid,
                                      help_text="Last day, YYYY-MM-DD (default: 13 weeks on; at most 366 days).")}


class ProductTimelineAPIView(StrictQueryMixin, APIView):
    query_parameters = [TimelineQuerySerializer]

    @extend_schema(
        summary="Shelf-price timeline of a product",
        parameters=query_parameters,
        responses={200: {"type": "array", "items": SEGMENT},
                   400: error_response("A query parameter the schema does not allow (`invalid`), an unknown "
                                       "branch or region (`branch_unknown`, `region_unknown`), or a period "
                                       "that ends before it starts or is longer than 366 days "
                                       "(`period_invalid`).")},
        tags=["products"],
    )
    def get(self, request, pk):
        product = get_object_or_404(Product.objects.restrict(request.user), pk=pk)
        TimelineQuerySerializer(data=request.query_params).is_valid(raise_exception=True)
        form = TimelineForm(request.query_params)
        if not form.is_valid():
            name, errors = next(iter(form.errors.items()))
            fields = {} if name == "__all__" else {name: list(errors)}
            raise ApiError(" ".join(errors), code=FORM_REFUSALS.get(name, "invalid"), fields=fields)
        first, last = form.window()
        timeline = product_timeline(product=product, user=request.user, first=first, last=last,
                                    branches=form.branches())
        return Response([TimelineRowSerializer(row).data for row in timeline.rows])
