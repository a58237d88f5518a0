"""Uploaded promo sheets and the outcome of their import."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.models import TimeStampedModel
from suppliers.models import Supplier
from suppliers.roles import is_marketer, is_supplier_user


class PromoUploadQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """Marketers see every upload; a supplier user sees its suppliers' uploads and its
        own; category managers see none (they work with promos, not files)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if is_marketer(user):
            return self
        if is_supplier_user(user):
            return self.filter(
                models.Q(supplier__in=Supplier.objects.restrict(user, action))
                | models.Q(uploaded_by=user)
            )
        return self.filter(uploaded_by=user)


class PromoUpload(TimeStampedModel):
    """One uploaded sheet. Its state (progress, errors, result, the preview waiting for a
    confirmation, the lease of the process working on it) lives here, never in temp files, so
    any web server or worker can show, confirm or continue it.

    - ``awaiting_confirmation``: the sheet would remove lines from a promo or change a promo
      the uploader did not name; nothing is saved until someone confirms ``preview`` (the diff
      per promo and the fingerprint of exactly what will be applied) before
      ``preview_expires_at``; a cancelled or expired preview ends ``cancelled``.
    - While queued or processing, ``lease_until`` is renewed as the work goes (every chunk of
      rows); a lease that runs out means the process died, and the reaper
      (``promo.services.imports.recovery``) queues the upload again (``restarts`` + 1) or
      fails it with the reason. ``attempt`` counts the times a process took the upload: a
      process whose attempt is no longer the upload's writes nothing."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("В очереди")
        PROCESSING = "processing", _("Обрабатывается")
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("Ждёт подтверждения")
        IMPORTED = "imported", _("Загружено")
        REJECTED = "rejected", _("Отклонено")
        CANCELLED = "cancelled", _("Отменено")
        FAILED = "failed", _("Сбой")

        @classmethod
        def working(cls) -> tuple[str, ...]:
            """A process has it or is about to: its lease is watched."""
            return (cls.QUEUED, cls.PROCESSING)

    file = models.FileField(_("файл"), upload_to="uploads/%Y/%m/", max_length=300)
    original_name = models.CharField(_("имя файла"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("размер, байт"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="promo_uploads", verbose_name=_("загрузил"))
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="uploads", verbose_name=_("поставщик"),
                                 help_text=_("Пусто для сводного файла маркетолога с колонкой «Поставщик»."))
    status = models.CharField(_("статус"), max_length=30, choices=Status.choices,
                              default=Status.QUEUED, db_index=True)
    rows_total = models.PositiveIntegerField(_("строк всего"), default=0)
    rows_done = models.PositiveIntegerField(_("строк обработано"), default=0)
    errors = models.JSONField(_("ошибки"), default=list, blank=True,
                              help_text=_("[{row, column, code, message, params}]"))
    warnings = models.JSONField(_("предупреждения"), default=list, blank=True)
    summary = models.JSONField(_("итог"), default=dict, blank=True,
                               help_text=_("{rows, lines, promos, revisions: [...]}"))
    promos = models.ManyToManyField("promo.Promo", related_name="uploads", blank=True,
                                    verbose_name=_("промо"))
    failure = models.TextField(_("причина сбоя"), blank=True)
    started_at = models.DateTimeField(_("начало обработки"), null=True, blank=True)
    finished_at = models.DateTimeField(_("окончание обработки"), null=True, blank=True)
    preview = models.JSONField(
        _("предпросмотр"), default=dict, blank=True,
        help_text=_("Что загрузка изменит, если её подтвердить: {fingerprint, promos: [...], created: [...]}"),
    )
    preview_expires_at = models.DateTimeField(_("предпросмотр действует до"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+", verbose_name=_("подтвердил"))
    confirmed_at = models.DateTimeField(_("подтверждено"), null=True, blank=True)
    queued_at = models.DateTimeField(_("поставлено в очередь"), null=True, blank=True)
    lease_until = models.DateTimeField(_("обработчик отвечает до"), null=True, blank=True)
    attempt = models.PositiveIntegerField(_("номер попытки обработки"), default=0)
    restarts = models.PositiveSmallIntegerField(
        _("перезапусков"), default=0,
        help_text=_("Сколько раз обработку пришлось начать заново, потому что обработчик остановился."),
    )

    # The preview can hold a large diff: kept once, on the upload, not in every history row.
    history = HistoricalRecords(excluded_fields=["rows_done", "lease_until", "preview", "updated_at"])
    objects = PromoUploadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("загрузка файла")
        verbose_name_plural = _("загрузки файлов")
        indexes = [
            models.Index(fields=["supplier", "sha256"]),
            models.Index(fields=["status", "lease_until"], name="upload_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("promo:upload_detail", args=[self.pk])

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            done = (self.Status.IMPORTED, self.Status.REJECTED, self.Status.AWAITING_CONFIRMATION)
            return 100 if self.status in done else 0
        return min(100, round(100 * self.rows_done / self.rows_total))

    @property
    def is_working(self) -> bool:
        """Queued or processing: the page follows its progress."""
        return self.status in self.Status.working()

    @property
    def is_finished(self) -> bool:
        """Nothing more will happen to it (a preview waiting for a confirmation is not)."""
        return self.status in (self.Status.IMPORTED, self.Status.REJECTED, self.Status.CANCELLED,
                               self.Status.FAILED)

    @property
    def awaits_confirmation(self) -> bool:
        return self.status == self.Status.AWAITING_CONFIRMATION
