"""Read-only API of suppliers, categories and products. Querysets are restricted before the
lookup (STYLE.md §5): a supplier user lists only its own supplier and products, and another
supplier's product is a 404."""

from rest_framework import viewsets

from config.filters import StrictQueryMixin
from suppliers.api.filters import ProductFilterSet, SupplierFilterSet
from suppliers.api.serializers import CategorySerializer, ProductSerializer, SupplierSerializer
from suppliers.models import Category, Product, Supplier


class SupplierViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Suppliers: every supplier for chain staff, its own for a supplier user."""

    serializer_class = SupplierSerializer
    filterset_class = SupplierFilterSet
    search_fields = ["code", "name", "^inn"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return Supplier.objects.restrict(self.request.user).order_by("code")


class CategoryViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Product categories."""

    serializer_class = CategorySerializer
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return Category.objects.restrict(self.request.user).order_by("code")


class ProductViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """The catalogue: every product for chain staff, its own products for a supplier user.
    Filter by `supplier`, `category`, `article`, `ean`, `active`; `search` looks in
    the article and the name and matches the EAN from its start."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilterSet
    search_fields = ["article", "name", "^ean"]
    ordering_fields = ["article", "name", "regular_price"]

    def get_queryset(self):
        return (Product.objects.restrict(self.request.user)
                .select_related("category", "supplier").order_by("article"))
