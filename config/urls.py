"""URL map: pages per app, the API under /api/v1/, the schema and its docs pages.

Django's own error answers (a URL no route matches, a request too large...) are the portal's
pages, and under /api/ the API's JSON error body (``config/api_exceptions.py``).

Uploaded files (MEDIA_ROOT) have no URL in any settings layer: an original sheet is read only
through the views that check who may see its upload (the upload page, the error workbook)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import PortalLoginView
from config.api import api_urlpatterns
from config.api_docs import redoc_view, schema_view, swagger_view
from promo.views.home import HomeView
from promo.views.notifications import language_switch

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    # Browsers ask for /favicon.ico on pages that name no icon (admin, API docs): the portal's own.
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("promo/", include("promo.urls")),
    path("branches/", include("branches.urls")),
    path("suppliers/", include("suppliers.urls")),
    path("exports/", include("exports.urls")),
    path("login/", PortalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's set_language, and the mail language following it (promo/views/notifications.py).
    path("i18n/setlang/", language_switch, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_urlpatterns, "api"))),
    path("api/schema/", schema_view, name="schema"),
    path("api/docs/", swagger_view, name="api-docs"),
    path("api/redoc/", redoc_view, name="api-redoc"),
]

handler400 = "config.api_exceptions.bad_request"
handler403 = "config.api_exceptions.permission_denied"
handler404 = "config.api_exceptions.page_not_found"
handler500 = "config.api_exceptions.server_error"
