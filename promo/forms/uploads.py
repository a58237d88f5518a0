"""The upload form: one sheet, and for a marketer the supplier it is for (or none, for a bulk
file whose «Поставщик» column names each row's supplier)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from suppliers.models import Supplier
from suppliers.roles import is_marketer

MB = 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Файл с акциями (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
    )
    supplier = forms.ModelChoiceField(
        label=_("Поставщик"), queryset=Supplier.objects.none(), required=False,
        empty_label=_("— сводный файл: поставщик указан в колонке «Поставщик» —"),
    )
    dry_run = forms.BooleanField(
        label=_("Только проверить, ничего не сохранять"), required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if is_marketer(user):
            # Choices restricted like every queryset a user sees (STYLE.md §5).
            self.fields["supplier"].queryset = Supplier.objects.restrict(user).active().order_by("code")
        else:
            # A supplier user's upload is always its own supplier's: nothing to choose.
            del self.fields["supplier"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.PROMO_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("Файл больше %(max)s МБ. Разбейте его на несколько файлов поменьше и загрузите их по очереди."),
                code="too_large", params={"max": round(settings.PROMO_UPLOAD_MAX_BYTES / MB)},
            )
        return upload


class UploadConfirmForm(forms.Form):
    """«Применить» on an upload's preview: the fingerprint of the preview the page showed."""

    fingerprint = forms.RegexField(regex=r"^[0-9a-f]{64}$", required=False)
