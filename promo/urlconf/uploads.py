"""URL patterns of the uploads pages (included by promo/urls.py)."""

urlpatterns: list = []
