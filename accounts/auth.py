"""API authentication by token: ``Authorization: Token <token>``, as before, now with tokens
that are stored hashed and expire (django-rest-knox). The schema names the scheme ``tokenAuth``
as it did with DRF's tokens, so generated clients keep their configuration."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication


class PortalTokenAuthentication(TokenAuthentication):
    """Knox's token check (expired tokens are deleted and refused with 401)."""


class PortalTokenScheme(OpenApiAuthenticationExtension):
    target_class = PortalTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
