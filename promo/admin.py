"""Promos in Django admin: for administrators to look things up and fix a draft's name, not to run
the workflow. State changes (status, revisions, approval, line decisions) only happen through
``promo/services/``, which record history and events and notify people; so here those fields
are read-only, lines are shown but not edited, and the audit records cannot be changed. The
one action here is resending failed e-mails, through the outbox service."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from branches.usage import register_targeting_users
from promo.models import (
    NotificationSettings,
    OutboxMessage,
    PriceTagJob,
    Promo,
    PromoComment,
    PromoEvent,
    PromoLine,
    PromoRevision,
    PromoUpload,
    SupplierRequest,
)
from promo.models.promo import promo_pk_from_code
from promo.notifications.outbox import outbox_resend

# At most this many promos are named on a refused delete page, then «и ещё N».
NAMED_PROMOS_SHOWN = 20


@register_targeting_users
def promos_naming(field: str, ids) -> list[str]:
    """The promos whose rules, now or in any revision, name one of ``ids`` in their ``field``
    list: a branch, group, city or region they name cannot be deleted in admin (branches/admin.py),
    or it would drop out of the promo, and the promo out of its tills, without a word. Read in
    Python: the delete page is rare and the rules are small JSON documents."""
    wanted = set(ids)
    promo_ids = {pk for pk, rules in Promo.objects.values_list("pk", "targeting")
                 if wanted & set((rules or {}).get(field) or ())}
    promo_ids |= {pk for pk, rules in PromoRevision.objects.values_list("promo_id", "targeting")
                  if wanted & set((rules or {}).get(field) or ())}
    promos = Promo.objects.filter(pk__in=promo_ids).order_by("pk")
    texts = [gettext("Промо %(code)s «%(name)s»: его правила филиалов называют этот объект") % {
        "code": promo.code, "name": promo.name} for promo in promos[:NAMED_PROMOS_SHOWN]]
    if len(promo_ids) > NAMED_PROMOS_SHOWN:
        texts.append(gettext("и ещё промо: %(count)s") % {"count": len(promo_ids) - NAMED_PROMOS_SHOWN})
    return texts


class PromoLineInline(admin.TabularInline):
    """The lines as the services left them; decisions are taken on the approval screen."""

    model = PromoLine
    extra = 0
    can_delete = False
    show_change_link = False
    fields = ["product", "discount_percent", "promo_price", "n", "m", "regular_price",
              "compensation_percent", "decision", "decision_reason", "decided_by", "decided_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product", "decided_by")


@admin.register(Promo)
class PromoAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "supplier", "mechanic", "start", "end", "status", "revision",
                    "created_at"]
    list_filter = ["status", "mechanic", "start", "supplier__active"]
    search_fields = ["name", "supplier__code", "supplier__name", "lines__product__article"]
    list_select_related = ["supplier"]
    list_per_page = 100
    date_hierarchy = "start"
    inlines = [PromoLineInline]
    # Only the name of a promo never submitted is editable: everything else changes through the
    # services (a new revision, an approval, an extension), which keep history, events and
    # notifications in step.
    readonly_fields = ["supplier", "mechanic", "start", "end", "targeting", "status", "revision",
                       "version", "approved_revision", "created_by", "created_at", "updated_at"]
    fields = ["name", *readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        # Once submitted, the name is part of a revision (what the manager decided, what the tills
        # get: exports read the approved revision's name), so a rename here would change the pages
        # only, without an event. It changes with a new revision (an upload) like every term.
        if obj is not None and obj.revisions.exists():
            return ["name", *self.readonly_fields]
        return self.readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # A promo is cancelled, never deleted: its revisions and events are the audit trail (and
        # cannot be deleted), so Django's «Удалить» could only ever end in a refusal.
        return False

    @admin.display(description=_("код"), ordering="pk")
    def code(self, promo: Promo) -> str:
        return promo.code

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # "P000123" finds the promo by its code, which is derived from the primary key.
        pk = promo_pk_from_code(search_term)
        if pk is not None:
            queryset |= self.model.objects.filter(pk=pk)
        return queryset, may_have_duplicates


@admin.register(PromoUpload)
class PromoUploadAdmin(SimpleHistoryAdmin):
    list_display = ["id", "original_name", "supplier", "uploaded_by", "status", "rows_total",
                    "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["original_name", "sha256", "supplier__code", "supplier__name",
                     "uploaded_by__username"]
    list_select_related = ["supplier", "uploaded_by"]
    date_hierarchy = "created_at"
    readonly_fields = ["file", "original_name", "sha256", "size", "uploaded_by", "supplier", "status",
                       "rows_total", "rows_done", "errors", "warnings", "summary", "promos", "failure",
                       "preview", "preview_expires_at", "confirmed_by", "confirmed_at", "restarts", "attempt",
                       "queued_at", "lease_until", "started_at", "finished_at", "created_at", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # The file a supplier sent is the record behind its revisions and events (their
        # «загрузка» links, the diff's source): deleting it here unlinked them and left the file
        # and its error workbooks in MEDIA_ROOT with nothing pointing to them.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records: written by services only, never edited or deleted by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PromoRevision)
class PromoRevisionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "name", "mechanic", "start", "end", "created_by", "created_at"]
    list_filter = ["mechanic", "created_at"]
    search_fields = ["name", "promo__name", "promo__supplier__code"]
    list_select_related = ["promo", "created_by"]


@admin.register(PromoEvent)
class PromoEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "promo", "upload", "actor", "from_status", "to_status",
                    "internal"]
    list_filter = ["kind", "internal", "created_at"]
    search_fields = ["reason", "promo__name", "actor__username"]
    list_select_related = ["promo", "upload", "actor"]
    date_hierarchy = "created_at"


@admin.register(PromoComment)
class PromoCommentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "promo", "author", "internal", "text"]
    list_filter = ["internal", "created_at"]
    search_fields = ["text", "promo__name", "author__username"]
    list_select_related = ["promo", "author"]


@admin.register(SupplierRequest)
class SupplierRequestAdmin(ReadOnlyAdmin):
    """Suppliers' requests are answered on the «Запросы» page (the services mail the answer)."""

    list_display = ["created_at", "promo", "kind", "status", "requested_by", "answered_by"]
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["reason", "answer", "promo__name", "requested_by__username"]
    list_select_related = ["promo", "requested_by", "answered_by"]


@admin.register(PriceTagJob)
class PriceTagJobAdmin(ReadOnlyAdmin):
    """Price tag jobs of large branches: who ordered what, how far the worker got, why one failed."""

    list_display = ["created_at", "branch", "day", "status", "tags_done", "tags_total", "requested_by"]
    list_filter = ["status", "day"]
    search_fields = ["branch__code", "branch__name", "requested_by__username", "failure"]
    list_select_related = ["branch", "requested_by"]
    readonly_fields = ["file"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """The e-mail outbox: what was sent, what waits for a retry and why, what failed for good.
    Failed messages (an outage longer than the retry budget) are sent again with the action
    «Отправить ещё раз» (filter by status «Не отправлено» and by date, select all), the same
    service as ``manage.py resend_failed_mail``."""

    list_display = ["created_at", "to_address", "subject", "status", "attempts", "last_error_short",
                    "updated_at", "sent_at"]
    list_filter = ["status", "language", "event__kind", ("updated_at", admin.DateFieldListFilter), "created_at"]
    search_fields = ["to_address", "subject", "recipient__username", "last_error"]
    list_select_related = ["event", "recipient"]
    date_hierarchy = "created_at"
    actions = ["resend"]

    @admin.display(description=_("последняя ошибка"))
    def last_error_short(self, message: OutboxMessage) -> str:
        return message.last_error[:120]

    def has_resend_permission(self, request) -> bool:
        return request.user.is_superuser or request.user.has_perm("promo.change_outboxmessage")

    @admin.action(description=_("Отправить ещё раз (только неотправленные)"), permissions=["resend"])
    def resend(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = outbox_resend(ids=ids)
        skipped = len(ids) - count
        self.message_user(request, _("Поставлено в очередь снова: %(count)s; пропущено (не в статусе «Не "
                                     "отправлено»): %(skipped)s.") % {"count": count, "skipped": skipped},
                          messages.SUCCESS if count else messages.WARNING)


class NotificationSettingsAdminForm(forms.ModelForm):
    """The switched-off kinds as ticks of the known event kinds, as «Уведомления» keeps them (a
    list of PromoEvent.Kind codes): typed as raw JSON, a number or a misspelt code was stored,
    and a number broke every action that mailed the person (a 500)."""

    disabled_kinds = forms.MultipleChoiceField(
        label=_("отключённые события"), required=False, choices=PromoEvent.Kind.choices,
        widget=admin.widgets.FilteredSelectMultiple(_("события"), is_stacked=False),
        help_text=_("События, о которых не присылать писем."),
    )

    class Meta:
        model = NotificationSettings
        fields = ["user", "language", "language_chosen", "disabled_kinds"]

    def clean_disabled_kinds(self) -> list[str]:
        return sorted(set(self.cleaned_data["disabled_kinds"]))


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    form = NotificationSettingsAdminForm
    list_display = ["user", "language", "disabled_kinds", "updated_at"]
    list_filter = ["language"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
