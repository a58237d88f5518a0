"""API tokens in Django admin: who has one, since and until when; revoke by deleting. Never the
token (only its hash is stored) and never a way to make one here: a token is shown once, to the
user who signs in at ``POST /api/v1/auth/token/``.

Locked-out sign-ins are django-axes' «Попытки доступа»: deleting a row unlocks it.

Users and groups are Django's own admin pages, with the permission pickers labelled in the
reader's language (accounts/permissions.py): the stored permission names are Russian."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from knox.models import AuthToken

from accounts.models import ApiToken
from accounts.permissions import PermissionChoiceField

if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)  # knox's own admin lists digests and shows a new token


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created", "expiry")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__last_name")
    date_hierarchy = "created"
    fields = ("user", "created", "expiry")
    readonly_fields = fields
    ordering = ("-created",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PermissionLabelsMixin:
    """Label the permission picker (``permissions`` of a group, ``user_permissions`` of a user)
    in the reader's language."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionChoiceField
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)



User = get_user_model()
for model in (User, Group):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(User)
class PortalUserAdmin(PermissionLabelsMixin, UserAdmin):
    pass


@admin.register(Group)
class PortalGroupAdmin(PermissionLabelsMixin, GroupAdmin):
    pass
