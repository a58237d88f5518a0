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
    """One uploaded sheet. Its state (progress, errors, result) lives here, never in temp
    files, so any web server or worker can show or continue it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("В очереди")
        PROCESSING = "processing", _("Обрабатывается")
        IMPORTED = "imported", _("Загружено")
        REJECTED = "rejected", _("Отклонено")
        FAILED = "failed", _("Сбой")

    file = models.FileField(_("файл"), upload_to="uploads/%Y/%m/", max_length=300)
    original_name = models.CharField(_("имя файла"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("размер, байт"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="promo_uploads", verbose_name=_("загрузил"))
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="uploads", verbose_name=_("поставщик"),
                                 help_text=_("Пусто для сводного файла маркетолога с колонкой «Поставщик»."))
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices,
                              default=Status.QUEUED, db_index=True)
    rows_total = models.PositiveIntegerField(_("строк всего"), default=0)
    rows_done = models.PositiveIntegerField(_("строк обработано"), default=0)
    # The saving step, in lines written of lines to write (0 of 0 until it starts): the bar
    # goes on moving after the sheet is read (promo/services/imports/progress.py).
    save_total = models.PositiveIntegerField(_("сохранить строк"), default=0)
    save_done = models.PositiveIntegerField(_("сохранено строк"), default=0)
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

    history = HistoricalRecords(excluded_fields=["rows_done", "save_total", "save_done", "updated_at"])
    objects = PromoUploadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("загрузка файла")
        verbose_name_plural = _("загрузки файлов")
        indexes = [models.Index(fields=["supplier", "sha256"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("promo:upload_detail", args=[self.pk])

    # The share of the bar for reading and checking the sheet; saving fills the rest.
    READ_SHARE = 70

    @property
    def is_saving(self) -> bool:
        return not self.is_finished and self.save_total > 0

    @property
    def progress_percent(self) -> int:
        """Reading and checking the rows fill the bar up to READ_SHARE %, saving the lines
        the rest; it shows 100 % only once the upload is finished."""
        if self.is_finished:
            return 100
        if self.is_saving:
            saved = min(self.save_done, self.save_total) / self.save_total
            return min(99, self.READ_SHARE + round((100 - self.READ_SHARE) * saved))
        if not self.rows_total:
            return 0
        return min(self.READ_SHARE, round(self.READ_SHARE * self.rows_done / self.rows_total))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.IMPORTED, self.Status.REJECTED, self.Status.FAILED)
