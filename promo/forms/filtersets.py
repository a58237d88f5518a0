"""Filter forms of the promo pages (NetBox's ``forms/filtersets.py``): the calendar's window and
filters, the selection of lines for a mass correction, and the activity log's filters. Plain
forms, each with a method that narrows a queryset already restricted to what the user may see;
their choices are restricted too (STYLE.md §5). The django-filter FilterSets of the promo lists
are in promo/filtersets.py."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Branch, Region
from config.widgets import FlatSelect
from promo.filtersets import filter_targeting
from promo.forms.workflow import DATE_WIDGET
from promo.models import Promo, PromoEvent, PromoLine
from promo.models.promo import promo_pk_from_code
from promo.rules import FIRST_PROMO_DAY, LAST_PROMO_DAY
from suppliers.models import Category, Supplier


class PromoScopeMixin:
    """Filters on promos shared by the calendar and the mass corrections: supplier, category,
    region. Choices are restricted to what the user may see."""

    def _restrict_choices(self, user) -> None:
        self.fields["supplier"].queryset = Supplier.objects.restrict(user)
        self.fields["category"].queryset = Category.objects.restrict(user)

    def _scope(self, promos):
        data = self.cleaned_data
        if data.get("supplier"):
            promos = promos.filter(supplier=data["supplier"])
        if data.get("category"):
            promos = promos.filter(Exists(PromoLine.objects.filter(
                promo=OuterRef("pk"), product__category=data["category"])))
        if data.get("region"):
            promos = filter_targeting(promos, Branch.objects.filter(region=data["region"]))
        return promos


class CalendarFilterForm(PromoScopeMixin, forms.Form):
    """The calendar's window (from a Monday, a number of weeks) and its filters."""

    # Weeks a window may start in: the days promos may run on. Far beyond them the «earlier» /
    # «later» steps would leave the calendar (date.min, date.max).
    FIRST_DAY, LAST_DAY = FIRST_PROMO_DAY, LAST_PROMO_DAY

    start = forms.DateField(label=_("С недели"), required=False, widget=DATE_WIDGET)
    WEEKS = (4, 8, 12, 26, 52)
    DEFAULT_WEEKS = 12
    weeks = forms.TypedChoiceField(label=_("Недель"), required=False, coerce=int, empty_value=DEFAULT_WEEKS,
                                   initial=DEFAULT_WEEKS, choices=[(n, n) for n in WEEKS], widget=FlatSelect)
    # A hundred suppliers: written in one pass (config.widgets.FlatSelect), not an include each.
    region = forms.ModelChoiceField(label=_("Регион"), required=False, queryset=Region.objects.all(),
                                    widget=FlatSelect)
    category = forms.ModelChoiceField(label=_("Категория"), required=False, queryset=Category.objects.none(),
                                      widget=FlatSelect)
    supplier = forms.ModelChoiceField(label=_("Поставщик"), required=False, queryset=Supplier.objects.none(),
                                      widget=FlatSelect)

    def __init__(self, data=None, *args, user=None, today: date | None = None, **kwargs):
        if data is not None and data.get("weeks") not in {str(n) for n in self.WEEKS}:
            # No (or no valid) number of weeks: the calendar draws the default, and the select
            # says so rather than showing its first option.
            data = data.copy()
            data["weeks"] = str(self.DEFAULT_WEEKS)
        super().__init__(data, *args, **kwargs)
        self.today = today or date.today()
        self._restrict_choices(user)

    def clean_start(self):
        start = self.cleaned_data.get("start")
        if start is not None and not self.FIRST_DAY <= start <= self.LAST_DAY:
            raise forms.ValidationError(
                _("Выберите неделю между %(first)s и %(last)s."),
                params={"first": self.FIRST_DAY.strftime("%d.%m.%Y"), "last": self.LAST_DAY.strftime("%d.%m.%Y")},
            )
        return start

    def window(self) -> tuple[date, int]:
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or self.today
        return start - timedelta(days=start.weekday()), data.get("weeks") or self.DEFAULT_WEEKS

    def filter(self, promos):
        if not self.is_valid():
            return promos
        return self._scope(promos)


class MassSelectForm(PromoScopeMixin, forms.Form):
    """Which lines a mass correction works on (GET parameters of the page)."""

    STATUS_CHOICES = [
        ("", _("все неокончательные")),
        (Promo.Status.DRAFT, Promo.Status.DRAFT.label),
        (Promo.Status.SUBMITTED, Promo.Status.SUBMITTED.label),
        (Promo.Status.APPROVED, Promo.Status.APPROVED.label),
    ]

    promo = forms.CharField(label=_("Промо (код)"), required=False, max_length=20,
                            widget=forms.TextInput(attrs={"size": 9, "placeholder": "P000123"}))
    supplier = forms.ModelChoiceField(label=_("Поставщик"), required=False, queryset=Supplier.objects.none())
    category = forms.ModelChoiceField(label=_("Категория"), required=False, queryset=Category.objects.none())
    region = forms.ModelChoiceField(label=_("Регион"), required=False, queryset=Region.objects.all())
    mechanic = forms.ChoiceField(label=_("Механика"), required=False,
                                 choices=[("", "—"), *Promo.Mechanic.choices])
    status = forms.ChoiceField(label=_("Статус"), required=False, choices=STATUS_CHOICES)
    active_from = forms.DateField(label=_("Действует с"), required=False, widget=DATE_WIDGET)
    active_to = forms.DateField(label=_("по"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._restrict_choices(user)

    @property
    def has_filter(self) -> bool:
        return self.is_bound and self.is_valid() and any(self.cleaned_data.values())

    def lines(self, lines):
        """Filter ``lines`` (already restricted) by the form; none until a filter is set."""
        if not self.has_filter:
            return lines.none()
        data = self.cleaned_data
        promos = Promo.objects.exclude(status__in=Promo.Status.final())
        if data.get("status"):
            promos = promos.filter(status=data["status"])
        if data.get("promo"):
            promos = promos.filter(pk=promo_pk_from_code(data["promo"]) or 0)
        if data.get("mechanic"):
            promos = promos.filter(mechanic=data["mechanic"])
        if data.get("active_from"):
            promos = promos.filter(end__gte=data["active_from"])
        if data.get("active_to"):
            promos = promos.filter(start__lte=data["active_to"])
        promos = self._scope(promos.filter(supplier__in=self.fields["supplier"].queryset))
        lines = lines.filter(promo__in=promos)
        if data.get("category"):
            lines = lines.filter(product__category=data["category"])
        return lines


class ActivityLogFilterForm(forms.Form):
    """Filters of the global activity log (marketers)."""

    # (FlatSelect: the kinds, every active user and supplier are a few hundred options, written
    # in one pass rather than a template include each)
    kind = forms.ChoiceField(label=_("Событие"), required=False, choices=[("", "—"), *PromoEvent.Kind.choices],
                             widget=FlatSelect)
    actor = forms.ModelChoiceField(label=_("Кто"), required=False, queryset=get_user_model().objects.none(),
                                   widget=FlatSelect)
    supplier = forms.ModelChoiceField(label=_("Поставщик"), required=False, queryset=Supplier.objects.none(),
                                      widget=FlatSelect)
    date_from = forms.DateField(label=_("С"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("по"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.restrict(user)
        self.fields["actor"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["actor"].label_from_instance = lambda u: u.get_full_name() or u.username

    def filter(self, events):
        if not self.is_valid():
            return events
        data = self.cleaned_data
        if data.get("kind"):
            events = events.filter(kind=data["kind"])
        if data.get("actor"):
            events = events.filter(actor=data["actor"])
        if data.get("supplier"):
            events = events.filter(Q(promo__supplier=data["supplier"]) | Q(upload__supplier=data["supplier"]))
        # Days as ranges of the moment (local midnights), not ``created_at::date``: the index
        # on ``created_at`` then serves them.
        if data.get("date_from"):
            events = events.filter(created_at__gte=_midnight(data["date_from"]))
        if data.get("date_to"):
            events = events.filter(created_at__lt=_midnight(data["date_to"] + timedelta(days=1)))
        return events


def _midnight(day: date) -> datetime:
    """The start of ``day`` in the current time zone (the one ``__date`` lookups use)."""
    return timezone.make_aware(datetime.combine(day, time.min))


__all__ = [
    "ActivityLogFilterForm",
    "CalendarFilterForm",
    "MassSelectForm",
    "PromoScopeMixin",
]
