from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = _("Выгрузки в ERP")

    def ready(self):
        # The mail words the export events' messages (stored as data) with exports/wording.py.
        from exports.wording import payload_wording
        from promo.payload_wording import register_payload_wording

        register_payload_wording(payload_wording)
