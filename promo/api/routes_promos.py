"""API routes: promos (registered by promo/api/urls.py)."""


def register(router) -> list:
    return []
