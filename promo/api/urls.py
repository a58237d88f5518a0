"""API routes of the promo app, registered on the project router (config/api.py)."""

from promo.api import routes_documents, routes_promos, routes_uploads


def register(router) -> list:
    patterns: list = []
    for module in (routes_uploads, routes_promos, routes_documents):
        patterns += module.register(router) or []
    return patterns
