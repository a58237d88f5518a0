"""A supplier's request to the marketers: extend a promo to a later end, or cancel it."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.models import TimeStampedModel


class SupplierRequestQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """The requests of the promos ``user`` may see (``decide``: of the promos with a line
        in a category he decides), through the promo's own visibility rule."""
        promo_model = self.model._meta.get_field("promo").related_model
        # A correlated EXISTS (the promo by its key), not ``promo IN (subquery)``: PostgreSQL
        # then probes each request's promo by index whatever its row estimates (with stale
        # statistics the IN form was planned as nested scans of every promo and line).
        return self.filter(models.Exists(
            promo_model.objects.restrict(user, action).filter(pk=models.OuterRef("promo_id"))))

    def open(self):
        return self.filter(status=self.model.Status.OPEN)


# The answer the portal writes itself when a promo becomes final with a request open (nothing is
# left to extend or cancel), by the promo's new status. Stored as it is here (Russian, the
# portal's language, whoever acted) and worded for each reader by ``answer_text``. Such answers
# stored in English before are stored so too since promo 0017 (a typed answer stays as typed).
CLOSED_ANSWERS = {
    "cancelled": gettext_noop("Промо отменено: запрос закрыт."),
    "withdrawn": gettext_noop("Промо отозвано: запрос закрыт."),
}
_PORTAL_ANSWERS = frozenset(CLOSED_ANSWERS.values())


class SupplierRequest(TimeStampedModel):
    """What a supplier asked for a promo and how it was answered. While a request is open it
    waits for a marketer (the managers of the promo's categories see it too): accepting runs
    the extension or the cancellation, declining needs a reason; the supplier is mailed the
    answer. One open request per promo and kind."""

    class Kind(models.TextChoices):
        EXTENSION = "extension", _("Продление")
        CANCELLATION = "cancellation", _("Отмена")

    class Status(models.TextChoices):
        OPEN = "open", _("Ждёт ответа")
        ACCEPTED = "accepted", _("Принят")
        DECLINED = "declined", _("Отклонён")

    promo = models.ForeignKey("promo.Promo", on_delete=models.CASCADE, related_name="requests",
                              verbose_name=_("промо"))
    kind = models.CharField(_("что просят"), max_length=20, choices=Kind.choices)
    new_end = models.DateField(_("новая дата окончания"), null=True, blank=True,
                               help_text=_("Только для продления."))
    reason = models.TextField(_("причина"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+", verbose_name=_("кто просит"))
    status = models.CharField(_("статус"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("кто ответил"))
    answer = models.TextField(_("ответ"), blank=True)
    answered_at = models.DateTimeField(_("когда ответили"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = SupplierRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("запрос поставщика")
        verbose_name_plural = _("запросы поставщиков")
        constraints = [
            models.UniqueConstraint(fields=["promo", "kind"], condition=models.Q(status="open"),
                                    name="supplierrequest_one_open_per_kind"),
            models.CheckConstraint(condition=~models.Q(kind="extension") | models.Q(new_end__isnull=False),
                                   name="supplierrequest_extension_has_end"),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="supplierrequest_status_idx"),
            # The API's sorts (?ordering=created_at, answered_at) over every status.
            models.Index(fields=["created_at"], name="supplierrequest_created_idx"),
            models.Index(fields=["answered_at"], name="supplierrequest_answered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("promo:promo_detail", args=[self.promo_id]) + f"#request-{self.pk}"

    @property
    def answer_text(self) -> str:
        """The answer in the reader's language when the portal wrote it (:data:`CLOSED_ANSWERS`),
        as typed otherwise."""
        return gettext(self.answer) if self.answer in _PORTAL_ANSWERS else self.answer

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
