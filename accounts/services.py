"""API tokens: issue, rotate, revoke. The API views and the admin call these; knox keeps the
hash, the expiry (``REST_KNOX["TOKEN_TTL"]``, from ``API_TOKEN_TTL_DAYS``) and the check."""

from __future__ import annotations

from django.db import transaction

from accounts.models import ApiToken


def token_issue(*, user) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the stored record and the token itself, which exists
    nowhere else from then on (only its hash is stored). Earlier tokens keep working until
    they expire or are revoked."""
    return ApiToken.objects.create(user=user)


@transaction.atomic
def token_rotate(*, token: ApiToken) -> tuple[ApiToken, str]:
    """Replace ``token`` with a new one of the same user and a fresh expiry; the old one stops
    working at once."""
    issued = ApiToken.objects.create(user=token.user)
    ApiToken.objects.filter(digest=token.digest).delete()
    return issued


def token_revoke(*, token: ApiToken) -> None:
    """``token`` stops working at once."""
    ApiToken.objects.filter(digest=token.digest).delete()
