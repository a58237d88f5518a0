from django.urls import path

from branches.views import BranchDetailView, BranchListView

app_name = "branches"
urlpatterns = [
    path("", BranchListView.as_view(), name="branch_list"),
    path("<int:pk>/", BranchDetailView.as_view(), name="branch_detail"),
]
