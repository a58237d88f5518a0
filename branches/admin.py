"""Reference data in Django admin. What a promo's branch rules name (a branch, a group, a city,
a region) cannot be deleted: the delete page lists those promos as protected, as Django does for
protected rows. A branch that stops trading is closed (its «закрыт» date), not deleted.

Promos keep their rules, not the branches they expand to, so an edit of a branch (its region,
city, opening or closing date; a new branch) or of a group's members moves the promos at the
tills (approved, in force, waiting for a decision) to other branches from the next export. The
save goes through, as stores really do move, but the administrator is told which promos move and
by how many branches, the edit's admin log entry names them, and each promo's history gets an
«Изменены филиалы» event saying why (``RunsWatchMixin``, branches/usage.py)."""

from django.conf import settings
from django.contrib import admin, messages
from django.utils import translation
from simple_history.admin import SimpleHistoryAdmin

from branches.models import Branch, BranchGroup, City, Region
from branches.usage import (
    record_run_shifts,
    run_shift_subject,
    run_shifts,
    run_shifts_text,
    targeting_users,
    where_promos_run,
)


class NamedInRulesMixin:
    """Refuse deleting objects a promo's rules name (``rules_field``: their list in the rules)."""

    rules_field: str

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        named = targeting_users(self.rules_field, [obj.pk for obj in objs])
        return to_delete, model_count, perms_needed, [*protected, *named]


class RunsWatchMixin:
    """Tell which promos at the tills a save moves to other branches: where they run among the
    branches the edit touches, before the save and after it (branches/usage.py, with the
    targeting rules of branches/targeting.py), then a warning, an admin log entry and an event in
    each moved promo's history."""

    def touched_branches(self, obj, form, change: bool) -> set[int]:
        """The branches whose promos the edit may change, read before the save."""
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        touched = self.touched_branches(obj, form, change)
        request.runs_before = (touched, where_promos_run(touched))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        touched, before = getattr(request, "runs_before", (set(), {}))
        touched = touched | self.touched_branches(form.instance, form, change=True)
        self.tell_moved(request, run_shifts(before, where_promos_run(touched)), run_shift_subject(form.instance))

    def tell_moved(self, request, shifts, subject: dict) -> None:
        """Record on each moved promo why, warn the administrator, and keep them for the log."""
        if shifts:
            record_run_shifts(shifts, actor=request.user, subject=subject)
            self.message_user(request, run_shifts_text(shifts), messages.WARNING)
            request.runs_shifts = shifts

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._log_shifts(request, obj)
        return entry

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._log_shifts(request, obj)
        return entry

    def _log_shifts(self, request, obj) -> None:
        # Its own entry in the object's admin log, in the portal's language (the log keeps text).
        shifts = getattr(request, "runs_shifts", None)
        if shifts:
            with translation.override(settings.LANGUAGE_CODE):
                text = run_shifts_text(shifts)
            super().log_change(request, obj, text)
            request.runs_shifts = None


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
class BranchAdmin(NamedInRulesMixin, RunsWatchMixin, SimpleHistoryAdmin):
    rules_field = "branches"
    list_display = ["code", "name", "region", "city", "sap_plant", "smarket_id", "setretail_shop", "opened",
                    "closed"]
    list_filter = ["region", "city"]
    search_fields = ["code", "name", "address", "sap_plant"]
    list_select_related = ["region", "city"]

    def touched_branches(self, obj, form, change: bool) -> set[int]:
        return {obj.pk} if change and obj.pk else set()

    # Deleting a branch no rule names (deleting a named one is refused above) still takes it off
    # the promos that reach it through the chain, its region, city or a group: the confirmation
    # page says which, and the deletion records it on them.

    def render_delete_form(self, request, context):
        obj = context.get("object")
        if obj is not None and not context.get("protected"):
            shifts = run_shifts(where_promos_run({obj.pk}), {})
            if shifts:
                self.message_user(request, run_shifts_text(shifts), messages.WARNING)
        return super().render_delete_form(request, context)

    def delete_model(self, request, obj):
        before, subject = where_promos_run({obj.pk}), run_shift_subject(obj, deleted=True)
        super().delete_model(request, obj)
        self.tell_moved(request, run_shifts(before, {}), subject)

    def delete_queryset(self, request, queryset):
        branches = list(queryset.order_by("code"))
        before = where_promos_run({branch.pk for branch in branches})
        super().delete_queryset(request, queryset)
        if branches:
            self.tell_moved(request, run_shifts(before, {}), run_shift_subject(*branches, deleted=True))


@admin.register(BranchGroup)
class BranchGroupAdmin(NamedInRulesMixin, RunsWatchMixin, SimpleHistoryAdmin):
    rules_field = "groups"
    list_display = ["name"]
    filter_horizontal = ["branches"]
    search_fields = ["name"]

    def touched_branches(self, obj, form, change: bool) -> set[int]:
        # The members before the save and the ones the form sends.
        members = set(obj.branches.values_list("pk", flat=True)) if change and obj.pk else set()
        return members | {branch.pk for branch in form.cleaned_data.get("branches", ())}
