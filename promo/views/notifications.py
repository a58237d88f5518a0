"""The notification settings page: every signed-in person chooses the language of their
e-mails and switches event kinds off or on."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from django.views.i18n import set_language

from promo.forms.notifications import NotificationSettingsForm, kinds_for
from promo.notifications.preferences import (
    mail_language_follows_pages,
    notification_settings_for,
    notification_settings_update,
)

SAVED = _("Настройки уведомлений сохранены.")
MAIL_FOLLOWS = _("Письма тоже будут приходить на этом языке. Выбрать другой: <a href=\"%(url)s\">Уведомления</a>.")


def language_switch(request):
    """The pages' RU/EN switch (Django's ``set_language``): a signed-in person's e-mails follow
    it until they choose their language on «Уведомления»; the first time, the page says so."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if (request.method == "POST" and request.user.is_authenticated and response.status_code == 302
            and mail_language_follows_pages(user=request.user, language=language)):
        with translation.override(language):
            messages.info(request, format_html(str(MAIL_FOLLOWS) % {"url": "{}"},
                                               reverse("promo:notification_settings")))
    return response


class NotificationSettingsView(LoginRequiredMixin, FormView):
    template_name = "promo/notifications/settings.html"
    form_class = NotificationSettingsForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        # Also read by form_valid: kinds switched off earlier but not offered stay off.
        self.prefs = notification_settings_for(self.request.user)
        return {
            "language": self.prefs.language,
            "enabled_kinds": [kind for kind, _label in kinds_for(self.request.user)
                              if self.prefs.wants(kind)],
        }

    def form_valid(self, form):
        try:
            notification_settings_update(
                user=self.request.user, language=form.cleaned_data["language"],
                disabled_kinds=form.disabled_kinds(self.prefs.disabled_kinds),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, SAVED)
        return redirect("promo:notification_settings")
