"""URL patterns of the notifications pages (included by promo/urls.py)."""

urlpatterns: list = []
