"""The form of a bulk action (promo list, approval queue, an upload's promos): which action,
which promos (ticked ones with the version each row showed, ``version_<id>``, or every promo
matching the list's filter), the reason, and the step (confirm first, then run). It only
parses: what may be done to which promo is the services' answer (promo/services/bulk.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from config.parsing import parse_id
from promo.forms.workflow import _reason_field
from promo.services.actions import BULK_ACTIONS
from promo.services.bulk import ACTION_LABELS

NOTHING_TICKED = _("Отметьте хотя бы одно промо.")
ID_UNAVAILABLE = _("Промо %(value)s недоступно.")
PAGE_STALE = _("Страница устарела, обновите её.")


class BulkActionForm(forms.Form):
    CONFIRM, RUN = "confirm", "run"
    LIST, QUEUE = "list", "queue"

    # Every field has a Russian label: the confirmation writes «label: error» for any of them,
    # hidden ones included (a forged or stale form), never Django's English auto-label.
    action = forms.ChoiceField(label=_("Действие"), choices=[(name, ACTION_LABELS[name]) for name in BULK_ACTIONS],
                               error_messages={"required": _("Выберите действие."),
                                               "invalid_choice": _("Неизвестное действие.")})
    step = forms.ChoiceField(label=_("Шаг"), choices=[(CONFIRM, CONFIRM), (RUN, RUN)], required=False,
                             widget=forms.HiddenInput)
    select_all = forms.BooleanField(required=False, label=_("Все промо по фильтру"))
    source = forms.ChoiceField(label=_("Список"), choices=[(LIST, LIST), (QUEUE, QUEUE)], required=False,
                               widget=forms.HiddenInput)
    query = forms.CharField(label=_("Фильтр"), required=False, max_length=4000, widget=forms.HiddenInput)
    reason = _reason_field(required=False, label=_("Причина / комментарий"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_bulk_%s")
        super().__init__(*args, **kwargs)

    @property
    def is_run(self) -> bool:
        return self.cleaned_data.get("step") == self.RUN

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("select_all") or self.errors:
            return cleaned
        items = []
        for value in self.data.getlist("promos"):
            pk = parse_id(value)
            if pk is None:
                raise forms.ValidationError(ID_UNAVAILABLE % {"value": str(value)[:20]})
            version = parse_id(self.data.get(f"version_{pk}"))
            if version is None:
                raise forms.ValidationError(PAGE_STALE)
            items.append((pk, version))
        if not items:
            raise forms.ValidationError(NOTHING_TICKED)
        cleaned["items"] = items
        return cleaned
