"""API of the exports: list and read runs, start one, «Что изменится на кассе» of a run or of a
date before running (dry run), send a Set Retail file again (marketers only; everyone else 403)."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.pagination import PortalPageNumberPagination
from exports.api.serializers import (
    ExportFileSerializer,
    ExportPreviewQuerySerializer,
    ExportRunCreateSerializer,
    ExportRunSerializer,
)
from exports.delivery import export_file_resend
from exports.models import ExportFile, ExportRun
from exports.reconciliation import KIND_LABELS, filtered, reconciliation_of_run
from exports.services import (
    ExportError,
    export_preview,
    export_run_request,
    parse_systems,
)
from promo.models.promo import promo_code, promo_pk_from_code
from suppliers.roles import is_marketer

CHANGES_PARAMETERS = [
    OpenApiParameter("promo", str, description="Только одно промо (код P000101)."),
    OpenApiParameter("kind", str, description="Только один файл: sap_cond, sap_bonusbuy, smarket, setretail."),
    OpenApiParameter("page", int), OpenApiParameter("page_size", int),
]


class IsMarketer(permissions.BasePermission):
    message = _("Выгрузки доступны только маркетологам.")

    def has_permission(self, request, view) -> bool:
        return is_marketer(request.user)


class ExportRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
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

    @extend_schema(request=ExportRunCreateSerializer, responses={201: ExportRunSerializer})
    def create(self, request, *args, **kwargs):
        body = ExportRunCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            run = export_run_request(
                business_date=body.validated_data.get("date") or timezone.localdate(),
                systems=parse_systems(body.validated_data["system"]), actor=request.user)
        except ExportError as exc:
            return Response({exc.field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        run.refresh_from_db()
        return Response(ExportRunSerializer(run, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    def _changes_response(self, request, data: dict) -> Response:
        """The reconciliation with its promos paginated (``count``, ``next``, ``previous``,
        ``results``), optionally limited to ``?promo=`` and ``?kind=``."""
        pk = promo_pk_from_code(request.query_params.get("promo") or "")
        kind = request.query_params.get("kind")
        data = filtered(data, promo_code=promo_code(pk) if pk else None,
                        kind=kind if kind in KIND_LABELS else None)
        paginator = PortalPageNumberPagination()
        page = paginator.paginate_queryset(data["promos"], request, view=self)
        body = {key: value for key, value in data.items() if key != "promos"}
        return Response({
            **body, "count": paginator.page.paginator.count, "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(), "results": page,
        })

    @extend_schema(parameters=CHANGES_PARAMETERS, responses={200: dict})
    @action(detail=True, methods=["get"], url_path="changes")
    def changes(self, request, pk=None):
        """«Что изменится на кассе» of a run: per file the records added, changed, deleted and
        repeated against the previous complete run, and the promos with their detail."""
        run = get_object_or_404(ExportRun.objects.restrict(request.user), pk=pk)
        return self._changes_response(request, reconciliation_of_run(run))

    @extend_schema(parameters=[OpenApiParameter("date", str, required=True, description="ГГГГ-ММ-ДД"),
                               OpenApiParameter("system", str), *CHANGES_PARAMETERS], responses={200: dict})
    @action(detail=False, methods=["get"], url_path="preview")
    def preview(self, request):
        """The same for a date before running it (dry run: no run number, no file, no ledger change)."""
        query = ExportPreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            data = export_preview(business_date=query.validated_data["date"],
                                  systems=parse_systems(query.validated_data["system"]), actor=request.user)
        except ExportError as exc:
            return Response({exc.field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return self._changes_response(request, data)

    @extend_schema(request=None, responses={202: ExportFileSerializer})
    @action(detail=True, methods=["post"], url_path=r"files/(?P<file_pk>\d+)/resend")
    def resend(self, request, pk=None, file_pk=None):
        """«Отправить заново»: upload a Set Retail file of the run again as a new package."""
        run = get_object_or_404(ExportRun.objects.restrict(request.user), pk=pk)
        export_file = get_object_or_404(ExportFile.objects.restrict(request.user).filter(run=run), pk=file_pk)
        try:
            export_file = export_file_resend(export_file=export_file, actor=request.user)
        except ExportError as exc:
            return Response({exc.field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        export_file.refresh_from_db()
        return Response(ExportFileSerializer(export_file, context=self.get_serializer_context()).data,
                        status=status.HTTP_202_ACCEPTED)
