"""Promo, its lines and its frozen revisions."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.models import TimeStampedModel
from branches.targeting import Targeting
from config.parsing import parse_id
from promo import mechanics
from promo.querysets import PromoLineQuerySet, PromoQuerySet
from suppliers.models import Product, Supplier

CODE_PREFIX = "P"


def promo_code(pk: int) -> str:
    return f"{CODE_PREFIX}{pk:06d}"


def promo_pk_from_code(code: str) -> int | None:
    """``P000123`` -> 123; anything else -> None."""
    code = (code or "").strip().upper()
    return parse_id(code[1:]) if code.startswith(CODE_PREFIX) else None


class Mechanic(models.TextChoices):
    """The stored mechanic of a promo; the names come from promo/mechanics.py (their price math)."""

    PERCENT = mechanics.PERCENT, _("Скидка %")
    FIXED_PRICE = mechanics.FIXED_PRICE, _("Фиксированная цена")
    N_PLUS_M = mechanics.N_PLUS_M, _("N+M")


class PromoStatus(models.TextChoices):
    DRAFT = "draft", _("Черновик")
    SUBMITTED = "submitted", _("На согласовании")
    APPROVED = "approved", _("Согласовано")
    REJECTED = "rejected", _("Отклонено")
    WITHDRAWN = "withdrawn", _("Отозвано")
    CANCELLED = "cancelled", _("Отменено")

    @classmethod
    def transitions(cls) -> dict[str, set[str]]:
        """Legal moves of the workflow (ARCHITECTURE.md, flow 3). A new revision of an
        approved or rejected promo goes back to submitted. Submitted and rejected may be
        cancelled only while an earlier approved revision is in force (the services check)."""
        return {
            cls.DRAFT: {cls.SUBMITTED, cls.WITHDRAWN},
            cls.SUBMITTED: {cls.APPROVED, cls.REJECTED, cls.WITHDRAWN, cls.SUBMITTED, cls.CANCELLED},
            cls.APPROVED: {cls.CANCELLED, cls.SUBMITTED},
            cls.REJECTED: {cls.SUBMITTED, cls.CANCELLED},
            cls.WITHDRAWN: set(),
            cls.CANCELLED: set(),
        }

    @classmethod
    def final(cls) -> set[str]:
        return {cls.WITHDRAWN, cls.CANCELLED}

    @classmethod
    def behind_newer(cls) -> set[str]:
        """The statuses in which an approved revision stays in force (at the tills, on the price
        tags, in the conflict checks) while a newer revision waits for a decision or was
        rejected: with ``approved_revision`` set, the promo is in force on that revision's terms."""
        return {cls.SUBMITTED, cls.REJECTED}

    @classmethod
    def in_force(cls) -> set[str]:
        """The statuses in which a promo with an approved revision has one in force: approved, or
        :meth:`behind_newer` (``workflow.in_force``, ``Promo.objects.in_force()``)."""
        return {cls.APPROVED} | cls.behind_newer()

    @classmethod
    def live(cls) -> set[str]:
        """The statuses that count for conflicts (``Promo.objects.live()``)."""
        return {cls.SUBMITTED, cls.APPROVED}


class Promo(TimeStampedModel):
    """A joint promotion of a supplier: one mechanic, one period, one targeting, many lines.

    The fields hold the newest revision (what is being worked on); ``approved_revision``
    points at the frozen revision in force, which stays valid while a successor waits for
    its decision. The code (P000123) is derived from the primary key and never changes.
    Upcoming / running / finished are derived from dates, never stored."""

    Mechanic = Mechanic
    Status = PromoStatus

    name = models.CharField(_("название"), max_length=200)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="promos",
                                 verbose_name=_("поставщик"))
    mechanic = models.CharField(_("механика"), max_length=20, choices=Mechanic.choices)
    start = models.DateField(_("начало"))
    end = models.DateField(_("окончание"))
    targeting = models.JSONField(_("филиалы (правила)"), default=dict)
    status = models.CharField(_("статус"), max_length=20, choices=PromoStatus.choices,
                              default=PromoStatus.DRAFT, db_index=True)
    revision = models.PositiveIntegerField(_("ревизия"), default=1)
    version = models.PositiveIntegerField(
        _("версия"), default=1,
        help_text=_("Растёт при каждом изменении; формы и API передают её для защиты от "
                    "одновременной правки."),
    )
    approved_revision = models.ForeignKey(
        "promo.PromoRevision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("действующая ревизия"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("создал"))
    # The decision clock of the revision waiting for approval (promo/deadlines.py): set each
    # time a revision goes to approval, so the queue shows the age of *this* submission.
    submitted_at = models.DateTimeField(_("отправлено на согласование"), null=True, blank=True)
    decision_due = models.DateField(_("срок решения"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["version", "updated_at", "submitted_at", "decision_due"])
    objects = PromoQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("промо-акция")
        verbose_name_plural = _("промо-акции")
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")),
                                   name="promo_end_not_before_start"),
        ]
        indexes = [
            models.Index(fields=["supplier", "status"]),
            models.Index(fields=["start", "end"]),
            # The sorts and filters the lists offer (issue 12): newest first (the promo list, the
            # API's default), recently changed (home), by status, by end and by name (the API).
            models.Index(fields=["-created_at", "-id"], name="promo_newest_idx"),
            models.Index(fields=["-updated_at", "-id"], name="promo_recent_idx"),
            models.Index(fields=["status", "-created_at"], name="promo_status_newest_idx"),
            models.Index(fields=["end"], name="promo_end_idx"),
            models.Index(fields=["name"], name="promo_name_idx"),
            # The approval queue sorts and counts by the decision due date.
            models.Index(fields=["status", "decision_due"], name="promo_status_due_idx"),
            # ... and by the time a promo was sent (oldest or newest first).
            models.Index(fields=["status", "submitted_at"], name="promo_status_submitted_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("promo:promo_detail", args=[self.pk])

    @property
    def code(self) -> str:
        return promo_code(self.pk) if self.pk else ""

    @property
    def rules(self) -> Targeting:
        return Targeting.from_json(self.targeting)

    def can_transition_to(self, status: str) -> bool:
        return status in PromoStatus.transitions().get(self.status, set())

    @property
    def is_final(self) -> bool:
        return self.status in PromoStatus.final()

    @property
    def is_editable(self) -> bool:
        """A supplier may replace it with a corrected upload (a new revision)."""
        return not self.is_final

    def is_overdue(self, today: date) -> bool:
        """The revision waiting for approval is past its decision due date."""
        return self.status == PromoStatus.SUBMITTED and self.decision_due is not None and self.decision_due < today

    def phase(self, today: date | None = None) -> str | None:
        """upcoming / running / finished for a promo with an approved revision in force."""
        revision = self.approved_revision
        if revision is None or self.status == PromoStatus.CANCELLED:
            return None
        today = today or date.today()
        if today < revision.start:
            return "upcoming"
        if today > revision.end:
            return "finished"
        return "running"


class PromoLine(TimeStampedModel):
    """One product in a promo with its terms and the category manager's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Ожидает решения")
        ACCEPTED = "accepted", _("Принято")
        REJECTED = "rejected", _("Отклонено")

    promo = models.ForeignKey(Promo, on_delete=models.CASCADE, related_name="lines",
                              verbose_name=_("промо"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="promo_lines",
                                verbose_name=_("товар"))
    discount_percent = models.DecimalField(
        _("скидка, %"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    promo_price = models.DecimalField(_("промо-цена"), max_digits=12, decimal_places=2, null=True,
                                      blank=True, validators=[MinValueValidator(0)])
    n = models.PositiveSmallIntegerField(_("N (купить)"), null=True, blank=True)
    m = models.PositiveSmallIntegerField(_("M (в подарок)"), null=True, blank=True)
    regular_price = models.DecimalField(_("регулярная цена при загрузке"), max_digits=12,
                                        decimal_places=2)
    compensation_percent = models.DecimalField(
        _("компенсация поставщика, %"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    comment = models.TextField(_("комментарий"), blank=True)
    planned_quantity = models.PositiveIntegerField(
        _("план, шт"), null=True, blank=True,
        help_text=_("Сколько штук сеть рассчитывает продать за акцию (необязательная колонка «План, шт»)."),
    )
    decision = models.CharField(_("решение"), max_length=10, choices=Decision.choices,
                                default=Decision.PENDING, db_index=True)
    decision_reason = models.TextField(_("причина"), blank=True)
    # An accept below the price floor: the margin and the floor then (%, decimal strings), the
    # reason above as typed; worded when read, in the reader's language (promo.changes).
    below_floor = models.JSONField(_("согласовано ниже порога маржи"), null=True, blank=True, default=None)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("решение принял"))
    decided_at = models.DateTimeField(_("решение принято"), null=True, blank=True)
    source_row = models.PositiveIntegerField(_("строка файла"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = PromoLineQuerySet.as_manager()

    class Meta:
        ordering = ["promo", "product__article"]
        verbose_name = _("строка промо")
        verbose_name_plural = _("строки промо")
        indexes = [
            # The other lines of a product with their promo and decision, read from the index
            # alone: the conflict checks (promo/services/conflicts.py) walk them for every line.
            models.Index(fields=["product", "promo", "decision"], name="promoline_product_promo_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["promo", "product"], name="promoline_unique_product"),
            models.CheckConstraint(
                condition=~models.Q(decision="rejected") | ~models.Q(decision_reason=""),
                name="promoline_reject_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.promo.code} {self.product.article}"

    def clean(self) -> None:
        if self.decision == self.Decision.REJECTED and not self.decision_reason.strip():
            raise ValidationError({"decision_reason": _("Укажите причину отклонения.")})


class PromoRevision(models.Model):
    """A frozen copy of a promo's terms and lines as of one revision, with the line diff
    against the previous revision. The approved revision in force is what exports read."""

    promo = models.ForeignKey(Promo, on_delete=models.CASCADE, related_name="revisions",
                              verbose_name=_("промо"))
    number = models.PositiveIntegerField(_("номер"))
    name = models.CharField(_("название"), max_length=200)
    mechanic = models.CharField(_("механика"), max_length=20, choices=Mechanic.choices)
    start = models.DateField(_("начало"))
    end = models.DateField(_("окончание"))
    targeting = models.JSONField(_("филиалы (правила)"), default=dict)
    lines = models.JSONField(
        _("строки"), default=list,
        help_text=_("Список строк: product_id, article, ean, name, discount_percent, promo_price, "
                    "n, m, regular_price, compensation_percent, comment, decision."),
    )
    diff = models.JSONField(
        _("изменения"), default=dict, blank=True,
        help_text=_("{added: [...], removed: [...], changed: [{article, fields: {f: [old, new]}}]}"),
    )
    upload = models.ForeignKey("promo.PromoUpload", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="revisions", verbose_name=_("загрузка"))
    reason = models.TextField(_("причина"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("создал"))
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    class Meta:
        ordering = ["promo", "number"]
        verbose_name = _("ревизия промо")
        verbose_name_plural = _("ревизии промо")
        constraints = [
            models.UniqueConstraint(fields=["promo", "number"], name="promorevision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{promo_code(self.promo_id)} r{self.number}"

    @property
    def rules(self) -> Targeting:
        return Targeting.from_json(self.targeting)

    def diff_counts(self) -> dict[str, int]:
        return {key: len(self.diff.get(key, [])) for key in ("added", "removed", "changed")}
