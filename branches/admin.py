from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from branches.models import Branch, BranchGroup, City, Region


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(City)
class CityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "region"]
    list_filter = ["region"]
    search_fields = ["name"]


@admin.register(Branch)
class BranchAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "region", "city", "sap_plant", "smarket_id", "setretail_shop", "opened",
                    "closed"]
    list_filter = ["region", "city"]
    search_fields = ["code", "name", "address", "sap_plant"]
    list_select_related = ["region", "city"]


@admin.register(BranchGroup)
class BranchGroupAdmin(SimpleHistoryAdmin):
    list_display = ["name"]
    filter_horizontal = ["branches"]
    search_fields = ["name"]
