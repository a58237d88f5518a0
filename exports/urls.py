"""Export pages (marketers)."""

from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("", views.ExportRunListView.as_view(), name="run_list"),
    path("start/", views.ExportRunStartView.as_view(), name="run_start"),
    path("<int:pk>/", views.ExportRunDetailView.as_view(), name="run_detail"),
    path("<int:pk>/manifest.json", views.ExportManifestDownloadView.as_view(), name="manifest_download"),
    path("<int:run_pk>/files/<int:pk>/", views.ExportFileDownloadView.as_view(), name="file_download"),
]
