"""API routes of this app, registered on the project router (config/api.py)."""

from suppliers.api.views import CategoryViewSet, ProductViewSet, SupplierViewSet


def register(router) -> list:
    """Register viewsets on ``router``; return extra URL patterns (non-viewset endpoints)."""
    router.register("suppliers", SupplierViewSet, basename="supplier")
    router.register("categories", CategoryViewSet, basename="category")
    router.register("products", ProductViewSet, basename="product")
    return []
