"""The shelf-price timeline's query (the page and ``GET /api/v1/products/{id}/timeline/``):
``branch`` and ``region`` by code or id, ``from`` and ``to`` as dates. One parser for both
edges, so the page and the API refuse the same input with the same words."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Branch, Region
from config.parsing import parse_id

DEFAULT_DAYS = 91
MAX_DAYS = 366
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _by_code_or_id(model, text: str):
    text = (text or "").strip()
    if not text:
        return None
    match = Q(code__iexact=text)
    if parse_id(text) is not None:
        match |= Q(pk=parse_id(text))
    return model.objects.filter(match).first()


class TimelineForm(forms.Form):
    """``from`` defaults to today, ``to`` to 13 weeks later; at most a year at once."""

    branch = forms.CharField(label=_("Филиал"), required=False, max_length=50,
                             widget=forms.TextInput(attrs={"placeholder": "B0001", "size": 8}))
    region = forms.ModelChoiceField(label=_("Регион"), required=False, queryset=Region.objects.all(),
                                    to_field_name="code")

    def __init__(self, data=None, *args, today: date | None = None, **kwargs):
        if data is not None and data.get("region") and parse_id(data["region"]) is not None:
            # A region by its id as well as by its code.
            found = Region.objects.filter(pk=parse_id(data["region"])).values_list("code", flat=True).first()
            if found:
                data = data.copy()
                data["region"] = found
        super().__init__(data, *args, **kwargs)
        self.today = today or date.today()
        self.fields["from"] = forms.DateField(label=_("С"), required=False, widget=DATE_WIDGET)
        self.fields["to"] = forms.DateField(label=_("По"), required=False, widget=DATE_WIDGET)
        self.order_fields(["branch", "region", "from", "to"])

    def clean_branch(self):
        text = self.cleaned_data.get("branch")
        if not text:
            return None
        branch = _by_code_or_id(Branch, text)
        if branch is None:
            raise forms.ValidationError(_("Филиал «%(branch)s» не найден."), params={"branch": text})
        return branch

    def clean(self):
        cleaned = super().clean()
        first = cleaned.get("from") or self.today
        last = cleaned.get("to") or first + timedelta(days=DEFAULT_DAYS - 1)
        if "from" in self.errors or "to" in self.errors:
            return cleaned
        if last < first:
            raise forms.ValidationError(_("Дата «по» раньше даты «с»."))
        if (last - first).days + 1 > MAX_DAYS:
            raise forms.ValidationError(_("Не больше %(days)d дней за раз."), params={"days": MAX_DAYS})
        cleaned["from"], cleaned["to"] = first, last
        return cleaned

    def window(self) -> tuple[date, date]:
        """The days asked for; the default window for an unbound or invalid form."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["from"], self.cleaned_data["to"]
        return self.today, self.today + timedelta(days=DEFAULT_DAYS - 1)

    def branches(self):
        """The branches in scope (a queryset), or None for the whole chain."""
        if not (self.is_bound and self.is_valid()):
            return None
        branches = None
        if self.cleaned_data.get("branch"):
            branches = Branch.objects.filter(pk=self.cleaned_data["branch"].pk)
        if self.cleaned_data.get("region"):
            branches = (branches if branches is not None else Branch.objects.all()).filter(
                region=self.cleaned_data["region"])
        return branches
