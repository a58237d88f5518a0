"""The suppliers' requests API: list and read the requests of the promos the caller may see
(``?status=open`` for what waits for an answer), accept or decline one. Thin over
promo/services/supplier_requests.py; a request is found through its promo's visibility, so
another supplier's request is a 404, and a refusal maps to its status in one place
(promo/api/errors.py). Asking is on the promo: ``POST /api/v1/promos/{id}/request-extension/``
and ``request-cancellation/``."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api_schema import error_response
from config.filters import ApiFilterSet, IdFilter, StrictQueryMixin
from promo.api.errors import RefusalsMixin
from promo.api.serializers import AnswerBodySerializer, SupplierRequestSerializer
from promo.models import SupplierRequest
from promo.services import supplier_requests

# An answered request cannot be answered again; the promo may have moved on since it was asked.
ANSWER_ERRORS = {409: error_response("The request was answered already (`request_answered`), or the promo's "
                                     "state no longer allows what it asks (e.g. `illegal_move`, `finished`; `request_overtaken`: the "
                                     "promo already runs to the end asked for).")}


class SupplierRequestFilterSet(ApiFilterSet):
    """Read strictly, as every API query (config/filters.py): an unknown status or kind, or a
    malformed promo id, is a 400 naming the parameter."""

    status = django_filters.ChoiceFilter(choices=SupplierRequest.Status.choices, help_text="`open` waits for an answer.")
    kind = django_filters.ChoiceFilter(choices=SupplierRequest.Kind.choices)
    promo = IdFilter(field_name="promo_id", help_text="Promo id.")

    class Meta:
        model = SupplierRequest
        fields = ["status", "kind", "promo"]


@extend_schema_view(
    list=extend_schema(summary="Suppliers' requests of the promos the caller may see (`?status=open`)"),
    retrieve=extend_schema(summary="A supplier's request"),
)
class SupplierRequestViewSet(StrictQueryMixin, RefusalsMixin, viewsets.ReadOnlyModelViewSet):
    """Marketers see every request, a category manager those of promos with lines in his
    categories, a supplier user its own. Open requests are listed oldest first."""

    serializer_class = SupplierRequestSerializer
    filterset_class = SupplierRequestFilterSet
    ordering_fields = ["created_at", "answered_at"]
    ordering = ["created_at", "pk"]

    def get_queryset(self):
        return (SupplierRequest.objects.restrict(self.request.user)
                .select_related("promo", "requested_by", "answered_by"))

    def _answered(self, call) -> Response:
        supplier_request = self.get_object()
        body = AnswerBodySerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        call(supplier_request, body.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=supplier_request.pk)).data)

    @extend_schema(summary="Grant it (marketer): the promo is extended to the date asked for, or cancelled",
                   request=AnswerBodySerializer, responses={200: SupplierRequestSerializer, **ANSWER_ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def accept(self, request, pk=None):
        return self._answered(lambda asked, reason: supplier_requests.request_accept(
            request=asked, actor=request.user, reason=reason))

    @extend_schema(summary="Decline it with a reason (a marketer, or a manager of the promo's categories)",
                   request=AnswerBodySerializer, responses={200: SupplierRequestSerializer, **ANSWER_ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def decline(self, request, pk=None):
        return self._answered(lambda asked, reason: supplier_requests.request_decline(
            request=asked, actor=request.user, reason=reason))
