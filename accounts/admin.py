"""API tokens in Django admin: who has one, since and until when; revoke by deleting. Never the
token (only its hash is stored) and never a way to make one here: a token is shown once, to the
user who signs in at ``POST /api/v1/auth/token/``.

Locked-out sign-ins are django-axes' «Попытки доступа»: deleting a row unlocks it."""

from django.contrib import admin
from knox.models import AuthToken

from accounts.models import ApiToken

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
