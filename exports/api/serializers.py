"""API representation of export runs and their files (the manifest's figures)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api_fields import StrictBodySerializer, StrictChoiceField, StrictDateField
from exports.forms import SYSTEM_CHOICES
from exports.models import ExportFile, ExportRun
from exports.wording import delivery_text, message_texts, skipped_rows


class MessagesField(serializers.ListField):
    """Messages stored as data (exports/wording.py), as texts in the request's language."""

    child = serializers.CharField()

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, data):
        return message_texts(data)


class SkippedField(serializers.JSONField):
    """The files a run did not write, each with its ``reason`` in the request's language."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return skipped_rows(value)


class ExportFileSerializer(serializers.ModelSerializer):
    """A file of a run, output only: every field is in every answer (the schema says so).
    ``warnings``, ``errors`` and ``delivery_detail`` are texts in the request's language."""

    download_url = serializers.SerializerMethodField()
    warnings = MessagesField(help_text="What the file left out or changed (e.g. a branch without a code "
                                       "for the system), in the request's language.")
    errors = MessagesField(help_text="Records the file refused to write, in the request's language.")
    delivery_detail = serializers.SerializerMethodField(
        help_text="What Set Retail 10 answered about the file, in the request's language (empty before any "
                  "answer).")

    class Meta:
        model = ExportFile
        fields = ["id", "system", "kind", "name", "size", "sha256", "promos", "lines", "records", "deletions",
                  "changes", "warnings", "errors", "delivery_status", "delivery_detail", "delivery_ti", "rejections",
                  "resends", "download_url"]
        read_only_fields = fields

    def get_delivery_detail(self, obj) -> str:
        return delivery_text(obj)

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
    warnings = MessagesField(help_text="About promos that went into no file (no open branch...), in the "
                                       "request's language.")
    skipped = SkippedField(help_text="Files not written because there was nothing to send: system, kind, name "
                                     "and reason (in the request's language).")
    error = serializers.CharField(read_only=True, help_text="Why the run failed, in the request's language; empty "
                                                            "unless it failed.")

    class Meta:
        model = ExportRun
        fields = ["id", "name", "business_date", "number", "systems", "status", "started_by", "created_at",
                  "started_at", "finished_at", "error", "warnings", "skipped", "files"]
        read_only_fields = fields


class ExportRunCreateSerializer(StrictBodySerializer):
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
