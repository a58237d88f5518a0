"""API routes: uploads (registered by promo/api/urls.py)."""

from promo.api.uploads import UploadViewSet


def register(router) -> list:
    router.register("uploads", UploadViewSet, basename="upload")
    return []
