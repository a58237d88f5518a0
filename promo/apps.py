from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromoConfig(AppConfig):
    name = "promo"
    verbose_name = _("Промо-акции")
