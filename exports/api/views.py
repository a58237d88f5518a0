"""API of the exports: list and read runs, start one (marketers only; everyone else 403)."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response

from config.api_exceptions import ApiError
from config.api_schema import error_response
from exports.api.serializers import ExportRunCreateSerializer, ExportRunSerializer
from exports.models import ExportFile, ExportRun
from exports.services import ExportError, export_run_request, parse_systems
from suppliers.roles import is_marketer


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

    @extend_schema(request=ExportRunCreateSerializer,
                   responses={201: ExportRunSerializer,
                              400: error_response("A date or system the schema does not allow (`invalid`), or a "
                                                  "run the rules refuse: a date out of range, a run already "
                                                  "queued (`export_refused`, `fields` names the input).")})
    def create(self, request, *args, **kwargs):
        body = ExportRunCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            run = export_run_request(
                business_date=body.validated_data.get("date") or timezone.localdate(),
                systems=parse_systems(body.validated_data["system"]), actor=request.user)
        except ExportError as exc:
            raise ApiError(exc, code="export_refused", fields={exc.field: [str(exc)]}) from None
        run.refresh_from_db()
        return Response(ExportRunSerializer(run, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)
