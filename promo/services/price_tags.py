"""«Ценники» on request: ONE service behind the branch page, the job pages, the ``price_tags``
command and the Celery task. Which tags a person gets is :func:`price_tags_for`'s rule (the
promos that person may see); how they are laid out is :func:`price_tags_write`'s (chunks of
whole pages, merged), so the memory of a request does not grow with the branch.

- :func:`price_tags_request` answers a small branch at once (a temp file with the PDF) and
  turns a large one (above PROMO_PRICE_TAGS_ASYNC_TAGS tags) into a :class:`PriceTagJob` for
  the worker, reusing the person's unfinished job for the same branch and day;
- :func:`price_tag_job_run` is what the worker runs: the progress goes to the job in
  autocommitted updates (another request sees the bar move), the PDF to MEDIA_ROOT;
- :func:`price_tag_job_fail` marks a crash, so a job never stays «готовится» forever; a job
  whose worker died silently (SIGKILL, out of memory, a restarted machine: no progress for
  ``STALL_AFTER``) is queued again by the reaper (:func:`price_tag_jobs_recover`, beat), at most
  PROMO_PRICE_TAGS_MAX_RESTARTS times, then failed with the reason; while the reaper does not
  run, its page says so, and asking again fails it and queues a new one;
- :func:`price_tag_jobs_clean` removes jobs (and their files) older than
  PROMO_PRICE_TAGS_KEEP_DAYS.

The task module (promo.tasks.documents) calls this one back; this module enqueues it, the one
accepted circle (a module enqueuing its own task)."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from branches.models import Branch
from config.locks import advisory_xact_lock
from promo.models import PriceTagJob
from promo.models.documents import STALL_AFTER
from promo.services.documents import price_tags_for, price_tags_write

logger = logging.getLogger(__name__)

# The bar moves at most this many times a job, whatever the number of tags (query counts stay flat).
PROGRESS_STEPS = 20

STALLED = _lazy("Подготовка остановилась: обработчик фоновых задач не отвечал. Ценники заказаны заново.")
WORKER_LOST = _lazy("Обработчик фоновых задач останавливался во время подготовки (перезапусков: %(restarts)s). "
                    "Закажите ценники ещё раз; если сбой повторится, обратитесь в поддержку.")


@dataclass
class PriceTagsAnswer:
    """What a request for price tags gets: the PDF at once (``file``, open at its start, the
    caller closes it), the job that prepares it (``job``), or, for a large request that may
    not start one, neither."""

    tags: int
    file: IO[bytes] | None = None
    pages: int = 0
    job: PriceTagJob | None = None


def price_tags_are_large(count: int) -> bool:
    """Above PROMO_PRICE_TAGS_ASYNC_TAGS tags the PDF is prepared by the worker."""
    return count > settings.PROMO_PRICE_TAGS_ASYNC_TAGS


def price_tags_request(*, actor, branch: Branch, day: date, queue: bool = True) -> PriceTagsAnswer:
    """The tags of ``branch`` on ``day`` with the promos ``actor`` may see: rendered now when
    there are few, else queued for the worker (after the commit, so the worker finds the job).
    With ``queue=False`` (a GET) a large request gets neither file nor job: only its count, for
    the page that offers to start it. The caller has checked that ``actor`` may choose the
    branch (``Branch.objects.restrict``)."""
    tags = price_tags_for(branch=branch, day=day, user=actor)
    if not price_tags_are_large(len(tags)):
        out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
        try:
            pages = price_tags_write(branch=branch, day=day, tags=tags, out=out)
        except BaseException:
            out.close()
            raise
        out.seek(0)
        return PriceTagsAnswer(tags=len(tags), file=out, pages=pages)
    if not queue:
        return PriceTagsAnswer(tags=len(tags))
    with transaction.atomic():
        # Two requests at once (a double click, two tabs) look for the unfinished job one
        # after the other, so the second finds the first's job instead of queueing its own.
        advisory_xact_lock(f"price-tags:{actor.pk}:{branch.pk}:{day.isoformat()}")
        unfinished = list(PriceTagJob.objects.restrict(actor)
                          .filter(branch=branch, day=day,
                                  status__in=[PriceTagJob.Status.QUEUED, PriceTagJob.Status.RUNNING])
                          .order_by("-created_at", "-pk"))
        for job in unfinished:
            if not job.looks_stuck:
                return PriceTagsAnswer(tags=len(tags), job=job)  # a second click waits for the first
        for job in unfinished:  # its worker or its message is lost: this request replaces it
            price_tag_job_fail(job=job, reason=STALLED)
        job = price_tag_job_create(actor=actor, branch=branch, day=day, tags_total=len(tags))
        transaction.on_commit(lambda: _enqueue(job))
    return PriceTagsAnswer(tags=len(tags), job=job)


def price_tag_job_create(*, actor, branch: Branch, day: date, tags_total: int = 0) -> PriceTagJob:
    """A queued job, printed later in the language of the page it was asked from."""
    return PriceTagJob.objects.create(requested_by=actor, branch=branch, day=day, tags_total=tags_total,
                                      language=translation.get_language() or settings.LANGUAGE_CODE)


def _enqueue(job: PriceTagJob) -> None:
    """Hand a job to the worker; a broker that cannot be reached fails the job with the reason
    rather than leaving it queued."""
    from promo.tasks.documents import price_tags_render_task

    try:
        price_tags_render_task.delay(job.pk)
    except Exception as error:  # noqa: BLE001 - any broker error ends the same way
        price_tag_job_fail(job=job, reason=_("Очередь обработки недоступна: %(error)s") % {"error": error})


class _Progress:
    """Writes tags done to the job in its own autocommitted update, at most PROGRESS_STEPS times."""

    def __init__(self, job: PriceTagJob) -> None:
        self.job = job
        self.written = 0

    def __call__(self, done: int, total: int) -> None:
        step = max(1, total // PROGRESS_STEPS)
        if done < total and done - self.written < step:
            return
        # updated_at is the job's heartbeat (PriceTagJob.looks_stuck).
        PriceTagJob.objects.filter(pk=self.job.pk).update(tags_done=done, tags_total=total,
                                                          updated_at=timezone.now())
        self.written = done


def price_tag_job_run(job: PriceTagJob) -> PriceTagJob:
    """Render a job's PDF as its requester would get it at once (the same rule for which
    promos, the language of the page it was asked from) and keep it under MEDIA_ROOT. The job
    ends succeeded with the file; a requester who has since been switched off gets a failed
    job. Exceptions go to the caller (the task marks the job failed)."""
    job = PriceTagJob.objects.select_related("branch", "requested_by").get(pk=job.pk)
    if job.is_finished:
        return job  # a redelivered message: the work is done
    # Queued or running: running again only after a lost worker, whose message came back.
    now = timezone.now()
    PriceTagJob.objects.filter(pk=job.pk).update(status=PriceTagJob.Status.RUNNING, started_at=now,
                                                 updated_at=now, tags_done=0, failure="")
    actor = job.requested_by
    if not actor.is_active:
        price_tag_job_fail(job=job, reason=_("Пользователь, заказавший ценники, отключён."))
        return job
    with translation.override(job.language or settings.LANGUAGE_CODE):
        tags = price_tags_for(branch=job.branch, day=job.day, user=actor)
        PriceTagJob.objects.filter(pk=job.pk).update(tags_total=len(tags), updated_at=timezone.now())
        with tempfile.TemporaryFile() as out:
            pages = price_tags_write(branch=job.branch, day=job.day, tags=tags, out=out, progress=_Progress(job))
            size = out.tell()
            out.seek(0)
            old = job.file.name
            job.file.save(f"{job.pk}_{job.filename}", File(out), save=False)
    if old and old != job.file.name:
        job.file.storage.delete(old)
    job.status, job.finished_at = PriceTagJob.Status.SUCCEEDED, timezone.now()
    job.tags_total = job.tags_done = len(tags)
    job.pages, job.size, job.failure = pages, size, ""
    job.save(update_fields=["status", "finished_at", "tags_total", "tags_done", "pages", "size", "file",
                            "failure", "updated_at"])
    return job


def price_tag_job_fail(*, job: PriceTagJob, reason: str) -> None:
    """Mark a job failed (a crash, not a user's mistake) with the reason the page shows."""
    reason = str(reason)
    logger.error("Price tag job %s failed: %s", job.pk, reason)
    PriceTagJob.objects.filter(pk=job.pk).update(status=PriceTagJob.Status.FAILED, failure=reason[:2000],
                                                 finished_at=timezone.now())
    job.status, job.failure = PriceTagJob.Status.FAILED, reason[:2000]


def price_tag_jobs_clean(*, now=None) -> int:
    """Remove the jobs finished more than PROMO_PRICE_TAGS_KEEP_DAYS ago, with their files;
    returns how many. Unfinished jobs stay."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.PROMO_PRICE_TAGS_KEEP_DAYS)
    old = PriceTagJob.objects.filter(finished_at__lt=cutoff)
    removed = 0
    for job in old.only("pk", "file").iterator():
        if job.file:
            job.file.storage.delete(job.file.name)
        removed += 1
    old.delete()
    return removed


def price_tag_jobs_recover(*, now=None) -> dict[str, list[int]]:
    """The reaper (beat, every RECOVERY_INTERVAL_SECONDS): an unfinished job silent for
    STALL_AFTER lost its worker or its message. It is queued again (``restarts`` + 1; the render
    starts over and writes the whole PDF, so a dead worker's half-done work costs nothing), at
    most PROMO_PRICE_TAGS_MAX_RESTARTS times; after that it fails with the reason (a branch that
    kills its worker every time). Each job is handled under its row lock, skipping rows another
    process holds. Returns the ids restarted and failed."""
    now = now or timezone.now()
    silent = PriceTagJob.objects.filter(status__in=[PriceTagJob.Status.QUEUED, PriceTagJob.Status.RUNNING],
                                        updated_at__lt=now - STALL_AFTER)
    report: dict[str, list[int]] = {"restarted": [], "failed": []}
    for pk in silent.values_list("pk", flat=True):
        with transaction.atomic():
            job = silent.select_for_update(skip_locked=True).filter(pk=pk).first()
            if job is None:
                continue  # renewed, finished or taken meanwhile
            if job.restarts >= settings.PROMO_PRICE_TAGS_MAX_RESTARTS:
                with translation.override(job.language or settings.LANGUAGE_CODE):
                    price_tag_job_fail(job=job, reason=str(WORKER_LOST) % {"restarts": job.restarts})
                report["failed"].append(pk)
                continue
            job.status, job.tags_done, job.restarts = PriceTagJob.Status.QUEUED, 0, job.restarts + 1
            job.save(update_fields=["status", "tags_done", "restarts", "updated_at"])
            transaction.on_commit(lambda job=job: _enqueue(job))
            report["restarted"].append(pk)
    if report["restarted"] or report["failed"]:
        logger.warning("price tag recovery: restarted %s, failed %s", report["restarted"], report["failed"])
    return report
