"""The first authentication backend: django-axes' lockout check.

Axes refuses to run without the request (it counts by the client's address). Every sign-in
from outside passes one (the login page, Django admin, the API token endpoint); a call without
one comes from inside (a shell, a management command, a test), where there is no client to lock
out, so it goes on to the password check unchanged."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
