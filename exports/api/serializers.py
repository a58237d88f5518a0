"""API representation of export runs and their files (the manifest's figures)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api_fields import StrictChoiceField, StrictDateField
from exports.forms import SYSTEM_CHOICES
from exports.models import ExportFile, ExportRun


class ExportFileSerializer(serializers.ModelSerializer):
    """A file of a run, output only: every field is in every answer (the schema says so)."""

    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportFile
        fields = ["id", "system", "kind", "name", "size", "sha256", "promos", "lines", "records", "deletions",
                  "changes", "warnings", "errors", "delivery_status", "delivery_detail", "delivery_ti", "rejections",
                  "resends", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        request = self.context.get("request")
        url = obj.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class ExportRunSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    # Null for the nightly run and the command line (nobody started them).
    started_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True,
        help_text="The username of the marketer who started the run; null for the nightly run and the command line.")
    files = ExportFileSerializer(many=True, read_only=True)

    class Meta:
        model = ExportRun
        fields = ["id", "name", "business_date", "number", "systems", "status", "started_by", "created_at",
                  "started_at", "finished_at", "error", "warnings", "skipped", "files"]
        read_only_fields = fields


class ExportRunCreateSerializer(serializers.Serializer):
    """POST body: ``{"date": "2026-09-20", "system": "all"}`` (date defaults to today)."""

    date = StrictDateField(required=False, help_text="The business date (YYYY-MM-DD); today if omitted.")
    system = StrictChoiceField(choices=SYSTEM_CHOICES, default="all",
                               error_messages={"invalid_choice": _("Неизвестная система «{input}»: "
                                                                   "допустимы sap, smarket, setretail или all.")})


class ExportPreviewQuerySerializer(serializers.Serializer):
    """``GET /api/v1/exports/preview/?date=2026-09-20[&system=all][&promo=P000101][&kind=smarket]``."""

    date = StrictDateField(error_messages={"required": _("Укажите дату выгрузки.")},
                           help_text="The business date (YYYY-MM-DD).")
    system = StrictChoiceField(choices=SYSTEM_CHOICES, default="all",
                               error_messages={"invalid_choice": _("Неизвестная система «{input}»: "
                                                                   "допустимы sap, smarket, setretail или all.")})
