"""A person's notification settings: the language of their e-mails and the event kinds they
switched off (:class:`~promo.models.NotificationSettings`; the page is
promo/views/notifications.py). :mod:`.recipients` reads them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from promo.models import NotificationSettings, PromoEvent

ERROR_UNKNOWN_LANGUAGE = _("Неизвестный язык писем.")
ERROR_UNKNOWN_KIND = _("Неизвестный вид события: %(kind)s.")


def notification_settings_for(user) -> NotificationSettings:
    """The person's settings, or the defaults (every kind on, Russian) when they have none."""
    existing = NotificationSettings.objects.filter(user=user).first()
    return existing or NotificationSettings(user=user)


def notification_settings_update(*, user, language: str, disabled_kinds) -> NotificationSettings:
    """Save the language of a person's e-mails and the event kinds they switched off."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": ERROR_UNKNOWN_LANGUAGE})
    kinds = sorted(set(disabled_kinds))
    for kind in kinds:
        if kind not in PromoEvent.Kind.values:
            raise ValidationError({"disabled_kinds": ERROR_UNKNOWN_KIND % {"kind": kind}})
    prefs = notification_settings_for(user)
    prefs.language, prefs.language_chosen = language, True
    prefs.disabled_kinds = kinds
    prefs.full_clean()
    prefs.save()
    return prefs


def mail_language_follows_pages(*, user, language: str) -> bool:
    """The person switched the pages to ``language``: their e-mails follow unless they chose a
    language for them on «Уведомления» (then it is kept). True when the e-mails' language
    changed."""
    if language not in dict(settings.LANGUAGES):
        return False
    prefs, created = NotificationSettings.objects.get_or_create(
        user=user, defaults={"language": language, "language_chosen": False})
    if created:
        return language != NotificationSettings._meta.get_field("language").default
    if prefs.language_chosen or prefs.language == language:
        return False
    prefs.language = language
    prefs.save(update_fields=["language", "updated_at"])
    return True
