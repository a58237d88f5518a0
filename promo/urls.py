"""Promo pages. Each area keeps its patterns in promo/urlconf/<area>.py."""

from promo.urlconf import documents, notifications, uploads, workflow

app_name = "promo"
urlpatterns = uploads.urlpatterns + workflow.urlpatterns + notifications.urlpatterns + documents.urlpatterns
