"""Who holds an upload: the process that took it (:func:`upload_claim`) and renews its lease
as it works (:class:`Progress`, the heartbeat). ``attempt`` is the holder's token: every write
after the claim is conditioned on it (:func:`lock_claimed`), so a process whose lease ran out
and whose upload the reaper (:mod:`.recovery`) gave to another worker writes nothing and stops
(:class:`UploadSuperseded`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from promo.models import PromoUpload


class UploadSuperseded(Exception):
    """The upload was given to another process (this one's lease had run out)."""


def lease_end() -> datetime:
    return timezone.now() + timedelta(seconds=settings.PROMO_UPLOAD_LEASE_SECONDS)


def upload_claim(upload: PromoUpload) -> bool:
    """Take a queued upload for this process: processing, the next ``attempt``, a fresh lease.
    False when it is not queued (another process has it, or it is finished or waits for a
    confirmation): then this process leaves it alone."""
    with transaction.atomic():
        row = PromoUpload.objects.select_for_update().filter(pk=upload.pk).first()
        if row is None or row.status != PromoUpload.Status.QUEUED:
            return False
        row.status = PromoUpload.Status.PROCESSING
        row.attempt += 1
        row.started_at = timezone.now()
        row.lease_until = lease_end()
        row.failure = ""
        row.rows_done = 0
        row.save(update_fields=["status", "attempt", "started_at", "lease_until", "failure", "rows_done",
                                "updated_at"])
    for name in ("status", "attempt", "started_at", "lease_until", "failure", "rows_done", "preview",
                 "confirmed_at", "confirmed_by_id", "restarts", "updated_at"):
        setattr(upload, name, getattr(row, name))
    return True


class Progress:
    """Writes rows done / total to the upload as validation goes, renewing the lease (the
    heartbeat the reaper watches). The update runs outside the saving transaction
    (autocommit), so another connection sees it at once; it is conditioned on this process's
    attempt, and a process that lost the upload stops here (:class:`UploadSuperseded`)."""

    def __init__(self, upload: PromoUpload, callback: Callable[[int, int], None] | None) -> None:
        self.upload = upload
        self.callback = callback
        self.total = 0

    def start(self, total: int | None) -> None:
        self.total = total or 0
        self._write(0)

    def __call__(self, done: int) -> None:
        self._write(done)

    def _write(self, done: int) -> None:
        self.total = max(self.total, done)
        lease = lease_end()
        if not PromoUpload.objects.filter(pk=self.upload.pk, attempt=self.upload.attempt).update(
                rows_done=done, rows_total=self.total, lease_until=lease):
            raise UploadSuperseded(self.upload.pk)
        self.upload.rows_done, self.upload.rows_total, self.upload.lease_until = done, self.total, lease
        if self.callback is not None:
            self.callback(done, self.total)


def lock_claimed(upload: PromoUpload) -> None:
    """Lock the upload's row and check this process still holds it (the reaper may have given
    it to another worker after this one's lease ran out): a superseded process saves nothing."""
    if not PromoUpload.objects.select_for_update().filter(pk=upload.pk, attempt=upload.attempt).exists():
        raise UploadSuperseded(upload.pk)


