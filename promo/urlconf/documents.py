"""URL patterns of the documents pages (included by promo/urls.py)."""

from django.urls import path

from promo.views.documents import PriceTagsView, PromoSheetPdfView

urlpatterns: list = [
    path("<int:pk>/sheet.pdf", PromoSheetPdfView.as_view(), name="promo_sheet_pdf"),
    path("price-tags.pdf", PriceTagsView.as_view(), name="price_tags"),
]
