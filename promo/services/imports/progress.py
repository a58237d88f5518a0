"""The saving step's progress, seen while it runs.

Reading and checking a sheet write their progress in autocommitted updates (the upload
lifecycle, :mod:`.uploads`, and its lease, :mod:`.leases`). Saving runs in ONE transaction that
holds the upload's row locked (:func:`~promo.services.imports.leases.lock_claimed`), so nothing
written there is seen before it is all over, and the bar would sit full. Instead,
:class:`SaveProgress` writes lines done / total into :class:`~promo.models.UploadSaveProgress`
(a table of its own, naming the upload and its attempt without a foreign key, so the locked row
is never waited for) on a connection of its own: a short-lived thread (Django opens one
connection per thread) that writes, commits and closes. A lock timeout guards the rest.
Progress is best effort: a failed write is skipped, never the import.

On SQLite (``make run``) a second writer would wait for the saving transaction, and an upload
created inside an outer transaction (a dry run, a test) is not visible to another connection:
there the saving step reports nothing and the bar shows the reading share until the end.
"""

from __future__ import annotations

import logging
import threading

from django.db import connection, connections

from promo.models import PromoUpload, UploadSaveProgress

logger = logging.getLogger(__name__)

# A write that cannot get the row in this time is skipped.
LOCK_TIMEOUT_MS = 2000
JOIN_TIMEOUT_S = 5
# Each write opens a connection (tens of milliseconds): between the first and the last, one
# when the lines saved moved by this share of the total (a corrected sheet advances once per
# promo it revises: 1,000 revisions were 1,000 connections, now at most 20).
MIN_STEP = 0.05


def _write_apart(upload_id: int, attempt: int, fields: dict) -> None:
    def run() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
            UploadSaveProgress.objects.update_or_create(upload_id=upload_id, attempt=attempt, defaults=fields)
        except Exception:  # noqa: BLE001 - progress is best effort
            logger.warning("saving progress of upload %s not written", upload_id, exc_info=True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=f"upload-{upload_id}-progress", daemon=True)
    thread.start()
    thread.join(JOIN_TIMEOUT_S)


class SaveProgress:
    """Counts the lines written by the save step and publishes ``done`` of ``total``."""

    def __init__(self, upload: PromoUpload, *, total: int, live: bool):
        self.upload = upload
        self.total = max(total, 1)
        self.done = 0
        self.live = live and connection.vendor == "postgresql"
        self._published: int | None = None  # the lines done last written

    @classmethod
    def for_upload(cls, upload: PromoUpload, *, total: int) -> SaveProgress:
        """Live only when the upload row is committed (the process is not inside an outer
        transaction), so another connection can see and update it."""
        return cls(upload, total=total, live=not connection.in_atomic_block)

    def start(self) -> None:
        self._publish()

    def advance(self, lines: int) -> None:
        self.done = min(self.total, self.done + max(0, lines))
        self._publish()

    def _publish(self) -> None:
        self.upload.saving_total, self.upload.saving_done = self.total, self.done
        if not self.live:
            return
        if (self._published is not None and self.done < self.total
                and self.done - self._published < MIN_STEP * self.total):
            return  # the next write (at the latest the last one, all lines saved) shows it
        self._published = self.done
        _write_apart(self.upload.pk, self.upload.attempt, {"total": self.total, "done": self.done})

    def clear(self) -> None:
        """The saving step is over (saved, refused or waiting for a confirmation): its rows go."""
        if self.live:
            UploadSaveProgress.objects.filter(upload_id=self.upload.pk).delete()
