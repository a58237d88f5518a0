"""Celery tasks of the exports: the nightly run (beat, at EXPORT_NIGHTLY_AT; the schedule is
declared in config/settings/celery.py), a run queued from the page or the API, the Set Retail
delivery with retries, and the reaper of runs whose worker died (beat). They only parse their
arguments and call exports/services.py and exports/delivery.py."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from exports import set10
from exports.delivery import export_file_deliver, export_file_delivery_give_up
from exports.models import ExportFile, ExportRun
from exports.services import export_run, export_runs_recover

__all__ = ["export_nightly", "export_run_task", "export_runs_recover_task", "export_set10_deliver"]


@shared_task(name="exports.tasks.export_nightly")
def export_nightly() -> int:
    """The night's export of every system for today's business date (local time)."""
    return export_run(business_date=timezone.localdate()).pk


@shared_task(name="exports.tasks.export_run_task")
def export_run_task(run_id: int) -> int:
    """Execute a run queued by a marketer (page or API)."""
    run = ExportRun.objects.get(pk=run_id)
    return export_run(run=run).pk


@shared_task(name="exports.tasks.export_runs_recover")
def export_runs_recover_task() -> dict:
    """Queue again or fail the runs whose worker died (beat, every RECOVERY_INTERVAL_SECONDS)."""
    report = export_runs_recover()
    return {"restarted": report.restarted, "failed": report.failed}


@shared_task(bind=True, name="exports.tasks.export_set10_deliver", max_retries=None)
def export_set10_deliver(self, file_id: int) -> str:
    """Upload a Set Retail file and poll its status; retry with a growing delay while Set10 is
    unreachable or undecided, then give up (failed, marketers notified)."""
    export_file = ExportFile.objects.select_related("run").get(pk=file_id)
    try:
        export_file = export_file_deliver(export_file=export_file)
    except set10.Set10Unavailable as exc:
        if self.request.retries >= settings.SET10_UPLOAD_RETRIES:
            return export_file_delivery_give_up(export_file=export_file, detail=exc.detail).delivery_status
        raise self.retry(exc=exc, countdown=settings.SET10_RETRY_DELAY * 2 ** self.request.retries) from exc
    return export_file.delivery_status
