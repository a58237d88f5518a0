"""URL patterns of the documents pages (included by promo/urls.py)."""

urlpatterns: list = []
