"""Crash recovery of uploads: the reaper that beat runs every RECOVERY_INTERVAL_SECONDS
(``promo.uploads_recover``, config/settings/celery.py).

A process working on an upload renews its lease (``lease_until``) with every chunk of rows and
before the save step (:mod:`.leases`); a web or worker process that dies (SIGKILL, out of
memory, a restarted machine) stops renewing it. The reaper then:

- queues an upload whose lease ran out while «processing» again for the worker (``restarts``
  + 1; the save step is one transaction, so the dead process saved nothing and running the
  file again is safe), at most PROMO_UPLOAD_MAX_RESTARTS times; after that it fails it with
  the reason (a file that kills its worker every time);
- publishes again the task of an upload «queued» that no worker took within
  PROMO_UPLOAD_QUEUE_LEASE_SECONDS (a lost message: duplicates are harmless, a worker takes an
  upload only while it is queued), and fails one that waited PROMO_UPLOAD_QUEUE_TIMEOUT_SECONDS;
- cancels previews that waited longer than PROMO_UPLOAD_PREVIEW_HOURS (:mod:`.confirmation`).

The upload page says what happened (restarted N times, or why it failed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from promo.models import PromoUpload
from promo.services.imports.confirmation import upload_previews_expire
from promo.services.imports.uploads import upload_enqueue

logger = logging.getLogger(__name__)


@dataclass
class UploadRecovery:
    """What one pass of the reaper did (ids of the uploads)."""

    restarted: list[int]
    republished: list[int]
    failed: list[int]
    expired: int = 0


def _failure(row: PromoUpload) -> str:
    """The reason a user reads on the upload page (stored in the portal's language)."""
    with override(settings.LANGUAGE_CODE):
        if row.status == PromoUpload.Status.QUEUED:
            return _("Файл так и не был взят в обработку (очередь обработки не работает). Ничего не "
                     "сохранено: загрузите файл ещё раз позже или обратитесь в поддержку.")
        return _("Обработчик файла остановился во время работы (перезапусков: %(restarts)s). Ничего не "
                 "сохранено: загрузите файл ещё раз или обратитесь в поддержку.") % {"restarts": row.restarts}


def _requeue(row: PromoUpload, now) -> None:
    row.status = PromoUpload.Status.QUEUED
    row.queued_at = now
    row.lease_until = now + timedelta(seconds=settings.PROMO_UPLOAD_QUEUE_LEASE_SECONDS)
    row.rows_done = 0
    row._change_reason = _("Обработчик остановился: файл поставлен в очередь заново")
    row.save(update_fields=["status", "restarts", "queued_at", "lease_until", "rows_done", "updated_at"])


def _fail(row: PromoUpload, now) -> None:
    row.failure = _failure(row)
    row.status = PromoUpload.Status.FAILED
    row.lease_until = None
    row.finished_at = now
    row._change_reason = _("Обработчик остановился")
    row.save(update_fields=["status", "failure", "lease_until", "finished_at", "updated_at"])


def uploads_recover(*, now=None) -> UploadRecovery:
    """One pass of the reaper over uploads (see the module docstring). Each upload is handled
    under its row lock, skipping rows a live process holds locked."""
    now = now or timezone.now()
    report = UploadRecovery(restarted=[], republished=[], failed=[])
    lapsed = PromoUpload.objects.filter(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True, updated_at__lt=now - timedelta(
            seconds=settings.PROMO_UPLOAD_QUEUE_LEASE_SECONDS)),
        status__in=PromoUpload.Status.working(),
    )
    for pk in lapsed.values_list("pk", flat=True):
        with transaction.atomic():
            row = lapsed.select_for_update(skip_locked=True).filter(pk=pk).first()
            if row is None:
                continue  # taken, finished or renewed meanwhile
            actor_id = row.confirmed_by_id or row.uploaded_by_id
            if row.status == PromoUpload.Status.PROCESSING:
                if row.restarts >= settings.PROMO_UPLOAD_MAX_RESTARTS:
                    _fail(row, now)
                    report.failed.append(pk)
                    continue
                row.restarts += 1
                _requeue(row, now)
                report.restarted.append(pk)
            else:
                queued_since = row.queued_at or row.created_at
                if queued_since < now - timedelta(seconds=settings.PROMO_UPLOAD_QUEUE_TIMEOUT_SECONDS):
                    _fail(row, now)
                    report.failed.append(pk)
                    continue
                row.lease_until = now + timedelta(seconds=settings.PROMO_UPLOAD_QUEUE_LEASE_SECONDS)
                row.save(update_fields=["lease_until", "updated_at"])
                report.republished.append(pk)
            transaction.on_commit(lambda row=row, actor_id=actor_id: upload_enqueue(
                upload=row, actor_id=actor_id))
    report.expired = upload_previews_expire(now=now)
    if report.restarted or report.republished or report.failed or report.expired:
        logger.warning("upload recovery: restarted %s, republished %s, failed %s, previews expired %s",
                       report.restarted, report.republished, report.failed, report.expired)
    return report
