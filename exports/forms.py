"""The «Запустить выгрузку сейчас» form of the runs page."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SYSTEM_CHOICES = [
    ("all", _("Все системы")),
    ("sap", "SAP"),
    ("smarket", "S-Market"),
    ("setretail", "Set Retail 10"),
]


class ExportRunForm(forms.Form):
    date = forms.DateField(
        label=_("Дата выгрузки"), input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Укажите дату выгрузки."),
                        "invalid": _("Дата в формате ДД.ММ.ГГГГ.")},
    )
    system = forms.ChoiceField(label=_("Система"), choices=SYSTEM_CHOICES, initial="all",
                               error_messages={"invalid_choice": _("Выберите систему из списка.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class ExportPreviewForm(ExportRunForm):
    """«Что изменится на кассе» before running: the same date and system as a run (GET)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].required = False
        self.fields["system"].initial = "all"
