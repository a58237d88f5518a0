"""Branch pages. Branch data is not secret: every signed-in user may read it (suppliers
target their promos with it); the querysets still go through ``restrict()``."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import DetailView
from django_filters.views import FilterView

from branches.filtersets import BranchFilterSet
from branches.models import Branch
from config.pagination import PageInRangeMixin, PerPageMixin


class BranchListView(LoginRequiredMixin, PerPageMixin, PageInRangeMixin, FilterView):
    """Branches with their ERP codes; filter by region, city, group, a date they trade on,
    and search by code, name or address."""

    filterset_class = BranchFilterSet
    template_name = "branches/branch_list.html"

    def get_queryset(self):
        return (Branch.objects.restrict(self.request.user).select_related("region", "city")
                .order_by("code").distinct())


class BranchDetailView(LoginRequiredMixin, DetailView):
    template_name = "branches/branch_detail.html"

    def get_queryset(self):
        return (Branch.objects.restrict(self.request.user).select_related("region", "city")
                .prefetch_related("groups"))
