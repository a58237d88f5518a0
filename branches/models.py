"""The chain's geography: regions, cities, branches (stores and the online shop) with their
codes in each ERP, and named branch groups used for targeting."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.querysets import BranchQuerySet, ReferenceQuerySet
from config.choices import ChoiceLabelsMixin


class TimeStampedModel(ChoiceLabelsMixin, models.Model):
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        abstract = True


class Region(TimeStampedModel):
    """One of the chain's regions (a federal subject: «Новосибирская область»)."""

    code = models.CharField(_("код"), max_length=10, unique=True)
    name = models.CharField(_("название"), max_length=100, unique=True)

    history = HistoricalRecords()
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("регион")
        verbose_name_plural = _("регионы")

    def __str__(self) -> str:
        return self.name


class City(TimeStampedModel):
    """A city or town of a region where the chain trades."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="cities",
                               verbose_name=_("регион"))
    name = models.CharField(_("название"), max_length=100)

    history = HistoricalRecords()
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("город")
        verbose_name_plural = _("города")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="city_unique_name_in_region"),
        ]

    def __str__(self) -> str:
        return self.name


class Branch(TimeStampedModel):
    """A store (or the online shop) of the chain. Each ERP knows it under its own code; a
    branch lacking a code for a system is skipped by that system's export with a warning."""

    code = models.CharField(_("код"), max_length=20, unique=True)
    name = models.CharField(_("название"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="branches",
                               verbose_name=_("регион"))
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="branches",
                             verbose_name=_("город"))
    address = models.CharField(_("адрес"), max_length=300, blank=True)
    sap_plant = models.CharField(_("завод SAP (WERKS)"), max_length=4, blank=True, null=True, unique=True)
    smarket_id = models.PositiveIntegerField(_("магазин S-Market"), blank=True, null=True, unique=True)
    setretail_shop = models.PositiveIntegerField(_("магазин Set Retail"), blank=True, null=True, unique=True)
    opened = models.DateField(_("открыт"), blank=True, null=True)
    closed = models.DateField(_("закрыт"), blank=True, null=True)

    history = HistoricalRecords()
    objects = BranchQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("филиал")
        verbose_name_plural = _("филиалы")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed__isnull=True)
                | models.Q(opened__isnull=True)
                | models.Q(closed__gt=models.F("opened")),
                name="branch_closed_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("branches:branch_detail", args=[self.pk])

    def clean(self) -> None:
        if self.city_id and self.region_id and self.city.region_id != self.region_id:
            raise ValidationError({"city": _("Город относится к другому региону.")})
        if self.opened and self.closed and self.closed <= self.opened:
            raise ValidationError({"closed": _("Дата закрытия должна быть позже даты открытия.")})

    def is_open_on(self, day) -> bool:
        return (self.opened is None or self.opened <= day) and (self.closed is None or self.closed > day)


class BranchGroup(TimeStampedModel):
    """A named set of branches for targeting («Гипермаркеты», «Новые магазины 2026»)."""

    name = models.CharField(_("название"), max_length=100, unique=True)
    branches = models.ManyToManyField(Branch, related_name="groups", blank=True,
                                      verbose_name=_("филиалы"))

    history = HistoricalRecords(m2m_fields=[branches])
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("группа филиалов")
        verbose_name_plural = _("группы филиалов")

    def __str__(self) -> str:
        return self.name
