"""API routes of this app, registered on the project router (config/api.py)."""

from branches.api.views import BranchGroupViewSet, BranchViewSet, CityViewSet, RegionViewSet


def register(router) -> list:
    """Register viewsets on ``router``; return extra URL patterns (non-viewset endpoints)."""
    router.register("regions", RegionViewSet, basename="region")
    router.register("cities", CityViewSet, basename="city")
    router.register("branches", BranchViewSet, basename="branch")
    router.register("branch-groups", BranchGroupViewSet, basename="branchgroup")
    return []
