"""E-mail notifications: the outbox of messages derived from promo events, and each user's
notification settings (language, event kinds switched off)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.choices import ChoiceLabelsMixin
from promo.models.events import PromoEvent


class OutboxMessage(ChoiceLabelsMixin, models.Model):
    """One e-mail to one person about one event.

    Rows are written in the transaction of the change that caused the event (so a change and
    its mails commit or roll back together) and sent later by a Celery task. The unique key
    (event, recipient) makes queueing idempotent: an event never mails the same person twice.
    A row is ``sent`` only after the mail server accepted the message; while a worker holds a
    row it is ``sending`` and ``next_attempt_at`` is the end of that worker's lease."""

    class Status(models.TextChoices):
        PENDING = "pending", _("В очереди")
        SENDING = "sending", _("Отправляется")
        SENT = "sent", _("Отправлено")
        FAILED = "failed", _("Не отправлено")

    event = models.ForeignKey(PromoEvent, on_delete=models.CASCADE, related_name="messages",
                              verbose_name=_("событие"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="outbox_messages", verbose_name=_("получатель"))
    to_address = models.EmailField(_("адрес"), max_length=254)
    language = models.CharField(_("язык"), max_length=10, default="ru")
    subject = models.CharField(_("тема"), max_length=300)
    body_text = models.TextField(_("текст"))
    body_html = models.TextField(_("HTML"))
    status = models.CharField(_("статус"), max_length=10, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    last_error = models.TextField(_("последняя ошибка"), blank=True)
    next_attempt_at = models.DateTimeField(_("следующая попытка"), default=timezone.now)
    sent_at = models.DateTimeField(_("отправлено"), null=True, blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("письмо")
        verbose_name_plural = _("исходящие письма")
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient"], name="outbox_once_per_event_recipient"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.to_address}: {self.subject}"


class NotificationSettings(models.Model):
    """A person's choices about e-mail: the language of the messages and the event kinds they
    do not want. Without a row every kind is on and the language is Russian. Until the person
    saves a language on «Уведомления» (``language_chosen``), the pages' language switch sets
    it too (:func:`promo.notifications.preferences.mail_language_follows_pages`)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_settings", verbose_name=_("пользователь"))
    language = models.CharField(_("язык писем"), max_length=10, choices=settings.LANGUAGES,
                                default="ru")
    language_chosen = models.BooleanField(
        _("язык писем выбран"), default=True,
        help_text=_("Выбран на странице «Уведомления». Пока не выбран, письма идут на языке, на который "
                    "человек переключил страницы."),
    )
    disabled_kinds = models.JSONField(
        _("отключённые события"), default=list, blank=True,
        help_text=_("Коды событий (PromoEvent.Kind), о которых не присылать писем."),
    )
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        verbose_name = _("настройки уведомлений")
        verbose_name_plural = _("настройки уведомлений")

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"

    def wants(self, kind: str) -> bool:
        return kind not in (self.disabled_kinds or [])
