"""Supplier and product pages. Staff see every supplier and product; a supplier user sees
only its own products and no supplier list (the querysets are restricted before lookup, so a
foreign object is a 404)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.views.generic import DetailView
from django_filters.views import FilterView

from config.pagination import PageInRangeMixin, PerPageMixin
from suppliers.filtersets import ProductFilterSet, SupplierFilterSet
from suppliers.models import Product, Supplier
from suppliers.roles import is_staff_role


class StaffOnlyMixin(LoginRequiredMixin):
    """Chain staff only: a signed-in supplier user gets 403, an anonymous visitor the login."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_staff_role(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SupplierListView(StaffOnlyMixin, PerPageMixin, PageInRangeMixin, FilterView):
    filterset_class = SupplierFilterSet
    template_name = "suppliers/supplier_list.html"

    def get_queryset(self):
        return Supplier.objects.restrict(self.request.user).order_by("code")


class SupplierDetailView(StaffOnlyMixin, DetailView):
    template_name = "suppliers/supplier_detail.html"

    def get_queryset(self):
        return Supplier.objects.restrict(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["product_count"] = Product.objects.restrict(self.request.user).filter(
            supplier=self.object).count()
        return context


class ProductListView(LoginRequiredMixin, PerPageMixin, PageInRangeMixin, FilterView):
    """The catalogue for staff; «Мои товары» for a supplier user."""

    filterset_class = ProductFilterSet
    template_name = "suppliers/product_list.html"

    def get_queryset(self):
        return (Product.objects.restrict(self.request.user).select_related("category", "supplier")
                .order_by("article"))


class ProductDetailView(LoginRequiredMixin, DetailView):
    template_name = "suppliers/product_detail.html"

    def get_queryset(self):
        return Product.objects.restrict(self.request.user).select_related("category", "supplier")
