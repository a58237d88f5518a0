"""URL patterns of the workflow pages (included by promo/urls.py)."""

urlpatterns: list = []
