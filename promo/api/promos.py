"""The promo API: list and read promos, move them through the workflow, read their history,
comment. Thin over the workflow services (promo/services/transitions.py, supplier_requests.py,
point_corrections.py) and promo/selectors.py.

The queryset is restricted before the lookup (STYLE.md §5), so another supplier's promo, or a
promo with no line in a manager's categories, is a 404. The services check permissions again
and answer with the same messages as the pages; their refusals map to statuses in one place
(promo/api/errors.py), with the same meaning as on the pages: a visible promo the caller
may not act on is a 403, a move the promo's state forbids or a stale ``version`` a 409, invalid
input a 400, no credentials a 401; the body is the API's error body (config/api_exceptions.py). A promo's detail lists
the ``actions`` the caller may take now (promo/services/actions.py).

``POST /promos/bulk/`` runs one action on many promos, each through its own service with its
version (promo/services/bulk.py): a 200 listing what was done and what was refused, and why."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api_schema import error_response
from config.filters import StrictQueryMixin
from config.parsers import PortalJSONParser
from promo.api.errors import RefusalsMixin
from promo.api.filters import PromoAPIFilterSet
from promo.api.serializers import (
    ApproveBodySerializer,
    BulkBodySerializer,
    BulkResultSerializer,
    CommentBodySerializer,
    CommentSerializer,
    DecideBodySerializer,
    ExtendBodySerializer,
    HistoryEntrySerializer,
    PromoDetailSerializer,
    PromoLineSerializer,
    PromoSerializer,
    ReasonBodySerializer,
    RequestBodySerializer,
    RequestCreatedSerializer,
    RequestExtensionBodySerializer,
    SupplierRequestSerializer,
    notice_body,
)
from promo.models import PromoLine
from promo.selectors import promo_comments, promo_history, promo_list, with_line_counts
from promo.services import supplier_requests, transitions
from promo.services.bulk import promos_bulk
from promo.services.comments import comment_add

EXTENSION_REQUESTED = _("Запрос на продление отправлен маркетологам.")
CANCELLATION_REQUESTED = _("Запрос на отмену отправлен маркетологам.")

# The shared errors of every operation come from the schema class (config/api_schema.py); an
# action adds the conflict of the promo's state.
CONFLICT = error_response("The promo's state does not allow this action now (e.g. `illegal_move`, "
                          "`not_submitted`, `in_force`), or it changed since `version` (`stale_version`: "
                          "reload and retry).")
ACTION_ERRORS = {409: CONFLICT}
ACCEPTED = OpenApiResponse(RequestCreatedSerializer, description="The request was recorded for the marketers: "
                                                                  "`request` is it (`GET /api/v1/requests/{id}/`).")


def _action_schema(body, summary: str, *, extra: dict | None = None):
    return extend_schema(summary=summary, request=body,
                         responses={200: PromoDetailSerializer, **ACTION_ERRORS, **(extra or {})})


@extend_schema_view(
    list=extend_schema(summary="List promos the caller may see"),
    retrieve=extend_schema(summary="A promo with its lines"),
)
class PromoViewSet(StrictQueryMixin, RefusalsMixin, viewsets.ReadOnlyModelViewSet):
    """Promos: every promo for marketers, its own for a supplier user, those with lines in his
    categories for a category manager. Filters: `status` (repeatable), `supplier`, `category`,
    `mechanic`, `active_on`, `period_from`/`period_to`, `branch`, `region`; `search` by code
    or name. Every action takes the `version` the caller saw."""

    filterset_class = PromoAPIFilterSet
    ordering_fields = ["start", "end", "created_at", "name", "status"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        # A list reads the line counts for its page only (promo.selectors.with_line_counts).
        queryset = promo_list(user=self.request.user, counts=self.action != "list")
        if self.action != "list":
            lines = PromoLine.objects.select_related("product__category", "decided_by").order_by("product__article")
            queryset = queryset.prefetch_related(Prefetch("lines", queryset=lines))
        return queryset

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return with_line_counts(page) if page is not None else None

    def get_serializer_class(self):
        return PromoSerializer if self.action == "list" else PromoDetailSerializer

    def _promo_response(self, promo, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=promo.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _body(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _transition(self, serializer_class, call) -> Response:
        # A refusal propagates to the API's exception handler, which maps it to its status.
        promo = self.get_object()
        data = self._body(serializer_class)
        call(promo, data)
        return self._promo_response(promo)

    @_action_schema(CommentBodySerializer, "Submit for approval (the promo's supplier or a marketer)")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(CommentBodySerializer, lambda promo, data: transitions.promo_submit(
            promo=promo, actor=request.user, version=data["version"], comment=data["comment"]))

    @_action_schema(ApproveBodySerializer, "Accept every pending line of the caller's categories")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(ApproveBodySerializer, lambda promo, data: transitions.promo_approve(
            promo=promo, actor=request.user, version=data["version"], comment=data["comment"],
            below_floor_reason=data["below_floor_reason"]))

    @_action_schema(ReasonBodySerializer, "Reject every pending line of the caller's categories (reason required)")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._transition(ReasonBodySerializer, lambda promo, data: transitions.promo_reject(
            promo=promo, actor=request.user, version=data["version"], reason=data["reason"]))

    @_action_schema(ReasonBodySerializer, "Withdraw a draft or submitted promo (its supplier or a marketer)")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(ReasonBodySerializer, lambda promo, data: transitions.promo_withdraw(
            promo=promo, actor=request.user, version=data["version"], reason=data["reason"]))

    @_action_schema(ReasonBodySerializer, "Cancel a promo in force (marketer, reason required)")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._transition(ReasonBodySerializer, lambda promo, data: transitions.promo_cancel(
            promo=promo, actor=request.user, version=data["version"], reason=data["reason"]))

    @_action_schema(ExtendBodySerializer, "Extend to a later end (marketer); a supplier's call asks the marketers",
                    extra={202: ACCEPTED})
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        promo = self.get_object()
        data = self._body(ExtendBodySerializer)
        requested = supplier_requests.promo_extend_or_request(
            promo=promo, actor=request.user, new_end=data["new_end"], reason=data["reason"],
            version=data["version"])
        if requested is not None:
            return self._requested(requested, EXTENSION_REQUESTED, "extension_requested")
        return self._promo_response(promo)

    def _requested(self, supplier_request, message, code: str) -> Response:
        return Response({**notice_body(code, message), "request": SupplierRequestSerializer(supplier_request).data},
                        status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Ask the marketers to extend to `new_end` (the promo's supplier, reason required); "
                           "a second request while one is open is a 409 `request_open`; the same request again "
                           "within 30 s (a retry) is answered like the first, with the same request",
                   request=RequestExtensionBodySerializer, responses={202: ACCEPTED, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], url_path="request-extension")
    def request_extension(self, request, pk=None):
        promo = self.get_object()
        data = self._body(RequestExtensionBodySerializer)
        asked = supplier_requests.promo_request_extension(promo=promo, actor=request.user, new_end=data["new_end"],
                                                          reason=data["reason"], version=data["version"])
        return self._requested(asked, EXTENSION_REQUESTED, "extension_requested")

    @extend_schema(summary="Ask the marketers to cancel (the promo's supplier, reason required); a second "
                           "request while one is open is a 409 `request_open`; the same request again within 30 s (a "
                           "retry) is answered like the first, with the same request",
                   request=RequestBodySerializer, responses={202: ACCEPTED, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], url_path="request-cancellation")
    def request_cancellation(self, request, pk=None):
        promo = self.get_object()
        data = self._body(RequestBodySerializer)
        asked = supplier_requests.promo_request_cancellation(promo=promo, actor=request.user, reason=data["reason"],
                                                             version=data["version"])
        return self._requested(asked, CANCELLATION_REQUESTED, "cancellation_requested")

    @extend_schema(
        summary="One action on many promos: each through its own service with its version",
        description="`action` is `submit`, `withdraw`, `approve`, `reject` or `cancel`; `reason` is required "
                    "to reject or cancel (a 400 otherwise, nothing done) and a comment for the others. The "
                    "answer is 200 whatever each promo's fate: `done` lists the promos the action went "
                    "through for, `refused` the others with the refusal's `code` and `message` (a stale "
                    "`version`, a promo the caller cannot see: `not_found`, a state that does not allow "
                    "it...). Everyone concerned gets one mail per kind of change, not one per promo.",
        request=BulkBodySerializer, responses={200: BulkResultSerializer})
    # JSON only: a list of {id, version} has no form-data spelling (the schema lists JSON alone,
    # and a form body is a 415).
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None,
            parser_classes=[PortalJSONParser])
    def bulk(self, request):
        data = self._body(BulkBodySerializer)
        result = promos_bulk(actor=request.user, action=data["action"], reason=data["reason"],
                             items=[(item["id"], item["version"]) for item in data["promos"]])
        return Response(result.as_json())

    @extend_schema(summary="Accept or reject one line (a reject needs a reason)", request=DecideBodySerializer,
                   responses={200: PromoLineSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], url_path=r"lines/(?P<line_id>\d+)/decide")
    def decide(self, request, pk=None, line_id=None):
        promo = self.get_object()
        line = get_object_or_404(promo.lines.select_related("product__category", "decided_by"), pk=line_id)
        data = self._body(DecideBodySerializer)
        line = transitions.line_decide(line=line, actor=request.user, decision=data["decision"],
                                       reason=data["reason"], version=data["version"],
                                       below_floor_reason=data["below_floor_reason"])
        line = PromoLine.objects.select_related("product__category", "decided_by").get(pk=line.pk)
        context = {**self.get_serializer_context(), "mechanics": {promo.pk: promo.mechanic}}
        return Response(PromoLineSerializer(line, context=context).data)

    @extend_schema(summary="The promo's timeline: events and field changes, who / when / old -> new",
                   responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        promo = self.get_object()
        entries = promo_history(promo=promo, user=request.user)
        return Response(HistoryEntrySerializer(entries, many=True).data)

    @extend_schema(methods=["GET"], summary="The comment thread (internal comments for chain staff only)",
                   responses=CommentSerializer(many=True))
    @extend_schema(methods=["POST"], summary="Add a comment (internal: chain staff only)",
                   request=CommentSerializer, responses={201: CommentSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def comments(self, request, pk=None):
        promo = self.get_object()
        if request.method == "GET":
            return Response(CommentSerializer(promo_comments(promo=promo, user=request.user), many=True).data)
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = comment_add(promo=promo, actor=request.user, text=body.validated_data["text"],
                              internal=body.validated_data["internal"])
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
