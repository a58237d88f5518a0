from django.urls import path

from suppliers.views import ProductDetailView, ProductListView, SupplierDetailView, SupplierListView

app_name = "suppliers"
urlpatterns = [
    path("", SupplierListView.as_view(), name="supplier_list"),
    path("<int:pk>/", SupplierDetailView.as_view(), name="supplier_detail"),
    path("products/", ProductListView.as_view(), name="product_list"),
    path("products/<int:pk>/", ProductDetailView.as_view(), name="product_detail"),
]
