"""API routes: promos (registered by promo/api/urls.py)."""

from promo.api.promos import PromoViewSet


def register(router) -> list:
    router.register("promos", PromoViewSet, basename="promo")
    return []
