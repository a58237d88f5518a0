"""Filters of promo lists, shared by the pages and the API (STYLE.md §1, NetBox filtersets).

Every filter narrows a queryset that is already restricted to what the user may see; the
supplier choices are restricted too (STYLE.md §5)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from branches.models import Branch, Region
from branches.widgets import Picker
from config.parsing import parse_id
from config.widgets import FlatSelect, LazySelect
from promo.models import Promo, PromoLine
from promo.models.promo import promo_pk_from_code
from suppliers.models import Category, Supplier


def targeting_covers(data: dict | None, *, branch_id: int, region_id: int | None, city_id: int | None,
                     group_ids: set[int]) -> bool:
    """Whether stored targeting rules (``Promo.targeting``) include one branch. Pure: the
    rules are JSON, so the test runs in Python on any database."""
    data = data or {}
    if branch_id in (data.get("exclude") or ()):
        return False
    return bool(
        data.get("chain")
        or branch_id in (data.get("branches") or ())
        or region_id in (data.get("regions") or ())
        or city_id in (data.get("cities") or ())
        or group_ids & set(data.get("groups") or ())
    )


def filter_targeting(queryset, branches) -> object:
    """Promos of ``queryset`` targeted to at least one of ``branches``. Rules are stored, not
    their expansion, so they are matched here against each branch's region, city and groups
    (one query for the branches, one for the promos' rules)."""
    facts = [
        (branch.pk, branch.region_id, branch.city_id, {group.pk for group in branch.groups.all()})
        for branch in branches.prefetch_related("groups")
    ]
    if not facts:
        return queryset.none()
    ids = [
        pk for pk, rules in queryset.values_list("pk", "targeting")
        if any(targeting_covers(rules, branch_id=b, region_id=r, city_id=c, group_ids=g) for b, r, c, g in facts)
    ]
    return queryset.filter(pk__in=ids)


@extend_schema_field(OpenApiTypes.INT)
class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """A choice by primary key whose filtering is a method (the API schema shows an integer)."""


class PromoFilterSet(django_filters.FilterSet):
    """Search by code or name; status, supplier, category, mechanic; the period (a day it runs
    on, or overlap with a range); where it runs (a branch or a region)."""

    q = django_filters.CharFilter(method="filter_q", label=_("Поиск"))
    # Chips with search (branches.widgets.Picker), not a cramped listbox.
    status = django_filters.MultipleChoiceFilter(choices=Promo.Status.choices, label=_("Статус"),
                                                 widget=Picker(attrs={"size": 1}, placeholder=_("любой")))
    # The choices by the hundred (suppliers, 300 branches) are not written into the page: the
    # page has the chosen one, the picker loads the rest when opened (config.widgets.LazySelect,
    # promo/views/filter_options.py). The few others are written by config.widgets.FlatSelect.
    supplier = django_filters.ModelChoiceFilter(queryset=Supplier.objects.none(), label=_("Поставщик"),
                                                widget=LazySelect)
    category = IdChoiceFilter(queryset=Category.objects.all(), method="filter_category", label=_("Категория"),
                              widget=FlatSelect)
    mechanic = django_filters.ChoiceFilter(choices=Promo.Mechanic.choices, label=_("Механика"), widget=FlatSelect)
    active_on = django_filters.DateFilter(method="filter_active_on", label=_("Действует на дату"))
    period_from = django_filters.DateFilter(field_name="end", lookup_expr="gte", label=_("Период с"))
    period_to = django_filters.DateFilter(field_name="start", lookup_expr="lte", label=_("Период по"))
    branch = IdChoiceFilter(queryset=Branch.objects.all(), method="filter_branch", label=_("Филиал"),
                            widget=LazySelect)
    region = IdChoiceFilter(queryset=Region.objects.all(), method="filter_region", label=_("Регион"),
                            widget=FlatSelect)
    # An approved revision in force (PromoQuerySet.in_force_condition): approved, or approved
    # before while a newer revision waits or was rejected. The home page's «действует» counter
    # links here, so the list holds exactly the promos it counts.
    in_force = django_filters.BooleanFilter(method="filter_in_force", label=_("Согласованная ревизия в силе"),
                                            widget=forms.Select(choices=[
                                                ("", _("Все")), ("true", _("Да")), ("false", _("Нет"))]))

    class Meta:
        model = Promo
        fields = ["q", "status", "supplier", "category", "mechanic", "active_on", "period_from",
                  "period_to", "branch", "region", "in_force"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = user if user is not None else getattr(request, "user", None)
        # Choices are restricted like the rows: a supplier picks only among its own.
        self.filters["supplier"].queryset = Supplier.objects.restrict(user)

    #: The list this filter form is on (promo/views/filter_options.py): where its lazy choices load from.
    options_list = "promos"

    @property
    def form(self):
        if not hasattr(self, "_form"):
            for name, field in super().form.fields.items():
                if isinstance(field.widget, LazySelect):
                    field.widget.attrs |= {
                        "data-options-url": reverse("promo:filter_options", args=[self.options_list, name]),
                        "data-no-results": _("Ничего не найдено"),
                    }
        return self._form

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q(name__icontains=value)
        pk = promo_pk_from_code(value) or parse_id(value)
        if pk is not None:
            query |= Q(pk=pk)
        return queryset.filter(query)

    def filter_category(self, queryset, name, value):
        return queryset.filter(Exists(PromoLine.objects.filter(promo=OuterRef("pk"), product__category=value)))

    def filter_in_force(self, queryset, name, value):
        condition = Promo.objects.in_force_condition()
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(start__lte=value, end__gte=value)

    def filter_branch(self, queryset, name, value):
        return filter_targeting(queryset, Branch.objects.filter(pk=value.pk))

    def filter_region(self, queryset, name, value):
        return filter_targeting(queryset, Branch.objects.filter(region=value))
