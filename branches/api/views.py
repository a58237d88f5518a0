"""Read-only API of the chain's geography. Every queryset goes through `restrict()` before
the lookup (STYLE.md §5): anonymous callers never reach a row."""

from rest_framework import viewsets

from branches.api.filters import BranchFilterSet, CityFilterSet
from branches.api.serializers import (
    BranchGroupSerializer,
    BranchSerializer,
    CitySerializer,
    RegionSerializer,
)
from branches.models import Branch, BranchGroup, City, Region
from config.filters import StrictQueryMixin


class RegionViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """The chain's regions."""

    serializer_class = RegionSerializer
    filter_backends: list = []

    def get_queryset(self):
        return Region.objects.restrict(self.request.user).order_by("name")


class CityViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Cities where the chain trades; filter by `region`."""

    serializer_class = CitySerializer
    filterset_class = CityFilterSet
    search_fields = ["name"]
    ordering_fields = ["name"]

    def get_queryset(self):
        return City.objects.restrict(self.request.user).select_related("region").order_by("name", "pk")


class BranchViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Branches (stores and the online shop) with their code in each ERP. Filter by
    `region`, `city`, `group`, `code`, `open_on` and `search`."""

    serializer_class = BranchSerializer
    filterset_class = BranchFilterSet
    search_fields = ["code", "name", "address"]
    ordering_fields = ["code", "name", "opened"]

    def get_queryset(self):
        return (Branch.objects.restrict(self.request.user)
                .select_related("region", "city").order_by("code").distinct())


class BranchGroupViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Named branch groups used for targeting, with the codes of their branches."""

    serializer_class = BranchGroupSerializer
    search_fields = ["name"]
    ordering_fields = ["name"]

    def get_queryset(self):
        return BranchGroup.objects.restrict(self.request.user).prefetch_related("branches").order_by("name")
