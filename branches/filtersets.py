"""Filters of the branch list page. Choices are restricted to what the user may see
(STYLE.md §5); picking a region narrows the city choices to that region."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Branch, BranchGroup, City, Region
from config.parsing import parse_id


def _user(request):
    return getattr(request, "user", None)


class BranchFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Поиск"))
    region = django_filters.ModelChoiceFilter(
        queryset=lambda request: Region.objects.restrict(_user(request)), label=_("Регион"),
        empty_label=_("Все регионы"),
    )
    city = django_filters.ModelChoiceFilter(
        queryset=lambda request: City.objects.restrict(_user(request)), label=_("Город"),
        empty_label=_("Все города"),
    )
    group = django_filters.ModelChoiceFilter(
        queryset=lambda request: BranchGroup.objects.restrict(_user(request)), field_name="groups",
        label=_("Группа"), empty_label=_("Все группы"),
    )
    open_on = django_filters.DateFilter(method="filter_open_on", label=_("Открыт на дату"),
                                        input_formats=["%d.%m.%Y", "%Y-%m-%d"])

    class Meta:
        model = Branch
        fields = ["q", "region", "city", "group", "open_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        region = parse_id(self.data.get("region")) if self.data else None
        if region is not None:
            # Only the region's cities, so the two selects cannot contradict each other.
            cities = City.objects.restrict(_user(self.request)).filter(region_id=region)
            self.filters["city"].queryset = cities
        self.form.fields["q"].widget.attrs.update(placeholder=_("код, название или адрес"))
        self.form.fields["open_on"].widget.attrs.update(placeholder=_("дд.мм.гггг"))

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value)
                               | Q(address__icontains=value))

    def filter_open_on(self, queryset, name, value):
        return queryset.open_on(value)
