"""Celery tasks: the price tag PDFs of large branches (promo.services.price_tags) and their
daily clean-up. Thin over the service: the task only loads the job and calls the same service
the page and the command use."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils.translation import gettext as _

from promo.models import PriceTagJob

__all__ = ["price_tag_jobs_clean_task", "price_tag_jobs_recover_task", "price_tags_render_task"]

logger = logging.getLogger(__name__)

# 5,000 tags take about a minute of CPU (two on a busy machine); past this the job is marked
# failed instead of hanging in «готовится».
SOFT_TIME_LIMIT = 30 * 60


@shared_task(name="promo.price_tags_render", ignore_result=True, soft_time_limit=SOFT_TIME_LIMIT,
             time_limit=SOFT_TIME_LIMIT + 60)
def price_tags_render_task(job_id: int) -> None:
    """Render a queued job's PDF. Whatever goes wrong, the job ends succeeded or failed (with
    the reason), never stuck in «готовится»."""
    from promo.services.price_tags import price_tag_job_fail, price_tag_job_run

    job = PriceTagJob.objects.filter(pk=job_id).first()
    if job is None:
        logger.warning("Price tag job %s vanished before rendering", job_id)
        return
    try:
        price_tag_job_run(job)
    except SoftTimeLimitExceeded:
        price_tag_job_fail(job=job, reason=_("Превышено время подготовки ценников."))
    except Exception as error:  # noqa: BLE001 - the job must record any crash
        logger.exception("Price tag job %s crashed", job_id)
        price_tag_job_fail(job=job, reason=f"{type(error).__name__}: {error}")


@shared_task(name="promo.price_tag_jobs_clean", ignore_result=True)
def price_tag_jobs_clean_task() -> int:
    """Remove prepared price tags older than PROMO_PRICE_TAGS_KEEP_DAYS (beat, daily)."""
    from promo.services.price_tags import price_tag_jobs_clean

    return price_tag_jobs_clean()


@shared_task(name="promo.price_tag_jobs_recover", ignore_result=True)
def price_tag_jobs_recover_task() -> dict[str, list[int]]:
    """Queue again, or fail, the jobs whose worker died (beat, every RECOVERY_INTERVAL_SECONDS)."""
    from promo.services.price_tags import price_tag_jobs_recover

    return price_tag_jobs_recover()
