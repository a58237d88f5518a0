"""Query filters of the branch API (django-filter, read strictly: config/filters.py); ``search``
is DRF's SearchFilter on the viewsets. A malformed value is a 400 naming the parameter; an id
that matches nothing gives no rows."""

import django_filters

from branches.models import Branch, City
from config.filters import ApiFilterSet, IdFilter, IsoDateFilter


class CityFilterSet(ApiFilterSet):
    region = IdFilter(field_name="region", help_text="Region id.")

    class Meta:
        model = City
        fields = ["region"]


class BranchFilterSet(ApiFilterSet):
    region = IdFilter(field_name="region", help_text="Region id.")
    city = IdFilter(field_name="city", help_text="City id.")
    group = IdFilter(field_name="groups", help_text="Branch group id.")
    code = django_filters.CharFilter(field_name="code", lookup_expr="iexact", help_text="Branch code.")
    open_on = IsoDateFilter(method="filter_open_on", help_text="Only branches trading on this date (YYYY-MM-DD).")

    class Meta:
        model = Branch
        fields = ["region", "city", "group", "code", "open_on"]

    def filter_open_on(self, queryset, name, value):
        return queryset.open_on(value)
