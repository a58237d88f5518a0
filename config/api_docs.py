"""The API's OpenAPI schema (/api/schema/) and its two docs pages (/api/docs/ Swagger UI,
/api/redoc/ ReDoc): for signed-in users (session or token) unless ``API_DOCS_PUBLIC`` opens them.
An anonymous visitor of a docs page is sent to the login page; the schema answers 401.

Both pages run under the portal's Content-Security-Policy: Swagger UI is drf-spectacular's
"split" view (its start-up script is a separate request, not an inline <script>), and the page
templates (``templates/api/``) take their styles from static files. ReDoc injects its styles at
run time and starts a web worker from a blob, so its page alone allows inline styles and blob
workers (never inline scripts)."""

from functools import wraps

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission


def docs_open_to(user) -> bool:
    return settings.API_DOCS_PUBLIC or bool(user and user.is_authenticated)


class DocsPermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        return docs_open_to(request.user)


def login_unless_public(view):
    """A docs page: an anonymous visitor goes to the login page and comes back after it."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not docs_open_to(request.user):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


class SchemaView(SpectacularAPIView):
    permission_classes = [DocsPermission]


class SwaggerView(SpectacularSwaggerSplitView):
    permission_classes = [DocsPermission]
    template_name = "api/swagger_ui.html"


class RedocView(SpectacularRedocView):
    permission_classes = [DocsPermission]
    template_name = "api/redoc.html"


schema_view = SchemaView.as_view()
swagger_view = login_unless_public(SwaggerView.as_view(url_name="schema"))
redoc_view = login_unless_public(
    csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(RedocView.as_view(url_name="schema"))
)
