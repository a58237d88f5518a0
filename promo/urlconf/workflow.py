"""URL patterns of the workflow pages (included by promo/urls.py): promo list and page, the
transitions (POST only), the approval queue, history, and the marketer's workspace."""

from django.urls import path

from promo.views import approval, history, marketer, promos

urlpatterns = [
    path("", promos.PromoListView.as_view(), name="promo_list"),
    path("<int:pk>/", promos.PromoDetailView.as_view(), name="promo_detail"),
    path("<int:pk>/history/", history.PromoHistoryView.as_view(), name="promo_history"),
    path("<int:pk>/targeting/", marketer.TargetingEditView.as_view(), name="targeting_edit"),
    # Transitions and other changes, posted from the promo page.
    path("<int:pk>/submit/", promos.PromoSubmitView.as_view(), name="promo_submit"),
    path("<int:pk>/withdraw/", promos.PromoWithdrawView.as_view(), name="promo_withdraw"),
    path("<int:pk>/request-extension/", promos.PromoRequestExtensionView.as_view(),
         name="promo_request_extension"),
    path("<int:pk>/request-cancellation/", promos.PromoRequestCancellationView.as_view(),
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
    path("queue/decide/", approval.ApprovalBulkView.as_view(), name="approval_bulk"),
    # Marketer's workspace and history.
    path("calendar/", marketer.CalendarView.as_view(), name="calendar"),
    path("mass-correction/", marketer.MassCorrectionView.as_view(), name="mass_correction"),
    path("activity/", history.ActivityLogView.as_view(), name="activity_log"),
]
