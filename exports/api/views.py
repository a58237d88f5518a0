"""API of the exports: list and read runs, start one, «Что изменится на кассе» of a run or of a
date before running (dry run), send a Set Retail file again (marketers only; everyone else 403).

A refusal of the export services (``ExportError``) is a 400 in the API's error body
(``code: "export_refused"``, ``fields`` naming the input it is about)."""

from django.core.validators import RegexValidator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from config.api_exceptions import ApiError
from config.api_fields import StrictCharField, StrictChoiceField, no_body
from config.api_schema import error_response
from config.filters import StrictQueryMixin
from config.pagination import PAGE_PARAMETERS, PortalPageNumberPagination
from config.parsing import parse_id
from exports.api.serializers import (
    ExportFileSerializer,
    ExportPreviewQuerySerializer,
    ExportRunCreateSerializer,
    ExportRunSerializer,
)
from exports.delivery import export_file_resend
from exports.models import ExportFile, ExportRun
from exports.reconciliation import KIND_ORDER, filtered, reconciliation_of_run
from exports.services import (
    ExportError,
    export_preview,
    export_run_request,
    parse_systems,
)
from promo.models.promo import promo_code, promo_pk_from_code
from suppliers.roles import is_marketer

PROMO_CODE_INVALID = _("Код промо вида P000101.")
REFUSED = error_response("A run the rules refuse: a date out of range, a run already queued, a file that cannot "
                         "be sent again (`export_refused`; `fields` names the input).")


def refused(exc: ExportError) -> ApiError:
    return ApiError(exc, code="export_refused", fields={exc.field: [str(exc)]})


class ChangesQuerySerializer(serializers.Serializer):
    """``?promo=P000101`` and ``?kind=smarket`` narrow «Что изменится на кассе»."""

    promo = StrictCharField(required=False, trim_whitespace=False, help_text="Только одно промо (код P000101).",
                            validators=[RegexValidator(r"^[Pp][0-9]{1,18}$", message=PROMO_CODE_INVALID)])
    kind = StrictChoiceField(choices=list(KIND_ORDER), required=False, help_text="Только один файл.")


class PreviewQuerySerializer(ExportPreviewQuerySerializer, ChangesQuerySerializer):
    """``?date=`` (required), ``?system=``, and the filters of the changes."""


# What «Что изменится на кассе» reads from the query (documented and read: config/filters.py).
CHANGES_QUERY = [ChangesQuerySerializer, *PAGE_PARAMETERS]
PREVIEW_QUERY = [PreviewQuerySerializer, *PAGE_PARAMETERS]


class IsMarketer(permissions.BasePermission):
    message = _("Выгрузки доступны только маркетологам.")

    def has_permission(self, request, view) -> bool:
        return is_marketer(request.user)


class ExportRunViewSet(StrictQueryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       viewsets.GenericViewSet):
    """Export runs with their files, newest first. POST queues a run for a date and system
    (``all``, ``sap``, ``smarket``, ``setretail``); the worker executes it."""

    serializer_class = ExportRunSerializer
    permission_classes = [permissions.IsAuthenticated, IsMarketer]
    filterset_fields = ["status", "business_date"]
    ordering_fields = ["business_date", "created_at"]

    def get_queryset(self):
        return (ExportRun.objects.restrict(self.request.user)
                .select_related("started_by")
                .prefetch_related(Prefetch("files", queryset=ExportFile.objects.select_related("run").order_by("pk"))))

    def _run(self, pk) -> ExportRun:
        """The run of the URL among the caller's; a malformed id is a 404 like an unknown one."""
        if parse_id(pk) is None:
            raise NotFound()
        return get_object_or_404(ExportRun.objects.restrict(self.request.user), pk=pk)

    @extend_schema(request=ExportRunCreateSerializer, responses={201: ExportRunSerializer, 400: REFUSED})
    def create(self, request, *args, **kwargs):
        body = ExportRunCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            run = export_run_request(
                business_date=body.validated_data.get("date") or timezone.localdate(),
                systems=parse_systems(body.validated_data["system"]), actor=request.user)
        except ExportError as exc:
            raise refused(exc) from None
        run.refresh_from_db()
        return Response(ExportRunSerializer(run, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    def _changes_response(self, request, data: dict, query: dict) -> Response:
        """The reconciliation with its promos paginated (``count``, ``next``, ``previous``,
        ``results``), optionally limited to ``?promo=`` and ``?kind=``."""
        pk = promo_pk_from_code(query.get("promo") or "")
        data = filtered(data, promo_code=promo_code(pk) if pk else None, kind=query.get("kind"))
        paginator = PortalPageNumberPagination()
        page = paginator.paginate_queryset(data["promos"], request, view=self)
        body = {key: value for key, value in data.items() if key != "promos"}
        return Response({
            **body, "count": paginator.page.paginator.count, "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(), "results": page,
        })

    @staticmethod
    def _query(serializer_class, request) -> dict:
        query = serializer_class(data=request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data

    @extend_schema(parameters=CHANGES_QUERY, responses={200: dict})
    @action(detail=True, methods=["get"], url_path="changes", query_parameters=CHANGES_QUERY)
    def changes(self, request, pk=None):
        """«Что изменится на кассе» of a run: per file the records added, changed, deleted and
        repeated against the previous complete run, and the promos with their detail."""
        query = self._query(ChangesQuerySerializer, request)
        run = self._run(pk)
        return self._changes_response(request, reconciliation_of_run(run), query)

    @extend_schema(parameters=PREVIEW_QUERY, responses={200: dict, 400: REFUSED})
    @action(detail=False, methods=["get"], url_path="preview", query_parameters=PREVIEW_QUERY)
    def preview(self, request):
        """The same for a date before running it (dry run: no run number, no file, no ledger change)."""
        query = self._query(PreviewQuerySerializer, request)
        try:
            data = export_preview(business_date=query["date"], systems=parse_systems(query["system"]),
                                  actor=request.user)
        except ExportError as exc:
            raise refused(exc) from None
        return self._changes_response(request, data, query)

    @extend_schema(request=None, responses={202: ExportFileSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"], url_path=r"files/(?P<file_pk>\d+)/resend")
    def resend(self, request, pk=None, file_pk=None):
        """«Отправить заново»: upload a Set Retail file of the run again as a new package."""
        run = self._run(pk)
        export_file = get_object_or_404(ExportFile.objects.restrict(request.user).filter(run=run), pk=file_pk)
        no_body(request)
        try:
            export_file = export_file_resend(export_file=export_file, actor=request.user)
        except ExportError as exc:
            raise refused(exc) from None
        export_file.refresh_from_db()
        return Response(ExportFileSerializer(export_file, context=self.get_serializer_context()).data,
                        status=status.HTTP_202_ACCEPTED)
