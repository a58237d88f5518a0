"""Query filters of the branch API (django-filter); ``search`` is DRF's SearchFilter on the
viewsets. Unknown ids are a 400 naming the field, never a 500."""

import django_filters

from branches.models import Branch, BranchGroup, City, Region


class CityFilterSet(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.all(), help_text="Region id.")

    class Meta:
        model = City
        fields = ["region"]


class BranchFilterSet(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.all(), help_text="Region id.")
    city = django_filters.ModelChoiceFilter(queryset=City.objects.all(), help_text="City id.")
    group = django_filters.ModelChoiceFilter(queryset=BranchGroup.objects.all(), field_name="groups",
                                             help_text="Branch group id.")
    code = django_filters.CharFilter(field_name="code", lookup_expr="iexact", help_text="Branch code.")
    open_on = django_filters.DateFilter(method="filter_open_on",
                                        help_text="Only branches trading on this date (YYYY-MM-DD).")

    class Meta:
        model = Branch
        fields = ["region", "city", "group", "code", "open_on"]

    def filter_open_on(self, queryset, name, value):
        return queryset.open_on(value)
