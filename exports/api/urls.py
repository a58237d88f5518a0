"""API routes of this app, registered on the project router (config/api.py)."""

from exports.api.views import ExportRunViewSet


def register(router) -> list:
    """Register viewsets on ``router``; return extra URL patterns (non-viewset endpoints)."""
    router.register("exports", ExportRunViewSet, basename="exportrun")
    return []
