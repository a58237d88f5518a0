"""Query filters of the promo API: the page filters (promo/filtersets.py) read strictly, as the
API reads every query parameter (config/filters.py), plus ``search``, the API's usual name for
the search box (code such as P000123, or a part of the name).

Ids are plain ids: a well-formed id that matches nothing (or names a supplier, category, branch
or region the caller cannot see) gives no rows, as any filter that matches nothing; the promos
are restricted before they are filtered. Dates are ``YYYY-MM-DD``; anything malformed is a 400
naming the parameter. A period that ends before it starts (``period_from`` after ``period_to``) is
well-formed and matches no promo: an empty list, as any filter that matches nothing."""

import django_filters

from branches.models import Branch
from config.filters import IdFilter, IsoDateFilter, StrictBooleanFilter
from promo.filtersets import PromoFilterSet, filter_targeting


class PromoAPIFilterSet(PromoFilterSet):
    search = django_filters.CharFilter(method="filter_q", help_text="Promo code (P000123) or part of the name.")
    supplier = IdFilter(field_name="supplier", help_text="Supplier id.")
    category = IdFilter(method="filter_category", help_text="Category id: promos with a line of it.")
    branch = IdFilter(method="filter_branch", help_text="Branch id: promos targeted to it.")
    region = IdFilter(method="filter_region", help_text="Region id: promos targeted to a branch of it.")
    active_on = IsoDateFilter(method="filter_active_on", help_text="Promos running on this day.")
    period_from = IsoDateFilter(field_name="end", lookup_expr="gte", help_text="Promos ending on or after.")
    period_to = IsoDateFilter(field_name="start", lookup_expr="lte", help_text="Promos starting on or before.")
    in_force = StrictBooleanFilter(method="filter_in_force", help_text=(
        "true: promos with an approved revision in force (approved, or approved before while a newer revision "
        "waits for a decision or was rejected); false: the others."))

    class Meta(PromoFilterSet.Meta):
        fields = [*PromoFilterSet.Meta.fields, "search"]

    def filter_branch(self, queryset, name, value):
        return filter_targeting(queryset, Branch.objects.filter(pk=value))
