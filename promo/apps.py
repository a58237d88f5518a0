from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromoConfig(AppConfig):
    name = "promo"
    verbose_name = _("Промо-акции")

    def ready(self):
        from promo import usage  # noqa: F401  (registers what promos hold for the reference-data rules)
