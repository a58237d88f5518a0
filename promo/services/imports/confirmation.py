"""Confirming or cancelling an upload that waits with its preview (``awaiting_confirmation``):
the one service behind the upload page's «Применить» / «Отменить», ``POST
/api/v1/uploads/{id}/confirm/`` and ``.../cancel/``, and the reaper that expires old previews.

A confirmation applies exactly what the preview showed: the edge may pass the fingerprint it
showed (the page always does), and the save step applies the plan only if it still has that
fingerprint (the same file, the same versions of the promos, the same diff). Otherwise nothing
is saved and the upload waits again with the new preview (``stale``). A large upload is
confirmed into the worker's queue, like its first processing.

A cancelled or expired preview leaves nothing: the upload ends ``cancelled`` and its preview
is dropped; no promo, line, revision, event or e-mail was ever written for it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from promo.models import PromoUpload
from promo.services.errors import IllegalStateError, NotAllowedError, NotFoundError, StaleVersionError
from promo.services.imports.uploads import (
    ImportResult,
    upload_allowed,
    upload_enqueue,
    upload_is_large,
    upload_process,
)

NOT_AWAITING = {
    PromoUpload.Status.IMPORTED: gettext_lazy("Загрузка уже применена."),
    PromoUpload.Status.CANCELLED: gettext_lazy("Предпросмотр этой загрузки отменён: загрузите файл снова."),
    PromoUpload.Status.QUEUED: gettext_lazy("Загрузка уже подтверждена и обрабатывается."),
    PromoUpload.Status.PROCESSING: gettext_lazy("Загрузка уже подтверждена и обрабатывается."),
}
NOT_AWAITING_OTHER = gettext_lazy("Эта загрузка не ждёт подтверждения.")
PREVIEW_EXPIRED = gettext_lazy("Предпросмотр устарел (прошло больше %(hours)s ч) и отменён: загрузите файл снова.")
PREVIEW_STALE = gettext_lazy("Промо изменились после предпросмотра: изменения не применены. Проверьте новый "
                  "предпросмотр и подтвердите его снова.")


def upload_may_confirm(user, upload: PromoUpload) -> bool:
    """Who may apply or cancel a preview: whoever sees the upload (its uploader, a colleague of
    the same supplier, a marketer) and uploads sheets. The page offers the buttons only then."""
    return (upload.awaits_confirmation and upload_allowed(user)
            and PromoUpload.objects.restrict(user).filter(pk=upload.pk).exists())


def _locked_awaiting(*, upload: PromoUpload, actor) -> PromoUpload:
    """The upload's row, locked, if ``actor`` may act on it and it waits; else a refusal."""
    if not PromoUpload.objects.restrict(actor).filter(pk=upload.pk).exists():
        raise NotFoundError(_("Загрузка не найдена."))
    if not upload_allowed(actor):
        raise NotAllowedError(_("Загружать акции могут поставщики и маркетологи."))
    row = PromoUpload.objects.select_for_update().get(pk=upload.pk)
    if row.status != PromoUpload.Status.AWAITING_CONFIRMATION:
        raise IllegalStateError(str(NOT_AWAITING.get(row.status, NOT_AWAITING_OTHER)), code="not_awaiting")
    return row


def _drop_preview(row: PromoUpload, *, actor, expired: bool, now) -> None:
    row.status = PromoUpload.Status.CANCELLED
    row.preview = {}
    row.preview_expires_at = None
    row.finished_at = now
    row.summary = {**(row.summary or {}), "cancelled_by": actor.get_username() if actor else "",
                   "expired": expired}
    row._change_reason = _("Предпросмотр истёк") if expired else _("Предпросмотр отменён")
    row.save(update_fields=["status", "preview", "preview_expires_at", "finished_at", "summary", "updated_at"])


def upload_confirm(*, upload: PromoUpload, actor, fingerprint: str | None = None,
                   today: date | None = None) -> ImportResult | None:
    """Apply the preview of ``upload`` as ``actor``. ``fingerprint``: the preview the actor
    saw (refused as stale when it is not the upload's current one). Returns the result (its
    ``stale`` set when the promos changed since: then nothing was saved and the upload waits
    again with the new preview), or None when the upload went to the worker's queue (large).
    Refusals: :class:`NotFoundError`, :class:`NotAllowedError`, :class:`IllegalStateError`
    (not waiting, or expired: then it is cancelled), :class:`StaleVersionError`."""
    now = timezone.now()
    with transaction.atomic():
        row = _locked_awaiting(upload=upload, actor=actor)
        if row.preview_expires_at is not None and row.preview_expires_at <= now:
            _drop_preview(row, actor=None, expired=True, now=now)
            expired = True
        else:
            expired = False
            if fingerprint is not None and fingerprint != (row.preview or {}).get("fingerprint"):
                raise StaleVersionError(str(PREVIEW_STALE), code="preview_stale")
            row.status = PromoUpload.Status.QUEUED
            row.confirmed_by = actor
            row.confirmed_at = now
            row.queued_at = now
            row.lease_until = now + timedelta(seconds=settings.PROMO_UPLOAD_QUEUE_LEASE_SECONDS)
            row._change_reason = _("Предпросмотр подтверждён")
            row.save(update_fields=["status", "confirmed_by", "confirmed_at", "queued_at", "lease_until",
                                    "updated_at"])
    if expired:
        raise IllegalStateError(str(PREVIEW_EXPIRED) % {"hours": settings.PROMO_UPLOAD_PREVIEW_HOURS},
                                code="preview_expired")
    upload.refresh_from_db()
    if upload_is_large(upload):
        transaction.on_commit(lambda: upload_enqueue(upload=upload, actor_id=actor.pk))
        return None
    return upload_process(upload=upload, actor=actor, today=today)


def upload_cancel(*, upload: PromoUpload, actor) -> PromoUpload:
    """Drop the preview of ``upload``: it ends ``cancelled`` and nothing of it stays. Refusals
    as for :func:`upload_confirm`."""
    now = timezone.now()
    with transaction.atomic():
        row = _locked_awaiting(upload=upload, actor=actor)
        _drop_preview(row, actor=actor, expired=False, now=now)
    upload.refresh_from_db()
    return upload


def upload_previews_expire(*, now=None) -> int:
    """Cancel every preview older than PROMO_UPLOAD_PREVIEW_HOURS (the reaper, by beat)."""
    now = now or timezone.now()
    expired = 0
    for pk in PromoUpload.objects.filter(status=PromoUpload.Status.AWAITING_CONFIRMATION,
                                         preview_expires_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            row = (PromoUpload.objects.select_for_update(skip_locked=True)
                   .filter(pk=pk, status=PromoUpload.Status.AWAITING_CONFIRMATION).first())
            if row is not None:
                _drop_preview(row, actor=None, expired=True, now=now)
                expired += 1
    return expired
