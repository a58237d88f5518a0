import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from suppliers.models import Category, Product, Supplier


class SupplierFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Поиск"))

    class Meta:
        model = Supplier
        fields = ["q", "active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(inn__startswith=value))


class ProductFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Поиск"))
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), label=_("Категория"))
    supplier = django_filters.ModelChoiceFilter(queryset=Supplier.objects.none(), label=_("Поставщик"))

    class Meta:
        model = Product
        fields = ["q", "category", "supplier", "active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Form choices are restricted like everything else (STYLE.md §5).
        self.filters["supplier"].queryset = Supplier.objects.restrict(user)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(article__icontains=value) | Q(name__icontains=value)
                               | Q(ean__startswith=value.replace(" ", "")))
