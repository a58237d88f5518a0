"""URL patterns of the notifications pages (included by promo/urls.py)."""

from django.urls import path

from promo.views.notifications import NotificationSettingsView

urlpatterns: list = [
    path("notifications/", NotificationSettingsView.as_view(), name="notification_settings"),
]
