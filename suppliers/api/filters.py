"""Query filters of the supplier and product API (django-filter); ``search`` is DRF's
SearchFilter on the viewsets. Choices are restricted like everything else (STYLE.md §5): a
supplier user filtering by another supplier gets a 400, not that supplier's products."""

import django_filters

from suppliers.models import Category, Product, Supplier


def _visible_suppliers(request):
    return Supplier.objects.restrict(getattr(request, "user", None))


def _visible_categories(request):
    return Category.objects.restrict(getattr(request, "user", None))


class SupplierFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter(field_name="code", lookup_expr="iexact", help_text="Supplier code.")
    inn = django_filters.CharFilter(field_name="inn", help_text="INN (10 or 12 digits).")

    class Meta:
        model = Supplier
        fields = ["code", "inn", "active"]


class ProductFilterSet(django_filters.FilterSet):
    supplier = django_filters.ModelChoiceFilter(queryset=_visible_suppliers, help_text="Supplier id.")
    category = django_filters.ModelChoiceFilter(queryset=_visible_categories, help_text="Category id.")
    article = django_filters.CharFilter(field_name="article", lookup_expr="iexact",
                                        help_text="Article (exact).")
    ean = django_filters.CharFilter(field_name="ean", help_text="EAN-8 or EAN-13 (exact).")

    class Meta:
        model = Product
        fields = ["supplier", "category", "article", "ean", "active"]
