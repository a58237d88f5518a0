"""Celery tasks: processing large uploads, and the reaper of uploads whose process died. Thin
over promo/services/imports: the task only loads the upload and the acting user (passed
explicitly by id, never taken from a request) and calls the same service the page, the API and
the command use; the reaper's schedule is in config/settings/celery.py."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from promo.models import PromoUpload

__all__ = ["upload_process_task", "uploads_recover_task"]

logger = logging.getLogger(__name__)

# A sheet of PROMO_UPLOAD_MAX_ROWS rows takes well under this; past it the upload is marked
# failed instead of hanging in «processing».
SOFT_TIME_LIMIT = 30 * 60


@shared_task(name="promo.upload_process", ignore_result=True, soft_time_limit=SOFT_TIME_LIMIT,
             time_limit=SOFT_TIME_LIMIT + 60)
def upload_process_task(upload_id: int, actor_id: int) -> dict | None:
    """Import a queued upload as ``actor_id``. Whatever goes wrong, the upload ends imported,
    rejected or failed (with the reason), never stuck in processing."""
    from promo.services.imports.uploads import upload_error_workbook, upload_fail, upload_process

    upload = PromoUpload.objects.filter(pk=upload_id).first()
    if upload is None:
        logger.warning("Promo upload %s vanished before processing", upload_id)
        return None
    if upload.status not in PromoUpload.Status.working():
        return None  # a redelivered message: the work is done, or waits for a confirmation
    try:
        actor = get_user_model().objects.get(pk=actor_id, is_active=True)
        result = upload_process(upload=upload, actor=actor)
        if result is None:
            return None  # another process has it (a duplicate message)
        if result.errors and not result.duplicate_of:
            # Prepare the annotated workbook now: for a large sheet it takes a while, and the
            # supplier will download it next.
            with translation.override(settings.LANGUAGE_CODE):
                upload_error_workbook(upload)
        return result.as_json()
    except SoftTimeLimitExceeded:
        upload_fail(upload=upload, reason=_("Превышено время обработки файла."))
    except get_user_model().DoesNotExist:
        upload_fail(upload=upload, reason=_("Пользователь, загрузивший файл, отключён или удалён."))
    except Exception as error:  # noqa: BLE001 - the upload must record any crash
        if upload.status != PromoUpload.Status.FAILED:
            upload_fail(upload=upload, reason=f"{type(error).__name__}: {error}")
    return None


@shared_task(name="promo.uploads_recover", ignore_result=True)
def uploads_recover_task() -> dict:
    """Requeue or fail the uploads whose process died, expire old previews (beat)."""
    from dataclasses import asdict

    from promo.services.imports.recovery import uploads_recover

    return asdict(uploads_recover())
