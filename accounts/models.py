"""The API token as the admin shows it: django-rest-knox's ``AuthToken`` under the portal's name.

Knox stores only a hash of each token (``digest``) and an expiry; the token itself is shown to
its owner once, in the answer of ``POST /api/v1/auth/token/``, and never again (not in admin)."""

from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken


class ApiToken(AuthToken):
    """An integrator's API token: whose it is, when it was issued and until when it works."""

    class Meta:
        proxy = True
        verbose_name = _("API-токен")
        verbose_name_plural = _("API-токены")

    def __str__(self) -> str:
        return f"{self.user} · {self.created:%d.%m.%Y %H:%M}"
