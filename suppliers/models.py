"""Suppliers, the people who work for them, categories and the product catalogue."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.models import TimeStampedModel
from suppliers.querysets import CategoryQuerySet, ProductQuerySet, SupplierQuerySet
from suppliers.usage import supplier_change_error
from suppliers.validators import validate_ean, validate_inn


class Supplier(TimeStampedModel):
    """A company that funds promotions of its products in the chain."""

    code = models.CharField(_("код"), max_length=20, unique=True)
    inn = models.CharField(_("ИНН"), max_length=12, unique=True, validators=[validate_inn])
    name = models.CharField(_("название"), max_length=200)
    sap_vendor = models.CharField(_("номер поставщика SAP"), max_length=10, blank=True)
    emails = models.TextField(
        _("контактные e-mail"), blank=True,
        help_text=_("Через запятую или с новой строки."),
    )
    active = models.BooleanField(_("активен"), default=True)

    history = HistoricalRecords()
    objects = SupplierQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("поставщик")
        verbose_name_plural = _("поставщики")
        permissions = [("act_for_supplier", _("Работать от имени поставщика"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(inn__regex=r"^([0-9]{10}|[0-9]{12})$"),
                name="supplier_inn_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("suppliers:supplier_detail", args=[self.pk])

    @property
    def email_list(self) -> list[str]:
        return [e.strip() for e in self.emails.replace("\n", ",").split(",") if e.strip()]


class SupplierUser(TimeStampedModel):
    """Links a portal login to the supplier it works for. The guardian grant on the supplier
    (``suppliers.act_for_supplier``) is what access checks use; services keep both in step."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="supplier_link", verbose_name=_("пользователь"))
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="user_links",
                                 verbose_name=_("поставщик"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["supplier__code", "user__username"]
        verbose_name = _("пользователь поставщика")
        verbose_name_plural = _("пользователи поставщиков")

    def __str__(self) -> str:
        return f"{self.user} → {self.supplier.code}"


class Category(TimeStampedModel):
    """A product category; its category managers decide promo lines of its products. The
    managers are the users granted ``suppliers.decide_category`` on it (guardian)."""

    code = models.CharField(_("код"), max_length=20, unique=True)
    name = models.CharField(_("название"), max_length=200)
    margin_floor_percent = models.DecimalField(
        _("порог маржи, %"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
        help_text=_("Наименьшая маржа сети после компенсации поставщика, % от того, что сеть получает за "
                    "штуку. Пусто: общий порог из настроек (PROMO_MARGIN_FLOOR_PERCENT)."),
    )

    history = HistoricalRecords()
    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("категория")
        verbose_name_plural = _("категории")
        permissions = [("decide_category", _("Согласовывать промо категории"))]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Product(TimeStampedModel):
    """A catalogue item: what a promo line discounts."""

    article = models.CharField(_("артикул"), max_length=40, unique=True)
    ean = models.CharField(_("штрихкод (EAN)"), max_length=13, unique=True, validators=[validate_ean])
    name = models.CharField(_("наименование"), max_length=300)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products",
                                 verbose_name=_("категория"))
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="products",
                                 verbose_name=_("поставщик"))
    regular_price = models.DecimalField(_("регулярная цена"), max_digits=12, decimal_places=2,
                                        validators=[MinValueValidator(Decimal("0.01"))])
    purchase_price = models.DecimalField(_("закупочная цена"), max_digits=12, decimal_places=2,
                                         null=True, blank=True,
                                         validators=[MinValueValidator(Decimal("0"))])
    active = models.BooleanField(_("активен"), default=True)

    history = HistoricalRecords()
    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["article"]
        verbose_name = _("товар")
        verbose_name_plural = _("товары")
        constraints = [
            models.CheckConstraint(condition=models.Q(regular_price__gt=0),
                                   name="product_regular_price_positive"),
            models.CheckConstraint(condition=models.Q(ean__regex=r"^([0-9]{8}|[0-9]{13})$"),
                                   name="product_ean_digits"),
        ]
        indexes = [
            models.Index(fields=["supplier", "article"]),
            # The API's product sorts (?ordering=name, regular_price): the catalogue grows.
            models.Index(fields=["name"], name="product_name_idx"),
            models.Index(fields=["regular_price"], name="product_price_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.article} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("suppliers:product_detail", args=[self.pk])

    def clean(self) -> None:
        # A product in promos of its supplier stays with it (suppliers/usage.py): the admin form
        # validates through here, and so does any writer that calls full_clean().
        if self.pk is None or self._state.adding:
            return
        stored = Product.objects.filter(pk=self.pk).values_list(
            "supplier_id", "supplier__code", "supplier__name").first()
        if stored is None or stored[0] == self.supplier_id:
            return
        error = supplier_change_error(product_id=self.pk, old_supplier_id=stored[0],
                                      new_supplier_id=self.supplier_id,
                                      old_supplier_name=f"{stored[1]} {stored[2]}")
        if error:
            raise ValidationError({"supplier": error})
