"""API routes of the promo app, registered on the project router (config/api.py)."""

from django.urls import path

from promo.api.documents import PromoSheetPdfAPIView
from promo.api.promos import PromoViewSet
from promo.api.requests import SupplierRequestViewSet
from promo.api.timeline import ProductTimelineAPIView
from promo.api.uploads import UploadViewSet


def register(router) -> list:
    """Register viewsets on ``router``; return extra URL patterns (non-viewset endpoints)."""
    router.register("uploads", UploadViewSet, basename="upload")
    router.register("promos", PromoViewSet, basename="promo")
    router.register("requests", SupplierRequestViewSet, basename="request")
    return [
        path("promos/<int:pk>/sheet.pdf", PromoSheetPdfAPIView.as_view(), name="promo-sheet-pdf"),
        path("products/<int:pk>/timeline/", ProductTimelineAPIView.as_view(), name="product-timeline"),
    ]
