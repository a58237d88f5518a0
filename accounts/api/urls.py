"""API routes of the accounts app, registered on the project router (config/api.py)."""

from django.urls import path

from accounts.api.views import TokenObtainView, TokenRevokeView, TokenRotateView


def register(router) -> list:
    """No viewsets; the token endpoints as extra URL patterns."""
    return [
        path("auth/token/", TokenObtainView.as_view(), name="auth-token"),
        path("auth/token/rotate/", TokenRotateView.as_view(), name="auth-token-rotate"),
        path("auth/token/revoke/", TokenRevokeView.as_view(), name="auth-token-revoke"),
    ]
