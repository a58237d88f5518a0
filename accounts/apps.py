from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Signing in: the login page's lockout (django-axes), API tokens (django-rest-knox)."""

    name = "accounts"
    verbose_name = _("Вход и API-токены")

    def ready(self):
        from accounts import auth  # noqa: F401  (registers the token scheme of the API schema)
