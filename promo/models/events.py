"""The record of everything that happens to promos: business events (the audit trail and the
source of notifications) and comments."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.choices import ChoiceLabelsMixin


class PromoEvent(ChoiceLabelsMixin, models.Model):
    """One business event: who did what to which promo (or upload), when, why, and what
    changed. Written by services in the same transaction as the change; notifications are
    derived from these rows."""

    class Kind(models.TextChoices):
        UPLOAD_IMPORTED = "upload_imported", _("Файл загружен")
        UPLOAD_REJECTED = "upload_rejected", _("Файл отклонён")
        PROMO_CREATED = "promo_created", _("Промо создано")
        REVISION_CREATED = "revision_created", _("Новая ревизия")
        PROMO_SUBMITTED = "promo_submitted", _("Отправлено на согласование")
        LINE_DECIDED = "line_decided", _("Решение по строкам")
        PROMO_APPROVED = "promo_approved", _("Согласовано")
        PROMO_REJECTED = "promo_rejected", _("Отклонено")
        PROMO_WITHDRAWN = "promo_withdrawn", _("Отозвано")
        PROMO_CANCELLED = "promo_cancelled", _("Отменено")
        PROMO_EXTENDED = "promo_extended", _("Продлено")
        PROMO_CORRECTED = "promo_corrected", _("Точечная корректировка")
        MASS_CORRECTED = "mass_corrected", _("Массовая корректировка")
        TARGETING_CHANGED = "targeting_changed", _("Изменены филиалы")
        EXTENSION_REQUESTED = "extension_requested", _("Запрошено продление")
        CANCELLATION_REQUESTED = "cancellation_requested", _("Запрошена отмена")
        REQUEST_ACCEPTED = "request_accepted", _("Запрос поставщика принят")
        REQUEST_DECLINED = "request_declined", _("Запрос поставщика отклонён")
        COMMENT_ADDED = "comment_added", _("Комментарий")
        STARTS_TOMORROW = "starts_tomorrow", _("Начинается завтра")
        STARTED = "started", _("Началось")
        FINISHED = "finished", _("Завершилось")
        DECISION_DUE = "decision_due", _("Скоро срок решения")
        DECISION_OVERDUE = "decision_overdue", _("Срок решения прошёл")
        EXPORT_FAILED = "export_failed", _("Выгрузка не удалась")
        EXPORT_WARNINGS = "export_warnings", _("Выгрузка с предупреждениями")

    kind = models.CharField(_("событие"), max_length=40, choices=Kind.choices, db_index=True)
    promo = models.ForeignKey("promo.Promo", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="events", verbose_name=_("промо"))
    upload = models.ForeignKey("promo.PromoUpload", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="events", verbose_name=_("загрузка"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", verbose_name=_("кто"))
    from_status = models.CharField(_("статус до"), max_length=20, blank=True)
    to_status = models.CharField(_("статус после"), max_length=20, blank=True)
    reason = models.TextField(_("причина / комментарий"), blank=True)
    internal = models.BooleanField(_("внутреннее"), default=False,
                                   help_text=_("Не показывается и не отправляется поставщику."))
    payload = models.JSONField(_("подробности"), default=dict, blank=True)
    created_at = models.DateTimeField(_("когда"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("событие")
        verbose_name_plural = _("события")
        indexes = [
            # The activity log, newest first.
            models.Index(fields=["-created_at", "-id"], name="event_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%d.%m.%Y %H:%M}"


class PromoComment(models.Model):
    """A message in a promo's comment thread. Internal comments are for chain staff only."""

    promo = models.ForeignKey("promo.Promo", on_delete=models.CASCADE, related_name="comments",
                              verbose_name=_("промо"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("автор"))
    text = models.TextField(_("текст"))
    internal = models.BooleanField(_("внутренний"), default=False)
    created_at = models.DateTimeField(_("когда"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("комментарий")
        verbose_name_plural = _("комментарии")

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"
