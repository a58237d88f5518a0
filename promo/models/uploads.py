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
    def with_saving(self):
        """Annotate the saving step's progress of the current attempt (``saving_done``,
        ``saving_total``: :class:`UploadSaveProgress`), for the progress bar."""
        progress = UploadSaveProgress.objects.filter(upload_id=models.OuterRef("pk"), attempt=models.OuterRef("attempt"))
        return self.annotate(saving_done=models.Subquery(progress.values("done")[:1]),
                             saving_total=models.Subquery(progress.values("total")[:1]))

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


class UploadSaveProgress(models.Model):
    """How far the saving step of an upload's attempt got: lines written of lines to write.

    The saving transaction holds the upload's row locked until it commits, so this is written on
    a connection of its own (promo/services/imports/progress.py) into a table of its own, and it
    names the upload by id without a foreign key (checking one would wait for that lock). Rows of
    an earlier attempt are ignored."""

    upload_id = models.BigIntegerField(_("загрузка"))
    attempt = models.PositiveIntegerField(_("попытка"))
    done = models.PositiveIntegerField(_("сохранено строк"), default=0)
    total = models.PositiveIntegerField(_("сохранить строк"), default=0)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        verbose_name = _("сохранение загрузки")
        verbose_name_plural = _("сохранение загрузок")
        constraints = [models.UniqueConstraint(fields=["upload_id", "attempt"], name="upload_save_progress_once")]

    def __str__(self) -> str:
        return f"#{self.upload_id}/{self.attempt}: {self.done}/{self.total}"


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
            # The uploads lists, newest first: a supplier's, everybody's (marketers, the API).
            models.Index(fields=["supplier", "-created_at"], name="upload_supplier_newest_idx"),
            models.Index(fields=["-created_at", "-id"], name="upload_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("promo:upload_detail", args=[self.pk])

    # The share of the bar for reading and checking the sheet; saving fills the rest.
    READ_SHARE = 70

    @property
    def save_done(self) -> int:
        """Lines the saving step has written (annotated by ``with_saving()``; 0 otherwise)."""
        return getattr(self, "saving_done", None) or 0

    @property
    def save_total(self) -> int:
        return getattr(self, "saving_total", None) or 0

    @property
    def is_saving(self) -> bool:
        return self.is_working and self.save_total > 0

    @property
    def progress_percent(self) -> int:
        """Reading and checking the rows fill the bar up to READ_SHARE %, saving the lines
        the rest (read with ``PromoUpload.objects.with_saving()``); it shows 100 % only once no
        process works on it any more (finished, or read and waiting for a confirmation)."""
        if not self.is_working:
            return 100
        if self.is_saving:
            saved = min(self.save_done, self.save_total) / self.save_total
            return min(99, self.READ_SHARE + round((100 - self.READ_SHARE) * saved))
        if not self.rows_total:
            return 0
        return min(self.READ_SHARE, round(self.READ_SHARE * self.rows_done / self.rows_total))

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
