"""Supplier and product pages. Staff see every supplier and product; a supplier user sees
only its own products (the querysets are restricted before lookup, so a foreign object is 404)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.views.generic import DetailView
from django_filters.views import FilterView

from suppliers.filtersets import ProductFilterSet, SupplierFilterSet
from suppliers.models import Product, Supplier
from suppliers.roles import is_staff_role


class StaffOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_staff_role(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SupplierListView(StaffOnlyMixin, FilterView):
    filterset_class = SupplierFilterSet
    template_name = "suppliers/supplier_list.html"
    paginate_by = 50

    def get_queryset(self):
        return Supplier.objects.restrict(self.request.user)


class SupplierDetailView(StaffOnlyMixin, DetailView):
    template_name = "suppliers/supplier_detail.html"

    def get_queryset(self):
        return Supplier.objects.restrict(self.request.user)


class ProductListView(LoginRequiredMixin, FilterView):
    filterset_class = ProductFilterSet
    template_name = "suppliers/product_list.html"
    paginate_by = 50

    def get_queryset(self):
        return Product.objects.restrict(self.request.user).select_related("category", "supplier")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["user"] = self.request.user
        return kwargs


class ProductDetailView(LoginRequiredMixin, DetailView):
    template_name = "suppliers/product_detail.html"

    def get_queryset(self):
        return Product.objects.restrict(self.request.user).select_related("category", "supplier")
