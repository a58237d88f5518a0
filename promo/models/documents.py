"""Price tag PDFs prepared by the worker for a large branch."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Branch, TimeStampedModel

# A job leaves the queue within seconds and writes its progress every few seconds while it
# renders (``updated_at``); an unfinished job silent for longer has lost its worker or its message
# (the reaper, promo.services.price_tags.price_tag_jobs_recover, queues it again).
STALL_AFTER = timedelta(minutes=10)


class PriceTagJobQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """A job is its requester's alone, whatever the role: its PDF holds the promos that
        person may see, so nobody else opens or downloads it (another's job is a 404)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(requested_by=user)


class PriceTagJob(TimeStampedModel):
    """«Ценники» of a branch for a day that were too many to render during the request. The
    worker renders them in chunks and records the progress here (never in temp files, so any
    web server shows it); the PDF is kept under MEDIA_ROOT, which has no URL, and is served only
    to the requester by the job's download view."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("В очереди")
        RUNNING = "running", _("Готовится")
        SUCCEEDED = "succeeded", _("Готово")
        FAILED = "failed", _("Сбой")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                     related_name="price_tag_jobs", verbose_name=_("заказал"))
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="price_tag_jobs",
                               verbose_name=_("филиал"))
    day = models.DateField(_("дата"))
    language = models.CharField(_("язык"), max_length=10, default="ru",
                                help_text=_("Язык страницы, с которой заказаны ценники: на нём они и печатаются."))
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    tags_total = models.PositiveIntegerField(_("ценников всего"), default=0)
    tags_done = models.PositiveIntegerField(_("ценников готово"), default=0)
    pages = models.PositiveIntegerField(_("страниц"), default=0)
    file = models.FileField(_("файл"), upload_to="price-tags/%Y/%m/", max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("размер, байт"), default=0)
    failure = models.TextField(_("причина сбоя"), blank=True)
    restarts = models.PositiveSmallIntegerField(
        _("перезапусков"), default=0,
        help_text=_("Сколько раз обработку пришлось начать заново, потому что обработчик остановился."))
    started_at = models.DateTimeField(_("начало"), null=True, blank=True)
    finished_at = models.DateTimeField(_("окончание"), null=True, blank=True)

    objects = PriceTagJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("подготовка ценников")
        verbose_name_plural = _("подготовка ценников")
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="price_tag_job_owner_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.branch_id} {self.day:%d.%m.%Y}"

    def get_absolute_url(self) -> str:
        return reverse("promo:price_tag_job", args=[self.pk])

    @property
    def filename(self) -> str:
        """The name the PDF is downloaded under, the same as a PDF answered at once."""
        return f"price-tags-{self.branch.code}-{self.day.isoformat()}.pdf"

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.tags_total:
            return 0
        return min(100, round(100 * self.tags_done / self.tags_total))

    @property
    def looks_stuck(self) -> bool:
        """Unfinished and silent for STALL_AFTER: its page says so and offers to order again
        (which fails this job and queues a new one), instead of a bar that never moves."""
        return not self.is_finished and timezone.now() - self.updated_at > STALL_AFTER

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
