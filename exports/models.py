"""Export runs: one row per run of a business date, its files (with their manifest entries) and the
promos that left in it (shared/erp-formats.md §1 "Files and run"); the export ledger of what each
system holds (§1 "Deletions: the export ledger") and what each run changed in it."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from config.choices import ChoiceLabelsMixin
from exports.querysets import ExportRunPromoQuerySet, ExportRunQuerySet, MarketerOnlyQuerySet
from exports.wording import delivery_text, message_text


class System(models.TextChoices):
    SAP = "sap", "SAP"
    SMARKET = "smarket", "S-Market"
    SETRETAIL = "setretail", "Set Retail 10"


ALL_SYSTEMS: tuple[str, ...] = (System.SAP, System.SMARKET, System.SETRETAIL)


class ExportRun(ChoiceLabelsMixin, models.Model):
    """One export of a business date: nightly (``started_by`` empty) or on demand. Its files live
    in ``folder`` (``<EXPORT_ROOT>/<YYYYMMDD>_<NN>/``) next to ``manifest.json``; the folder
    appears only complete (written hidden, renamed at the end: exports/recovery.py), and a failed
    run leaves no manifest and no file under a final name, only its ``failure`` (a message worded
    for each reader, exports/failures.py; ``error`` is its text). While it runs, its
    worker renews ``lease_until``; ``attempt`` counts the workers that took it, ``restarts`` the
    times the reaper queued it again after its worker died."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("В очереди")
        RUNNING = "running", _("Выполняется")
        SUCCEEDED = "succeeded", _("Выполнена")
        FAILED = "failed", _("Ошибка")

    business_date = models.DateField(_("дата выгрузки"), db_index=True)
    number = models.PositiveSmallIntegerField(_("номер за дату"))
    systems = models.JSONField(_("системы"), default=list)
    status = models.CharField(_("статус"), max_length=10, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("запустил"))
    folder = models.CharField(_("папка"), max_length=500, blank=True)
    # Why the run failed: a message as data (exports/failures.py), worded for each reader by
    # ``error``; a reason stored before as text is {"code": "text", "params": {"text": ...}}.
    failure = models.JSONField(_("причина ошибки"), default=dict, blank=True)
    warnings = models.JSONField(_("предупреждения"), default=list, blank=True,
                                help_text=_("О промо, не попавших ни в один файл (нет филиалов и т. п.)."))
    skipped = models.JSONField(_("не записанные файлы"), default=list, blank=True,
                               help_text=_("Файлы, которые не записаны, потому что отправлять нечего."))
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)
    started_at = models.DateTimeField(_("начало"), null=True, blank=True)
    finished_at = models.DateTimeField(_("окончание"), null=True, blank=True)
    lease_until = models.DateTimeField(_("обработчик отвечает до"), null=True, blank=True)
    attempt = models.PositiveIntegerField(_("номер попытки"), default=0)
    restarts = models.PositiveSmallIntegerField(
        _("перезапусков"), default=0,
        help_text=_("Сколько раз выгрузку пришлось начать заново, потому что обработчик остановился."),
    )

    objects = ExportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-business_date", "-number"]
        verbose_name = _("выгрузка")
        verbose_name_plural = _("выгрузки")
        constraints = [
            models.UniqueConstraint(fields=["business_date", "number"], name="exportrun_unique_number"),
        ]
        # The API's sort by when a run was started (?ordering=created_at).
        indexes = [models.Index(fields=["created_at"], name="exportrun_created_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("exports:run_detail", args=[self.pk])

    @property
    def name(self) -> str:
        """The run id of the folder, the file names and the Set10 package: ``20260920_01``."""
        return f"{self.business_date:%Y%m%d}_{self.number:02d}"

    @property
    def error(self) -> str:
        """Why the run failed, in the active language ("" unless it failed)."""
        return message_text(self.failure) if self.failure else ""

    @property
    def systems_display(self) -> str:
        """The systems as people name them: «SAP, S-Market, Set Retail 10»."""
        return ", ".join(str(System(code).label) if code in System.values else code for code in self.systems)

    @property
    def is_nightly(self) -> bool:
        return self.started_by_id is None

    @property
    def manifest_path(self) -> Path | None:
        return Path(self.folder) / "manifest.json" if self.folder else None


class ExportFile(ChoiceLabelsMixin, models.Model):
    """One file of a run with its manifest entry: size, sha256, record counts, warnings (e.g. a
    branch without a code for the system) and errors (e.g. a refused SAP key). For Set Retail
    files, the state of the separate SOAP delivery step."""

    class Delivery(models.TextChoices):
        NONE = "", _("—")
        PENDING = "pending", _("Ожидает отправки")
        RETRYING = "retrying", _("Повтор отправки")
        SUCCEEDED = "succeeded", _("Принято Set Retail")
        REJECTED = "rejected", _("Отклонено Set Retail")
        FAILED = "failed", _("Не доставлено")

    run = models.ForeignKey(ExportRun, on_delete=models.CASCADE, related_name="files",
                            verbose_name=_("выгрузка"))
    system = models.CharField(_("система"), max_length=10, choices=System.choices)
    kind = models.CharField(_("вид файла"), max_length=30)
    name = models.CharField(_("имя файла"), max_length=200)
    size = models.PositiveBigIntegerField(_("размер, байт"), default=0)
    sha256 = models.CharField("SHA-256", max_length=64)
    promos = models.PositiveIntegerField(_("промо"), default=0)
    lines = models.PositiveIntegerField(_("строк промо"), default=0)
    records = models.PositiveBigIntegerField(_("записей"), default=0)
    deletions = models.PositiveBigIntegerField(_("из них удалений"), default=0)
    changes = models.JSONField(_("изменения на кассе"), default=dict, blank=True,
                               help_text=_("Сколько записей добавлено, изменено, удалено против журнала отправленного."))
    warnings = models.JSONField(_("предупреждения"), default=list, blank=True)
    errors = models.JSONField(_("ошибки"), default=list, blank=True)
    delivery_status = models.CharField(_("доставка"), max_length=10, choices=Delivery.choices,
                                       default=Delivery.NONE, blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(_("попыток доставки"), default=0)
    # What Set Retail 10 answered, a message as data worded for each reader (exports/wording.py
    # delivery_text); an answer stored before as text is {"code": "text", "params": {"text": ...}}.
    delivery_message = models.JSONField(_("ответ системы"), default=dict, blank=True)
    delivery_ti = models.CharField(_("пакет Set Retail (TI)"), max_length=40, blank=True)
    rejections = models.JSONField(_("отклонённые акции"), default=list, blank=True)
    resends = models.PositiveSmallIntegerField(_("отправлено заново"), default=0)
    uploaded_at = models.DateTimeField(_("отправлено в Set Retail"), null=True, blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    objects = MarketerOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["run", "name"]
        verbose_name = _("файл выгрузки")
        verbose_name_plural = _("файлы выгрузки")
        constraints = [
            models.UniqueConstraint(fields=["run", "name"], name="exportfile_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("exports:file_download", args=[self.run_id, self.pk])

    @property
    def path(self) -> Path:
        return Path(self.run.folder) / self.name

    @property
    def delivery_detail(self) -> str:
        """What Set Retail 10 answered, in the active language (exports/wording.py)."""
        return delivery_text(self)

    @property
    def in_flight(self) -> bool:
        """The Set Retail delivery is queued or being retried."""
        return self.delivery_status in (self.Delivery.PENDING, self.Delivery.RETRYING)


class ExportRunPromo(ChoiceLabelsMixin, models.Model):
    """A promo that left in a run: which revision, inserted or deleted (cancelled). The promo
    page lists these rows."""

    class Action(models.TextChoices):
        INSERT = "insert", _("Выгружено")
        DELETE = "delete", _("Удаление")

    run = models.ForeignKey(ExportRun, on_delete=models.CASCADE, related_name="promo_rows",
                            verbose_name=_("выгрузка"))
    promo = models.ForeignKey("promo.Promo", on_delete=models.CASCADE, related_name="export_rows",
                              verbose_name=_("промо"))
    revision_number = models.PositiveIntegerField(_("ревизия"))
    action = models.CharField(_("действие"), max_length=10, choices=Action.choices)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    objects = ExportRunPromoQuerySet.as_manager()

    class Meta:
        ordering = ["run", "promo"]
        verbose_name = _("промо в выгрузке")
        verbose_name_plural = _("промо в выгрузках")
        constraints = [
            models.UniqueConstraint(fields=["run", "promo"], name="exportrunpromo_unique_promo"),
        ]

    def __str__(self) -> str:
        return f"{self.run.name} {self.promo_id}"


class ExportLedgerEntry(models.Model):
    """What one system file holds of one promo, as the portal sent it: the promo's parts with the
    terms, period, branch codes and product keys sent, live or being deleted (a deletion is sent
    every night until the period that was sent has ended), and the run that sent them.
    ``state`` is read and written by exports/ledger/ only; ``digest`` fingerprints it so an
    unchanged promo costs no comparison. One row per file kind (``kind``) and promo code."""

    kind = models.CharField(_("файл"), max_length=30)
    system = models.CharField(_("система"), max_length=10, choices=System.choices)
    promo_code = models.CharField(_("код промо"), max_length=20)
    promo = models.ForeignKey("promo.Promo", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="export_ledger", verbose_name=_("промо"))
    state = models.JSONField(_("отправлено"), default=dict)
    digest = models.CharField(_("отпечаток"), max_length=64)
    ends = models.DateField(_("до"), help_text=_("Последний день отправленных периодов: после него запись уходит."))
    records = models.PositiveBigIntegerField(_("записей действует"), default=0)
    deleting = models.PositiveBigIntegerField(_("записей удаляется"), default=0)
    run = models.ForeignKey(ExportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                            verbose_name=_("изменено выгрузкой"))
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    # Who may see what a system holds of a promo follows the promo (the promo page shows it).
    objects = ExportRunPromoQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "promo_code"]
        verbose_name = _("запись журнала отправленного")
        verbose_name_plural = _("журнал отправленного")
        constraints = [
            models.UniqueConstraint(fields=["kind", "promo_code"], name="exportledger_unique_promo"),
        ]
        indexes = [models.Index(fields=["ends"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.promo_code}"


class ExportLedgerHead(models.Model):
    """The run that last advanced the ledger of one file kind: a run compares against it and
    refuses to store its result if another run advanced the ledger meanwhile."""

    kind = models.CharField(_("файл"), max_length=30, unique=True)
    system = models.CharField(_("система"), max_length=10, choices=System.choices)
    run = models.ForeignKey(ExportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                            verbose_name=_("выгрузка"))
    business_date = models.DateField(_("дата выгрузки"), null=True, blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("состояние журнала отправленного")
        verbose_name_plural = _("состояния журнала отправленного")

    def __str__(self) -> str:
        return self.kind


class ExportChange(models.Model):
    """What a run changed at the tills for one promo in one file, against the ledger of the
    previous complete run: records added, changed (old -> new terms in ``detail``), deleted,
    deletions repeated. The page «Что изменится на кассе» and its API read these rows."""

    run = models.ForeignKey(ExportRun, on_delete=models.CASCADE, related_name="changes", verbose_name=_("выгрузка"))
    system = models.CharField(_("система"), max_length=10, choices=System.choices)
    kind = models.CharField(_("вид файла"), max_length=30)
    promo = models.ForeignKey("promo.Promo", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="export_changes", verbose_name=_("промо"))
    promo_code = models.CharField(_("код промо"), max_length=20)
    promo_name = models.CharField(_("название промо"), max_length=200, blank=True)
    added = models.PositiveBigIntegerField(_("добавлено"), default=0)
    changed = models.PositiveBigIntegerField(_("изменено"), default=0)
    deleted = models.PositiveBigIntegerField(_("удалено"), default=0)
    repeated = models.PositiveBigIntegerField(_("удаление повторено"), default=0)
    unchanged = models.PositiveBigIntegerField(_("без изменений"), default=0)
    detail = models.JSONField(_("подробности"), default=dict, blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    objects = MarketerOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["run", "promo_code", "kind"]
        verbose_name = _("изменение на кассе")
        verbose_name_plural = _("изменения на кассе")
        indexes = [models.Index(fields=["run", "kind"]), models.Index(fields=["run", "promo_code"])]

    def __str__(self) -> str:
        return f"{self.run_id} {self.kind} {self.promo_code}"
