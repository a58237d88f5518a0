"""API routes of this app, registered on the project router (config/api.py)."""


def register(router) -> list:
    """Register viewsets on ``router``; return extra URL patterns (non-viewset endpoints)."""
    return []
