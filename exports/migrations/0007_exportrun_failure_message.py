"""Why a run failed stored as data: ``ExportRun.failure`` (a message and its params,
exports/failures.py) replaces the text ``error``, which was written in the portal's language or
was the raw text of the exception (an OS message in Russian or English, a database error) and
was shown so to every reader. Each reader now gets it in their language (run page and list, API
``error``, mail, activity log); an unexpected error shows only its class name.

A reason stored before is kept readable: a text that one of the known messages words exactly
(a setting a writer refused, the ledger moved, a run the reaper failed) becomes that message;
any other text stays as it was, ``{"code": "text", "params": {"text": ...}}``, shown as is. The
``export_failed`` events of such runs get the same message (``message``, ``reason_message``), so
the activity log words them for each reader too. Backwards, a message is written back as its
text in the portal's language."""

from django.conf import settings
from django.db import migrations, models
from django.utils import translation


def texts_to_failures(apps, schema_editor):
    from exports.failures import failure_from_text

    ExportRun = apps.get_model("exports", "ExportRun")
    PromoEvent = apps.get_model("promo", "PromoEvent")
    parsed = {}
    for pk, text in ExportRun.objects.exclude(error="").values_list("pk", "error").iterator(chunk_size=2000):
        record = failure_from_text(text)
        ExportRun.objects.filter(pk=pk).update(failure=record)
        if record.get("code") != "text":
            parsed[pk] = record
    if not parsed:
        return
    events = PromoEvent.objects.filter(kind="export_failed", payload__run_id__in=list(parsed))
    for event in events.iterator(chunk_size=2000):
        payload = dict(event.payload)
        if payload.get("delivery") or "message" in payload:
            continue  # a Set Retail delivery's event: its reason is data already
        record = parsed[payload["run_id"]]
        payload["message"] = record
        payload["reason_message"] = {"code": "run_failed", "params": {"run": payload.get("run") or "",
                                                                      "reason": record}}
        PromoEvent.objects.filter(pk=event.pk).update(payload=payload)


def failures_to_texts(apps, schema_editor):
    from exports.failures import failure_text

    ExportRun = apps.get_model("exports", "ExportRun")
    with translation.override(settings.LANGUAGE_CODE):
        for pk, record in ExportRun.objects.exclude(failure={}).values_list("pk", "failure").iterator(chunk_size=2000):
            ExportRun.objects.filter(pk=pk).update(error=failure_text(record))


class Migration(migrations.Migration):

    dependencies = [
        ("exports", "0006_exportfile_delivery_message"),
        ("promo", "0016_notificationsettings_language_chosen"),
    ]

    operations = [
        migrations.AddField(
            model_name="exportrun",
            name="failure",
            field=models.JSONField(blank=True, default=dict, verbose_name="причина ошибки"),
        ),
        migrations.RunPython(texts_to_failures, failures_to_texts),
        migrations.RemoveField(
            model_name="exportrun",
            name="error",
        ),
    ]
