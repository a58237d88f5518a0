"""The comment thread of a promo. Internal comments are for chain staff only: suppliers
never see them, in pages, the API, history or mail."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from promo.models import Promo, PromoComment, PromoEvent
from promo.services.approval import NOT_VISIBLE, ApprovalError, NotAllowedError
from promo.services.events import event_record
from suppliers.roles import is_staff_role

COMMENT_EMPTY = _("Напишите текст комментария.")
COMMENT_TOO_LONG = _("Комментарий длиннее %(max)s символов.")
INTERNAL_FOR_STAFF = _("Внутренние комментарии могут писать только сотрудники сети.")

COMMENT_MAX_LENGTH = 5000


def comment_add(*, promo: Promo, actor, text: str, internal: bool = False) -> PromoComment:
    """Add a comment to a promo the actor can see; an internal one only by chain staff. One
    ``comment_added`` event (internal if the comment is) tells the others."""
    if not Promo.objects.restrict(actor).filter(pk=promo.pk).exists():
        raise NotAllowedError(NOT_VISIBLE, code="not_found")
    if internal and not is_staff_role(actor):
        raise NotAllowedError(INTERNAL_FOR_STAFF, code="internal_for_staff")
    text = (text or "").strip()
    if not text:
        raise ApprovalError(COMMENT_EMPTY, code="comment_empty")
    if len(text) > COMMENT_MAX_LENGTH:
        raise ApprovalError(COMMENT_TOO_LONG % {"max": COMMENT_MAX_LENGTH}, code="comment_too_long")
    with transaction.atomic():
        comment = PromoComment.objects.create(promo=promo, author=actor, text=text, internal=internal)
        event_record(kind=PromoEvent.Kind.COMMENT_ADDED, actor=actor, promo=promo, from_status=promo.status,
                     to_status=promo.status, reason=text, internal=internal,
                     payload={"comment_id": comment.pk, "text": text})
    return comment
