"""Promo pages: uploads, the promo list and page with its transitions (POST only), the approval
queue, history, the marketer's workspace, notification settings and the PDF documents."""

from django.urls import path

from promo.views import (
    approval,
    bulk,
    documents,
    filter_options,
    history,
    marketer,
    notifications,
    promos,
    requests,
    timeline,
    uploads,
)

app_name = "promo"
urlpatterns = [
    # Uploads: the form, the history, one upload with its live progress and error workbook,
    # applying or cancelling its preview (POST only), and the template download.
    path("uploads/", uploads.UploadListView.as_view(), name="upload_list"),
    path("uploads/new/", uploads.UploadCreateView.as_view(), name="upload_create"),
    path("uploads/template/", uploads.TemplateDownloadView.as_view(), name="template_download"),
    path("uploads/<int:pk>/", uploads.UploadDetailView.as_view(), name="upload_detail"),
    path("uploads/<int:pk>/progress/", uploads.UploadProgressView.as_view(), name="upload_progress"),
    path("uploads/<int:pk>/errors.xlsx", uploads.UploadErrorWorkbookView.as_view(), name="upload_error_workbook"),
    path("uploads/<int:pk>/confirm/", uploads.UploadConfirmView.as_view(), name="upload_confirm"),
    path("uploads/<int:pk>/cancel/", uploads.UploadCancelView.as_view(), name="upload_cancel"),
    # The promo list and page.
    path("", promos.PromoListView.as_view(), name="promo_list"),
    path("<int:pk>/", promos.PromoDetailView.as_view(), name="promo_detail"),
    path("<int:pk>/history/", history.PromoHistoryView.as_view(), name="promo_history"),
    path("<int:pk>/targeting/", marketer.TargetingEditView.as_view(), name="targeting_edit"),
    # Transitions and other changes, posted from the promo page.
    path("<int:pk>/submit/", promos.PromoSubmitView.as_view(), name="promo_submit"),
    path("<int:pk>/withdraw/", promos.PromoWithdrawView.as_view(), name="promo_withdraw"),
    path("<int:pk>/request-extension/", requests.PromoRequestExtensionView.as_view(),
         name="promo_request_extension"),
    path("<int:pk>/request-cancellation/", requests.PromoRequestCancellationView.as_view(),
         name="promo_request_cancellation"),
    path("<int:pk>/cancel/", promos.PromoCancelView.as_view(), name="promo_cancel"),
    path("<int:pk>/extend/", promos.PromoExtendView.as_view(), name="promo_extend"),
    path("<int:pk>/correct/", promos.PromoCorrectView.as_view(), name="promo_correct"),
    path("<int:pk>/lines/correct/", promos.LineCorrectView.as_view(), name="line_correct"),
    path("<int:pk>/comments/", promos.CommentAddView.as_view(), name="comment_add"),
    path("<int:pk>/approve/", approval.PromoApproveView.as_view(), name="promo_approve"),
    path("<int:pk>/reject/", approval.PromoRejectView.as_view(), name="promo_reject"),
    path("<int:pk>/lines/decide/", approval.LinesDecideView.as_view(), name="lines_decide"),
    # The category manager's screen.
    path("queue/", approval.ApprovalQueueView.as_view(), name="approval_queue"),
    # The choices of a list's filter its page leaves out (suppliers, branches), for the picker.
    path("filter-options/<slug:listing>/<slug:name>/", filter_options.FilterOptionsView.as_view(),
         name="filter_options"),
    # Bulk actions from the promo list, the queue and an upload's promos; suppliers' requests.
    path("bulk/", bulk.BulkActionView.as_view(), name="promo_bulk"),
    path("requests/", requests.RequestListView.as_view(), name="request_list"),
    path("requests/<int:pk>/accept/", requests.RequestAcceptView.as_view(), name="request_accept"),
    path("requests/<int:pk>/decline/", requests.RequestDeclineView.as_view(), name="request_decline"),
    # Marketer's workspace and history.
    path("calendar/", marketer.CalendarView.as_view(), name="calendar"),
    path("mass-correction/", marketer.MassCorrectionView.as_view(), name="mass_correction"),
    path("activity/", history.ActivityLogView.as_view(), name="activity_log"),
    # Notification settings.
    path("notifications/", notifications.NotificationSettingsView.as_view(), name="notification_settings"),
    # The shelf-price timeline of a product (linked from the product page and each promo line).
    path("products/<int:pk>/timeline/", timeline.ProductTimelineView.as_view(), name="product_timeline"),
    # Documents (PDF).
    path("<int:pk>/sheet.pdf", documents.PromoSheetPdfView.as_view(), name="promo_sheet_pdf"),
    path("price-tags.pdf", documents.PriceTagsView.as_view(), name="price_tags"),
    # Price tags of a large branch, prepared by the worker: the person's jobs, one job with its
    # live progress, and its PDF.
    path("price-tags/", documents.PriceTagJobListView.as_view(), name="price_tag_jobs"),
    path("price-tags/<int:pk>/", documents.PriceTagJobDetailView.as_view(), name="price_tag_job"),
    path("price-tags/<int:pk>/progress/", documents.PriceTagJobProgressView.as_view(),
         name="price_tag_job_progress"),
    path("price-tags/<int:pk>/price-tags.pdf", documents.PriceTagJobDownloadView.as_view(),
         name="price_tag_job_download"),
]
