"""Input of the document pages: which branch and which day to print price tags for."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import Branch

BRANCH_REQUIRED = _("Выберите филиал.")
DATE_INVALID = _("Укажите дату в формате ДД.ММ.ГГГГ или ГГГГ-ММ-ДД.")


class PriceTagsForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=_("Филиал"), queryset=Branch.objects.none(),
        error_messages={"required": BRANCH_REQUIRED, "invalid_choice": BRANCH_REQUIRED},
    )
    date = forms.DateField(
        label=_("Дата"), input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": DATE_INVALID, "invalid": DATE_INVALID},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.restrict(user)
