"""One DRF router for /api/v1/: each app registers its viewsets in its api/urls.py
(``register(router)``), so the API has one root and one schema. Integrators sign in with a
token: ``POST /api/v1/auth/token/`` (username, password) returns a new one with its expiry
(``accounts/api/views.py``: also rotate and revoke)."""

from rest_framework.routers import DefaultRouter

from accounts.api.urls import register as register_accounts
from branches.api.urls import register as register_branches
from exports.api.urls import register as register_exports
from promo.api.urls import register as register_promo
from suppliers.api.urls import register as register_suppliers

router = DefaultRouter()
extra_urlpatterns: list = []
for register in (register_accounts, register_branches, register_suppliers, register_promo, register_exports):
    extra_urlpatterns += register(router) or []

api_urlpatterns = extra_urlpatterns + router.urls
