"""Export pages (marketers)."""

from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("", views.ExportRunListView.as_view(), name="run_list"),
    path("start/", views.ExportRunStartView.as_view(), name="run_start"),
    path("preview/", views.ExportPreviewView.as_view(), name="preview"),
    path("<int:pk>/", views.ExportRunDetailView.as_view(), name="run_detail"),
    path("<int:pk>/manifest.json", views.ExportManifestDownloadView.as_view(), name="manifest_download"),
    path("<int:pk>/changes/", views.ExportRunChangesView.as_view(), name="run_changes"),
    path("<int:run_pk>/files/<int:pk>/", views.ExportFileDownloadView.as_view(), name="file_download"),
    path("<int:run_pk>/files/<int:pk>/resend/", views.ExportFileResendView.as_view(), name="file_resend"),
]
