"""Crash recovery of export runs: who holds a run (its lease), where it writes until it is
complete (a hidden staging folder), and the reaper that beat runs every RECOVERY_INTERVAL_SECONDS
(``exports.tasks.export_runs_recover``, config/settings/celery.py).

- A worker takes a queued run (:func:`run_claim`: running, ``attempt`` + 1, a lease) and renews
  the lease after the selection and after each file (:func:`run_heartbeat`). Its writes after
  the claim are conditioned on its attempt: a worker whose lease ran out and whose run went to
  another worker stops (:class:`RunSuperseded`) and saves nothing.
- A run writes its files and manifest into ``<root>/.<YYYYMMDD>_<NN>.<attempt>.part/`` (a hidden
  folder: readers of the export root and the download pages only know final folder names) and
  the last step renames that folder to ``<root>/<YYYYMMDD>_<NN>/`` (:func:`run_publish`, one
  atomic rename). A worker killed at any point before leaves nothing under a final name: no
  file and no folder that looks complete.
- The reaper takes a run «running» whose lease ran out: it removes its staging folder and
  queues it again (``restarts`` + 1, at most EXPORT_RUN_MAX_RESTARTS, and only while no later
  run of the same date exists), otherwise fails it with the reason (the marketers are told, as
  for any failed run). A run «queued» that no worker took within EXPORT_RUN_TIMEOUT_MINUTES
  fails too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from exports.models import ExportRun
from exports.wording import message

logger = logging.getLogger(__name__)

class RunSuperseded(Exception):
    """The run was given to another worker (this one's lease had run out)."""


def lease_end():
    return timezone.now() + timedelta(seconds=settings.EXPORT_RUN_LEASE_SECONDS)


def staging_folder(run: ExportRun) -> Path:
    """Where this attempt of the run writes until it is complete: a hidden sibling of its folder."""
    folder = Path(run.folder)
    return folder.with_name(f".{folder.name}.{run.attempt}.part")


def run_claim(run: ExportRun) -> bool:
    """Take a queued run for this worker; False when it is not queued (a task delivered twice,
    or a run another worker has)."""
    claimed = ExportRun.objects.filter(pk=run.pk, status=ExportRun.Status.QUEUED).update(
        status=ExportRun.Status.RUNNING, started_at=timezone.now(), attempt=F("attempt") + 1,
        lease_until=lease_end(),
    )
    run.refresh_from_db()
    return bool(claimed)


def run_heartbeat(run: ExportRun) -> None:
    """Renew this worker's lease; :class:`RunSuperseded` when the run is no longer its."""
    if not ExportRun.objects.filter(pk=run.pk, attempt=run.attempt, status=ExportRun.Status.RUNNING).update(
            lease_until=lease_end()):
        raise RunSuperseded(run.pk)


def run_lock_claimed(run: ExportRun) -> None:
    """In the run's final transaction: lock its row and check it is still this worker's."""
    if not ExportRun.objects.select_for_update().filter(
            pk=run.pk, attempt=run.attempt, status=ExportRun.Status.RUNNING).exists():
        raise RunSuperseded(run.pk)


def run_publish(staging: Path, folder: Path) -> None:
    """Make the complete run visible: one rename of its staging folder to the final name."""
    os.rename(staging, folder)
    with contextlib.suppress(OSError):  # make the rename itself durable where the OS allows
        descriptor = os.open(folder.parent, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def remove_staging(run: ExportRun) -> None:
    """Remove every staging folder a run's attempts left (a killed worker's half-written files)."""
    folder = Path(run.folder)
    if not run.folder or not folder.parent.is_dir():
        return
    for leftover in folder.parent.glob(f".{folder.name}.*.part"):
        shutil.rmtree(leftover, ignore_errors=True)


@dataclass
class RunRecovery:
    """What one pass of the reaper did (run ids)."""

    restarted: list[int]
    failed: list[int]


def runs_recover(*, fail: Callable[[ExportRun, dict], object], now=None, restart: bool = True) -> RunRecovery:
    """Requeue or fail the runs whose worker died (see the module docstring); ``fail(run,
    reason)`` (a message: exports/failures.py) fails a run the way every failed run is failed (``exports.services``, which also
    enqueues the restarted ones). ``restart=False`` only fails them (a new run of the date is
    being made: it supersedes them)."""
    now = now or timezone.now()
    report = RunRecovery(restarted=[], failed=[])
    lease = timedelta(seconds=settings.EXPORT_RUN_LEASE_SECONDS)
    lapsed = ExportRun.objects.filter(
        Q(status=ExportRun.Status.RUNNING) & (Q(lease_until__lt=now) | Q(lease_until__isnull=True,
                                                                          started_at__lt=now - lease))
        # (queued since its creation, or since the reaper queued it again: its last change)
        | Q(status=ExportRun.Status.QUEUED,
            updated_at__lt=now - timedelta(minutes=settings.EXPORT_RUN_TIMEOUT_MINUTES))
    )
    for pk in lapsed.values_list("pk", flat=True):
        with transaction.atomic():
            run = lapsed.select_for_update(skip_locked=True).filter(pk=pk).first()
            if run is None:
                continue  # renewed, finished or taken meanwhile
            remove_staging(run)
            if run.status == ExportRun.Status.QUEUED:
                reason = message("run_not_taken", minutes=settings.EXPORT_RUN_TIMEOUT_MINUTES)
            elif ExportRun.objects.filter(business_date=run.business_date, number__gt=run.number).exists():
                reason = message("run_superseded")
            elif restart and run.restarts < settings.EXPORT_RUN_MAX_RESTARTS:
                reason = None
            else:
                reason = message("run_worker_lost", restarts=run.restarts)
            if reason is not None:
                fail(run, reason)
                report.failed.append(pk)
                continue
            run.status = ExportRun.Status.QUEUED
            run.restarts += 1
            run.lease_until = None
            run.save(update_fields=["status", "restarts", "lease_until", "updated_at"])
            report.restarted.append(pk)
    if report.restarted or report.failed:
        logger.warning("export recovery: restarted %s, failed %s", report.restarted, report.failed)
    return report
