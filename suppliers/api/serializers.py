"""Read-only representations of suppliers, categories and products for the API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from suppliers.models import Category, Product, Supplier
from suppliers.roles import is_supplier_user


class SupplierSerializer(serializers.ModelSerializer):
    emails = serializers.ListField(source="email_list", child=serializers.EmailField(), read_only=True,
                                   help_text="Contact e-mails of the supplier.")

    class Meta:
        model = Supplier
        fields = ["id", "code", "inn", "name", "sap_vendor", "emails", "active"]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name"]


class NestedSupplierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = ["id", "code", "name"]


class ProductSerializer(serializers.ModelSerializer):
    """A catalogue item. ``purchase_price`` is the chain's internal figure: it is shown to
    chain staff and is ``null`` for supplier users, as on the product page."""

    category = CategorySerializer(read_only=True)
    supplier = NestedSupplierSerializer(read_only=True)
    purchase_price = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ["id", "article", "ean", "name", "category", "supplier", "regular_price",
                  "purchase_price", "active"]

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_purchase_price(self, product: Product) -> str | None:
        request = self.context.get("request")
        if product.purchase_price is None or request is None or is_supplier_user(request.user):
            return None
        return f"{product.purchase_price:.2f}"
