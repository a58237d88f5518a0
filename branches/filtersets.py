import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Branch, BranchGroup, City, Region


class BranchFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Поиск"))
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.all(), label=_("Регион"))
    city = django_filters.ModelChoiceFilter(queryset=City.objects.all(), label=_("Город"))
    group = django_filters.ModelChoiceFilter(queryset=BranchGroup.objects.all(), field_name="groups",
                                             label=_("Группа"))
    open_on = django_filters.DateFilter(method="filter_open_on", label=_("Открыт на дату"))

    class Meta:
        model = Branch
        fields = ["q", "region", "city", "group", "open_on"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value)
                               | Q(address__icontains=value))

    def filter_open_on(self, queryset, name, value):
        return queryset.open_on(value)
