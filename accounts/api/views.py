"""The API's token endpoints, under /api/v1/auth/ (``accounts/api/urls.py``):

- ``POST auth/token/`` (username, password; form or JSON) -> ``{"token", "expiry"}``: a new
  token each call; the path and the ``token`` field are what integrators used before;
- ``POST auth/token/rotate/`` (with ``Authorization: Token …``) -> a new token, the one sent
  stops working;
- ``POST auth/token/revoke/`` (with the token) -> 204, the token stops working.

A wrong password is a 400 as before (``code: "wrong_credentials"``); too many of them lock the username (or the address) like
the login page does, answered with 429 ``locked_out``; the endpoint is also throttled per
address (``API_THROTTLE_RATES["token"]``)."""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import PortalTokenAuthentication
from accounts.lockout import LockedOut
from accounts.services import token_issue, token_revoke, token_rotate
from config.api_exceptions import ApiError
from config.api_fields import StrictBodySerializer, StrictCharField, no_body
from config.api_schema import error_response
from config.filters import StrictQueryMixin
from config.throttling import TokenThrottle

WRONG_CREDENTIALS = _("Неверное имя пользователя или пароль.")


class CredentialsSerializer(StrictBodySerializer):
    username = StrictCharField(write_only=True)
    password = StrictCharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`. Shown only in this "
                                            "answer: the portal keeps a hash of it.")
    expiry = serializers.DateTimeField(help_text="When the token stops working (API_TOKEN_TTL_DAYS after "
                                                 "it was issued).")


def token_answer(token, key: str) -> Response:
    return Response(TokenSerializer({"token": key, "expiry": token.expiry}).data)


class TokenObtainView(StrictQueryMixin, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(
        operation_id="auth_token_create", tags=["auth"], auth=[], request=CredentialsSerializer,
        responses={200: TokenSerializer,
                   400: error_response("A wrong username or password (`wrong_credentials`), or a missing "
                                       "field (`invalid`)."),
                   429: error_response("Too many failed sign-ins (`locked_out`) or calls (`throttled`); "
                                       "see Retry-After.")},
        summary="Get an API token",
    )
    def post(self, request):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request=request, **serializer.validated_data)
        if user is None:
            # django-axes flags the request when this failure (or an earlier series) locked it out.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut()
            raise ApiError(WRONG_CREDENTIALS, code="wrong_credentials")
        token, key = token_issue(user=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return token_answer(token, key)


class TokenRotateView(StrictQueryMixin, APIView):
    authentication_classes = [PortalTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_token_rotate", tags=["auth"], request=None,
                   responses=TokenSerializer,
                   summary="Replace the token sent with a new one")
    def post(self, request):
        no_body(request)
        token, key = token_rotate(token=request.auth)
        return token_answer(token, key)


class TokenRevokeView(StrictQueryMixin, APIView):
    authentication_classes = [PortalTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_token_revoke", tags=["auth"], request=None,
                   responses={204: None},
                   summary="Revoke the token sent")
    def post(self, request):
        no_body(request)
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)

