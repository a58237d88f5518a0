"""The login page: Django's, told how the lockout works (``accounts/lockout.py`` answers a
locked-out sign-in with the same page and the lockout message)."""

from django.conf import settings
from django.contrib.auth.views import LoginView


class PortalLoginView(LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.LOGIN_FAILURE_LIMIT
        context["lockout_minutes"] = settings.LOGIN_LOCKOUT_MINUTES
        return context
