"""URL patterns of the uploads pages (included by promo/urls.py): the upload form, the history,
one upload with its live progress and error workbook, and the template download."""

from django.urls import path

from promo.views import uploads

urlpatterns = [
    path("uploads/", uploads.UploadListView.as_view(), name="upload_list"),
    path("uploads/new/", uploads.UploadCreateView.as_view(), name="upload_create"),
    path("uploads/template/", uploads.TemplateDownloadView.as_view(), name="template_download"),
    path("uploads/<int:pk>/", uploads.UploadDetailView.as_view(), name="upload_detail"),
    path("uploads/<int:pk>/progress/", uploads.UploadProgressView.as_view(), name="upload_progress"),
    path("uploads/<int:pk>/errors.xlsx", uploads.UploadErrorWorkbookView.as_view(), name="upload_error_workbook"),
]
