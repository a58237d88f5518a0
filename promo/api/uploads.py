"""The uploads API: POST a promo sheet (multipart), follow its progress, read its errors,
warnings and promos, download the error workbook; confirm or cancel an upload that waits with
its preview (it would remove lines or change a promo the sheet does not name). Thin over
promo/services/imports (uploads, confirmation), the same services as the upload page, the
command and the Celery task.

The queryset is restricted before the lookup (``PromoUpload.objects.restrict``), so another
supplier's upload is a 404."""

from __future__ import annotations

from urllib.parse import quote

from django.db.models import Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from config.api_exceptions import ApiError, ErrorSerializer, error_body
from config.api_fields import (
    StrictBodySerializer,
    StrictBooleanField,
    StrictCharField,
    StrictRegexField,
    no_body,
)
from config.api_schema import error_response
from config.filters import StrictQueryMixin
from config.multipart import MultiPartParser
from config.parsers import PortalJSONParser
from config.renderers import XLSXRenderer
from promo.api.errors import RefusalsMixin
from promo.models import Promo, PromoUpload
from promo.services.imports.confirmation import PREVIEW_STALE, upload_cancel, upload_confirm
from promo.services.imports.problems import stored_problems
from promo.services.imports.uploads import (
    XLSX_CONTENT_TYPE,
    UploadRefused,
    upload_allowed,
    upload_error_workbook,
    upload_submit,
)
from suppliers.models import Supplier

# --- serializers -------------------------------------------------------------------------------


def extend_schema_field_list(serializer_class):
    return extend_schema_field(serializer_class(many=True))


class ProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Sheet row as Excel numbers it; 0 = the file as a whole.")
    column = serializers.CharField(help_text="The column header as written in the file, or empty.")
    code = serializers.CharField(help_text="Error or warning code of the import contract.")
    message = serializers.CharField(help_text="What is wrong, for people (Russian by default).")


class RevisionCountSerializer(serializers.Serializer):
    promo = serializers.CharField(help_text="Promo code, e.g. P000123.")
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    changed = serializers.IntegerField()


class LineDiffSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.DictField(), help_text="Lines the sheet adds.")
    removed = serializers.ListField(child=serializers.DictField(), help_text="Lines the promo would lose.")
    changed = serializers.ListField(child=serializers.DictField(),
                                    help_text="[{product_id, article, fields: {name: [old, new]}}]")
    terms = serializers.DictField(help_text="Promo terms that change: {name: [old, new]}.")


class RevisionPreviewSerializer(RevisionCountSerializer):
    """One promo of a preview: what the confirmation would do to it."""

    promo_id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField(help_text="The promo's version the preview was made from.")
    revision = serializers.IntegerField(help_text="The revision number it would become.")
    named = serializers.BooleanField(help_text="False: the sheet's rows had no promo name.")
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why it waits: removes_lines (lines would be removed), not_named (a promo the sheet "
                  "does not name would change). Empty for the preview's other promos.")
    diff = LineDiffSerializer()


class CreatedPreviewSerializer(serializers.Serializer):
    name = serializers.CharField()
    supplier_id = serializers.IntegerField()
    mechanic = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    lines = serializers.IntegerField()


class ImportResultSerializer(serializers.Serializer):
    """The outcome of an import (the same JSON as ``import_promos --format json``)."""

    ok = serializers.BooleanField(help_text="True: every line was saved; false: nothing was.")
    status = serializers.CharField(help_text="The upload's status: imported, rejected, awaiting_confirmation.")
    needs_confirmation = serializers.BooleanField(
        help_text="True: nothing was saved, the sheet would remove lines or change a promo it does not "
                  "name; POST /api/v1/uploads/{id}/confirm/ applies exactly this preview.")
    upload_id = serializers.IntegerField(allow_null=True, help_text="Null for a dry run.")
    rows = serializers.IntegerField(help_text="Data rows read.")
    lines = serializers.IntegerField(help_text="Promo lines saved (after merging duplicates).")
    promos = serializers.IntegerField(help_text="Promos created or revised.")
    errors = ProblemSerializer(many=True)
    warnings = ProblemSerializer(many=True)
    sheet = serializers.CharField(help_text="The sheet that was read (empty when the file could not be read).")
    revisions = RevisionCountSerializer(
        many=True, help_text="Promos revised; while awaiting a confirmation each with its whole diff "
                             "(see RevisionPreview).")
    created = CreatedPreviewSerializer(many=True, required=False,
                                       help_text="Awaiting a confirmation: the promos it would create.")
    expires_at = serializers.DateTimeField(required=False, help_text="Awaiting a confirmation: confirm before.")


class PreviewSerializer(serializers.Serializer):
    fingerprint = serializers.CharField(help_text="Pass it to confirm/ to apply exactly this preview.")
    expires_at = serializers.DateTimeField()
    promos = RevisionPreviewSerializer(many=True)
    created = CreatedPreviewSerializer(many=True)
    confirm = serializers.CharField(help_text="POST here to apply it.")
    cancel = serializers.CharField(help_text="POST here to drop it.")


class UploadConfirmSerializer(StrictBodySerializer):
    fingerprint = StrictRegexField(
        r"^[0-9a-f]{64}$", required=False, allow_blank=True,
        help_text="The preview's fingerprint as you saw it: refused (409 preview_stale) if the preview "
                  "changed since. Omit to apply the upload's current preview.")


class UploadConflictSerializer(ErrorSerializer):
    """409: the API's error body; with ``preview_stale`` also the new preview (the import result's
    keys, so optional here)."""

    def get_fields(self):
        fields = super().get_fields()
        for name, field in ImportResultSerializer().get_fields().items():
            field.required = False
            fields[name] = field
        return fields


class UploadQueuedSerializer(serializers.Serializer):
    upload_id = serializers.IntegerField()
    status = serializers.CharField()
    rows_total = serializers.IntegerField(help_text="Estimated rows; follow the upload for progress.")
    url = serializers.CharField(help_text="The upload resource to poll.")


@extend_schema_field({"type": "string", "format": "binary", "minLength": 1})
class SheetFileField(serializers.FileField):
    """A non-empty file (an empty one is a 400 naming ``file``)."""


class UploadCreateSerializer(StrictBodySerializer):
    file = SheetFileField(help_text="The promo sheet (.xlsx).")
    supplier = StrictCharField(
        required=False, allow_blank=True,
        help_text="Supplier code (S001) or INN; marketers only, omit for a bulk file with a "
                  "«Поставщик» column. A supplier user's upload is always its own supplier's.",
    )
    dry_run = StrictBooleanField(required=False, default=False,
                                       help_text="Check everything, save nothing (200 with the result).")


class UploadPromoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    revision = serializers.IntegerField()


class UploadSerializer(serializers.ModelSerializer):
    supplier = serializers.CharField(source="supplier.code", allow_null=True, default=None)
    uploaded_by = serializers.CharField(source="uploaded_by.username")
    progress = serializers.SerializerMethodField()
    rows = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()
    revisions = serializers.SerializerMethodField()
    promos = serializers.SerializerMethodField()
    error_workbook = serializers.SerializerMethodField()
    needs_confirmation = serializers.SerializerMethodField()
    preview = serializers.SerializerMethodField()
    confirmed_by = serializers.CharField(source="confirmed_by.username", allow_null=True, default=None)

    class Meta:
        model = PromoUpload
        fields = ["id", "original_name", "sha256", "size", "supplier", "uploaded_by", "status", "progress",
                  "rows", "lines", "errors", "warnings", "revisions", "promos", "failure", "restarts",
                  "needs_confirmation", "preview", "confirmed_by", "confirmed_at", "error_workbook",
                  "created_at", "started_at", "finished_at"]

    def get_progress(self, upload) -> dict:
        return {"rows_done": upload.rows_done, "rows_total": upload.rows_total,
                "percent": upload.progress_percent}

    def get_rows(self, upload) -> int:
        return (upload.summary or {}).get("rows", 0)

    def get_lines(self, upload) -> int:
        return (upload.summary or {}).get("lines", 0)

    @extend_schema_field_list(ProblemSerializer)
    def get_errors(self, upload) -> list:
        return stored_problems(upload.errors)

    @extend_schema_field_list(ProblemSerializer)
    def get_warnings(self, upload) -> list:
        return stored_problems(upload.warnings)

    @extend_schema_field_list(RevisionCountSerializer)
    def get_revisions(self, upload) -> list:
        if upload.awaits_confirmation:
            return (upload.preview or {}).get("promos", [])
        return (upload.summary or {}).get("revisions", [])

    def get_needs_confirmation(self, upload) -> bool:
        return upload.awaits_confirmation

    @extend_schema_field(PreviewSerializer(allow_null=True))
    def get_preview(self, upload) -> dict | None:
        if not upload.awaits_confirmation:
            return None
        preview = upload.preview or {}
        return {
            "fingerprint": preview.get("fingerprint", ""), "expires_at": upload.preview_expires_at,
            "promos": preview.get("promos", []), "created": preview.get("created", []),
            "confirm": reverse("api:upload-confirm", args=[upload.pk]),
            "cancel": reverse("api:upload-cancel", args=[upload.pk]),
        }

    @extend_schema_field_list(UploadPromoSerializer)
    def get_promos(self, upload) -> list:
        user = self.context["request"].user
        return [{"id": p.pk, "code": p.code, "name": p.name, "status": p.status, "revision": p.revision}
                for p in Promo.objects.restrict(user).filter(uploads=upload).order_by("pk")]

    def get_error_workbook(self, upload) -> str | None:
        if not (upload.errors or upload.warnings):
            return None
        url = reverse("api:upload-error-workbook", args=[upload.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class UploadListSerializer(serializers.ModelSerializer):
    """An upload in a list: its counts, not its problem lists."""

    supplier = serializers.CharField(source="supplier.code", allow_null=True, default=None)
    uploaded_by = serializers.CharField(source="uploaded_by.username")
    progress = serializers.SerializerMethodField()
    errors_count = serializers.SerializerMethodField()
    warnings_count = serializers.SerializerMethodField()

    class Meta:
        model = PromoUpload
        fields = ["id", "original_name", "supplier", "uploaded_by", "status", "progress", "errors_count",
                  "warnings_count", "created_at", "finished_at"]

    def get_progress(self, upload) -> dict:
        return {"rows_done": upload.rows_done, "rows_total": upload.rows_total,
                "percent": upload.progress_percent}

    def get_errors_count(self, upload) -> int:
        return (upload.summary or {}).get("errors", 0)

    def get_warnings_count(self, upload) -> int:
        return (upload.summary or {}).get("warnings", 0)


# --- views ---------------------------------------------------------------------------------------


def result_json(result) -> dict:
    """The result as the command prints it, with where to confirm or cancel a preview."""
    data = result.as_json()
    if result.needs_confirmation and result.upload_id is not None:
        data["confirm"] = reverse("api:upload-confirm", args=[result.upload_id])
        data["cancel"] = reverse("api:upload-cancel", args=[result.upload_id])
    return data

REFUSED = {
    400: error_response("Invalid request: no file (`invalid`, `fields.file`), an unknown supplier "
                        "(`supplier_unknown`)."),
    403: error_response("Only supplier users and marketers upload sheets, a supplier user for its own "
                        "supplier (`permission_denied`, `refused`)."),
    413: error_response("The file is above PROMO_UPLOAD_MAX_BYTES (`too_large`, `fields.file`); nothing stored."),
}


@extend_schema_view(
    list=extend_schema(summary="Uploads the caller may see, newest first", responses=UploadListSerializer(many=True)),
    retrieve=extend_schema(summary="One upload: status, progress, errors, warnings, promos",
                           responses=UploadSerializer),
)
class UploadViewSet(StrictQueryMixin, RefusalsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = UploadSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends: list = []

    def get_queryset(self):
        uploads = (PromoUpload.objects.restrict(self.request.user)
                   .select_related("supplier", "uploaded_by", "confirmed_by").with_saving())
        if self.action == "list":
            uploads = uploads.defer("errors", "warnings", "preview")
        return uploads.order_by("-created_at", "-pk")

    def get_serializer_class(self):
        return UploadListSerializer if self.action == "list" else UploadSerializer

    @extend_schema(
        summary="Upload a promo sheet",
        description="A small sheet is imported at once: 201 with the result (``ok`` false and the "
                    "errors when it is rejected: nothing is saved then). A sheet above "
                    "PROMO_UPLOAD_ASYNC_ROWS rows is queued: 202 with the upload id, whose progress "
                    "``GET /api/v1/uploads/{id}/`` shows. ``dry_run``: 200 with the result, nothing kept. "
                    "A sheet that would remove lines from a promo, or change a promo it does not name, is "
                    "not applied: 200 with ``status`` awaiting_confirmation, ``needs_confirmation`` true and "
                    "the diff per promo in ``revisions``; ``POST /api/v1/uploads/{id}/confirm/`` applies it "
                    "(a queued upload reaches the same state: its ``preview``).",
        request={"multipart/form-data": UploadCreateSerializer},
        responses={201: ImportResultSerializer, 200: ImportResultSerializer, 202: UploadQueuedSerializer,
                   **REFUSED},
    )
    def create(self, request):
        if not upload_allowed(request.user):
            raise PermissionDenied(_("Загружать акции могут поставщики и маркетологи."))
        body = UploadCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        supplier = None
        if data.get("supplier"):
            value = data["supplier"].strip()
            supplier = Supplier.objects.restrict(request.user).filter(
                Q(code__iexact=value) | Q(inn=value)).first()
            if supplier is None:
                message = _("Поставщик «%(value)s» не найден.") % {"value": value}
                raise ApiError(message, code="supplier_unknown", fields={"supplier": [message]})
        try:
            upload, result = upload_submit(actor=request.user, file=data["file"], original_name=data["file"].name,
                                           supplier=supplier, dry_run=data["dry_run"])
        except UploadRefused as refused:
            if refused.problem is None:
                raise ApiError(refused.message, code="refused", status_code=status.HTTP_403_FORBIDDEN) from None
            raise ApiError(refused.message, code="too_large", fields={"file": [refused.message]},
                           status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE) from None
        if result is None:
            return Response({"upload_id": upload.pk, "status": upload.status, "rows_total": upload.rows_total,
                             "url": reverse("api:upload-detail", args=[upload.pk])},
                            status=status.HTTP_202_ACCEPTED)
        waiting = data["dry_run"] or result.needs_confirmation
        return Response(result_json(result), status=status.HTTP_200_OK if waiting else status.HTTP_201_CREATED)

    @extend_schema(
        summary="Apply the preview of an upload that waits for a confirmation",
        description="Applies exactly the preview shown (the same file, the same versions of the promos): "
                    "201 with the result. If a promo changed since, nothing is saved: 409 "
                    "``preview_stale`` with the new preview (the upload waits again). A large upload goes "
                    "to the worker: 202, follow the upload. 409 ``not_awaiting`` / ``preview_expired`` when "
                    "there is nothing to confirm.",
        request=UploadConfirmSerializer,
        responses={201: ImportResultSerializer, 202: UploadQueuedSerializer,
                   409: OpenApiResponse(UploadConflictSerializer, description="The preview changed since "
                                        "(`preview_stale`, with the new preview), or there is nothing to "
                                        "confirm (`not_awaiting`, `preview_expired`).")},
    )
    @action(detail=True, methods=["post"], parser_classes=[PortalJSONParser, FormParser, MultiPartParser])
    def confirm(self, request, pk=None):
        upload = self.get_object()
        body = UploadConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = upload_confirm(upload=upload, actor=request.user,
                                fingerprint=body.validated_data.get("fingerprint") or None)
        if result is None:
            upload.refresh_from_db()
            return Response({"upload_id": upload.pk, "status": upload.status, "rows_total": upload.rows_total,
                             "url": reverse("api:upload-detail", args=[upload.pk])},
                            status=status.HTTP_202_ACCEPTED)
        if result.stale:
            return Response({**result_json(result), **error_body("preview_stale", PREVIEW_STALE)},
                            status=status.HTTP_409_CONFLICT)
        return Response(result_json(result), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Drop the preview of an upload that waits for a confirmation (nothing of it stays)",
        request=None,
        responses={200: UploadSerializer, 409: error_response("There is nothing to cancel (`not_awaiting`).")},
    )
    @action(detail=True, methods=["post"], parser_classes=[PortalJSONParser, FormParser, MultiPartParser])
    def cancel(self, request, pk=None):
        upload = self.get_object()
        no_body(request)
        upload = upload_cancel(upload=upload, actor=request.user)
        return Response(UploadSerializer(upload, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The rejected sheet with every bad cell marked and a sheet «Ошибки»",
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
                   404: error_response("No such upload among the caller's (`not_found`), or it has no errors "
                                       "(`no_errors`).")},
    )
    @action(detail=True, methods=["get"], url_path="error-workbook", url_name="error-workbook",
            renderer_classes=[JSONRenderer, XLSXRenderer])
    def error_workbook(self, request, pk=None):
        upload = self.get_object()
        if not (upload.errors or upload.warnings):
            raise ApiError(_("У этой загрузки нет ошибок."), code="no_errors", status_code=status.HTTP_404_NOT_FOUND)
        stem = upload.original_name.rsplit(".", 1)[0] or "upload"
        response = HttpResponse(upload_error_workbook(upload), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(stem + '_errors.xlsx')}"
        return response
