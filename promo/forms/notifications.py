"""The notification settings form: the language of a person's e-mails and one checkbox per
event kind they can receive (ticked = on)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from promo.models import PromoEvent
from promo.notifications import SUPPLIER_KINDS
from suppliers.roles import is_staff_role


def kinds_for(user) -> list[tuple[str, str]]:
    """The event kinds ``user`` can be mailed about (suppliers never get export results)."""
    kinds = PromoEvent.Kind if is_staff_role(user) else SUPPLIER_KINDS
    return [(kind.value, kind.label) for kind in kinds]


class NotificationSettingsForm(forms.Form):
    language = forms.ChoiceField(label=_("Язык писем"), choices=settings.LANGUAGES)
    enabled_kinds = forms.MultipleChoiceField(
        label=_("Присылать письма о событиях"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enabled_kinds"].choices = kinds_for(user)

    def disabled_kinds(self, previous: list[str]) -> list[str]:
        """The kinds switched off after this form: the offered ones left unticked, plus the
        ones switched off earlier that this person is not offered (kept as they were)."""
        offered = {value for value, _label in self.fields["enabled_kinds"].choices}
        enabled = set(self.cleaned_data["enabled_kinds"])
        kept = {kind for kind in previous if kind not in offered}
        return sorted((offered - enabled) | kept)
