"""Branch pages for chain staff."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import DetailView
from django_filters.views import FilterView

from branches.filtersets import BranchFilterSet
from branches.models import Branch


class BranchListView(LoginRequiredMixin, FilterView):
    filterset_class = BranchFilterSet
    template_name = "branches/branch_list.html"
    paginate_by = 50

    def get_queryset(self):
        return Branch.objects.restrict(self.request.user).select_related("region", "city")


class BranchDetailView(LoginRequiredMixin, DetailView):
    template_name = "branches/branch_detail.html"

    def get_queryset(self):
        return (Branch.objects.restrict(self.request.user).select_related("region", "city")
                .prefetch_related("groups"))
