"""Reference data in Django admin. What a promo's branch rules name (a branch, a group, a city,
a region) cannot be deleted: the delete page lists those promos as protected, as Django does for
protected rows. A branch that stops trading is closed (its «закрыт» date), not deleted."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from branches.models import Branch, BranchGroup, City, Region
from branches.usage import targeting_users


class NamedInRulesMixin:
    """Refuse deleting objects a promo's rules name (``rules_field``: their list in the rules)."""

    rules_field: str

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        named = targeting_users(self.rules_field, [obj.pk for obj in objs])
        return to_delete, model_count, perms_needed, [*protected, *named]


@admin.register(Region)
class RegionAdmin(NamedInRulesMixin, SimpleHistoryAdmin):
    rules_field = "regions"
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(City)
class CityAdmin(NamedInRulesMixin, SimpleHistoryAdmin):
    rules_field = "cities"
    list_display = ["name", "region"]
    list_filter = ["region"]
    search_fields = ["name"]


@admin.register(Branch)
class BranchAdmin(NamedInRulesMixin, SimpleHistoryAdmin):
    rules_field = "branches"
    list_display = ["code", "name", "region", "city", "sap_plant", "smarket_id", "setretail_shop", "opened",
                    "closed"]
    list_filter = ["region", "city"]
    search_fields = ["code", "name", "address", "sap_plant"]
    list_select_related = ["region", "city"]


@admin.register(BranchGroup)
class BranchGroupAdmin(NamedInRulesMixin, SimpleHistoryAdmin):
    rules_field = "groups"
    list_display = ["name"]
    filter_horizontal = ["branches"]
    search_fields = ["name"]
