"""Filters of the supplier and product list pages. Choices are restricted to what the user
may see (STYLE.md §5)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from suppliers.models import Category, Product, Supplier
from suppliers.roles import is_supplier_user


def _user(request):
    return getattr(request, "user", None)


def _active_filter():
    """«Все / Да / Нет» rather than the default «Неизвестно» for an unset choice."""
    return django_filters.BooleanFilter(label=_("Активен"), widget=forms.Select(choices=[
        ("", _("Все")), ("true", _("Да")), ("false", _("Нет")),
    ]))


class SupplierFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Поиск"))
    active = _active_filter()

    class Meta:
        model = Supplier
        fields = ["q", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs.update(placeholder=_("код, название или ИНН"))

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(inn__startswith=value))


class ProductFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Поиск"))
    category = django_filters.ModelChoiceFilter(
        queryset=lambda request: Category.objects.restrict(_user(request)), label=_("Категория"),
        empty_label=_("Все категории"),
    )
    supplier = django_filters.ModelChoiceFilter(
        queryset=lambda request: Supplier.objects.restrict(_user(request)), label=_("Поставщик"),
        empty_label=_("Все поставщики"),
    )
    active = _active_filter()

    class Meta:
        model = Product
        fields = ["q", "category", "supplier", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if is_supplier_user(_user(self.request)):
            # A supplier user sees its own products only: a supplier choice would be noise.
            del self.filters["supplier"]
        self.form.fields["q"].widget.attrs.update(placeholder=_("артикул, название или штрихкод"))

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(article__icontains=value) | Q(name__icontains=value)
                               | Q(ean__startswith=value.replace(" ", "")))
