"""Query filters of the supplier and product API (django-filter, read strictly:
config/filters.py); ``search`` is DRF's SearchFilter on the viewsets. The rows are restricted
before they are filtered (STYLE.md §5), so a supplier user filtering by another supplier gets no
rows, never that supplier's products; a malformed value is a 400 naming the parameter."""

import django_filters

from config.filters import ApiFilterSet, IdFilter
from suppliers.models import Product, Supplier


class SupplierFilterSet(ApiFilterSet):
    code = django_filters.CharFilter(field_name="code", lookup_expr="iexact", help_text="Supplier code.")
    inn = django_filters.CharFilter(field_name="inn", help_text="INN (10 or 12 digits).")

    class Meta:
        model = Supplier
        fields = ["code", "inn", "active"]


class ProductFilterSet(ApiFilterSet):
    supplier = IdFilter(field_name="supplier", help_text="Supplier id.")
    category = IdFilter(field_name="category", help_text="Category id.")
    article = django_filters.CharFilter(field_name="article", lookup_expr="iexact",
                                        help_text="Article (exact).")
    ean = django_filters.CharFilter(field_name="ean", help_text="EAN-8 or EAN-13 (exact).")

    class Meta:
        model = Product
        fields = ["supplier", "category", "article", "ean", "active"]
