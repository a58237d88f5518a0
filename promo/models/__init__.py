"""Promo models: the promo and its lines, frozen revisions, uploads, events, comments, the
suppliers' requests, and the price tag PDFs the worker prepares."""

from promo.models.documents import PriceTagJob
from promo.models.events import PromoComment, PromoEvent
from promo.models.notifications import NotificationSettings, OutboxMessage
from promo.models.promo import Promo, PromoLine, PromoRevision
from promo.models.requests import SupplierRequest
from promo.models.uploads import PromoUpload, UploadSaveProgress

__all__ = [
    "NotificationSettings",
    "OutboxMessage",
    "PriceTagJob",
    "Promo",
    "PromoComment",
    "PromoEvent",
    "PromoLine",
    "PromoRevision",
    "PromoUpload",
    "SupplierRequest",
    "UploadSaveProgress",
]
