"""Suppliers, categories, products and supplier users in Django admin. Grants are written by the
access services only (suppliers/services/access.py): a person acts for a supplier through its
link («Пользователи поставщиков»), a manager decides a category through its «Категорийные
менеджеры» field. guardian's own «Права объекта» pages are not offered: a grant given there
skipped the link (a supplier user granted a second supplier was told his account was linked to
none when he uploaded) and the manager group."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.forms import IdsChoiceField
from suppliers.models import Category, Product, Supplier, SupplierUser
from suppliers.roles import Role
from suppliers.services.access import (
    category_managers,
    category_set_managers,
    supplier_user_link,
    supplier_user_unlink,
)


@admin.register(Supplier)
class SupplierAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "inn", "sap_vendor", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name", "inn"]


class CategoryAdminForm(forms.ModelForm):
    managers = IdsChoiceField(
        label=_("Категорийные менеджеры"), required=False,
        queryset=get_user_model().objects.filter(groups__name=Role.CATEGORY_MANAGER.value),
        widget=admin.widgets.FilteredSelectMultiple(_("менеджеры"), is_stacked=False),
    )

    class Meta:
        model = Category
        fields = ["code", "name", "margin_floor_percent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["managers"].initial = list(category_managers(self.instance))


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    form = CategoryAdminForm
    list_display = ["code", "name", "margin_floor_percent"]
    search_fields = ["code", "name"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        category_set_managers(category=form.instance, users=form.cleaned_data["managers"])


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    """A product in promos of its supplier cannot be moved to another supplier: the form's model
    validation (``Product.clean``, the rule in suppliers/usage.py) refuses it, naming the promos."""

    list_display = ["article", "ean", "name", "category", "supplier", "regular_price", "purchase_price",
                    "active"]
    list_filter = ["category", "active"]
    search_fields = ["article", "ean", "name"]
    list_select_related = ["category", "supplier"]
    autocomplete_fields = ["supplier"]


@admin.register(SupplierUser)
class SupplierUserAdmin(SimpleHistoryAdmin):
    list_display = ["user", "supplier"]
    search_fields = ["user__username", "supplier__code", "supplier__name"]
    autocomplete_fields = ["supplier"]
    list_select_related = ["user", "supplier"]

    def get_readonly_fields(self, request, obj=None):
        # A link belongs to its person: moving it to another user would leave the first one
        # linked and granted. To give someone else access, add a link for them.
        return ["user"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # Through the service, so the guardian grant follows the link.
        link = supplier_user_link(user=obj.user, supplier=obj.supplier)
        obj.pk = link.pk

    def delete_model(self, request, obj):
        # Through the service, so the grant goes with the link (deleting the row alone left the
        # person seeing and changing the supplier's promos).
        supplier_user_unlink(obj)

    def delete_queryset(self, request, queryset):
        for link in queryset.select_related("user", "supplier"):
            supplier_user_unlink(link)
