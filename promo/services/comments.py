"""The comment thread of a promo. Internal comments are for chain staff only: suppliers
never see them, in pages, the API, history or mail."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.locks import advisory_xact_lock
from promo.models import Promo, PromoComment, PromoEvent
from promo.services.actions import require_role
from promo.services.errors import InvalidError, NotAllowedError
from promo.services.events import event_record
from promo.services.workflow import REPEAT_WINDOW
from suppliers.roles import is_staff_role

COMMENT_EMPTY = _("Напишите текст комментария.")
COMMENT_TOO_LONG = _("Комментарий длиннее %(max)s символов.")
INTERNAL_FOR_STAFF = _("Внутренние комментарии могут писать только сотрудники сети.")

COMMENT_MAX_LENGTH = 5000


def comment_add(*, promo: Promo, actor, text: str, internal: bool = False) -> PromoComment:
    """Add a comment to a promo the actor can see; an internal one only by chain staff. One
    ``comment_added`` event (internal if the comment is) tells the others. The same comment
    posted again at once (a double click, a client's retry) returns the first one."""
    require_role("comment", promo=promo, actor=actor)
    if internal and not is_staff_role(actor):
        raise NotAllowedError(INTERNAL_FOR_STAFF, code="internal_for_staff")
    text = (text or "").strip()
    if not text:
        raise InvalidError(COMMENT_EMPTY, code="comment_empty")
    if len(text) > COMMENT_MAX_LENGTH:
        raise InvalidError(COMMENT_TOO_LONG % {"max": COMMENT_MAX_LENGTH}, code="comment_too_long")
    with transaction.atomic():
        advisory_xact_lock(f"promo-comment:{promo.pk}:{actor.pk}")
        repeated = PromoComment.objects.filter(
            promo=promo, author=actor, text=text, internal=internal,
            created_at__gte=timezone.now() - REPEAT_WINDOW).order_by("-created_at").first()
        if repeated is not None:
            return repeated
        comment = PromoComment.objects.create(promo=promo, author=actor, text=text, internal=internal)
        event_record(kind=PromoEvent.Kind.COMMENT_ADDED, actor=actor, promo=promo, from_status=promo.status,
                     to_status=promo.status, reason=text, internal=internal,
                     payload={"comment_id": comment.pk, "text": text})
    return comment
