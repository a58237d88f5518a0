"""Promo models: the promo and its lines, frozen revisions, uploads, events, comments and the
suppliers' requests."""

from promo.models.events import PromoComment, PromoEvent
from promo.models.notifications import NotificationSettings, OutboxMessage
from promo.models.promo import Promo, PromoLine, PromoRevision
from promo.models.requests import SupplierRequest
from promo.models.uploads import PromoUpload, UploadSaveProgress

__all__ = [
    "NotificationSettings",
    "OutboxMessage",
    "Promo",
    "PromoComment",
    "PromoEvent",
    "PromoLine",
    "PromoRevision",
    "PromoUpload",
    "SupplierRequest",
    "UploadSaveProgress",
]
