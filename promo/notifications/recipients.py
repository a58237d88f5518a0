"""Who hears about an event (:func:`event_recipients`), in which language, and which of its
promos each person may see. Which roles hear about which kind is the routing table of
:mod:`.routing`; this module finds the people of each role:

- ``supplier``: the supplier users of the promos' suppliers (for an upload event, also of the
  upload's supplier), never when ``event.internal`` is set;
- ``category_manager``: the managers of the categories of the promos' lines (not of other
  categories), each seeing the promos with a line of his;
- ``deciding_manager``: the same for the lines still waiting for a decision;
- ``marketer`` and ``head_of_category``: every member of the group, seeing every promo;
- never the actor, but for the outcome of work he started in the background
  (``routing.STARTER_HEARS``: an export run's failure or warnings, a Set Retail rejection);
  never someone who switched the kind off
  (:class:`~promo.models.NotificationSettings`), is inactive or has no e-mail address.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from guardian.utils import get_user_obj_perms_model

from promo.models import Promo, PromoEvent, PromoLine
from promo.notifications import routing
from promo.notifications.kinds import UPLOAD_KINDS, event_promo_ids
from suppliers.models import Category, SupplierUser
from suppliers.roles import CATEGORY_DECIDE_PERM, Role

DEFAULT_LANGUAGE = "ru"


@dataclass(frozen=True)
class Recipient:
    """A person to mail about an event. ``promo_ids`` limits a digest to the promos this
    person may see; ``None`` means every promo of the event."""

    user: object
    language: str
    promo_ids: frozenset[int] | None = None


def _category_manager_promos(promo_ids, *, pending_only: bool = False) -> dict[int, set[int]]:
    """``{manager user id: {promo ids with a line (``pending_only``: a line waiting for a
    decision) in one of his categories}}`` in two queries (the lines' categories, then the
    guardian grants on them), whatever the number of promos."""
    promos_by_category: dict[int, set[int]] = defaultdict(set)
    lines = PromoLine.objects.filter(promo_id__in=promo_ids)
    if pending_only:
        lines = lines.filter(decision=PromoLine.Decision.PENDING)
    pairs = lines.values_list("product__category_id", "promo_id").distinct()
    for category_id, promo_id in pairs:
        promos_by_category[category_id].add(promo_id)
    if not promos_by_category:
        return {}
    grants = get_user_obj_perms_model(Category).objects.filter(
        content_type=ContentType.objects.get_for_model(Category),
        permission__codename=CATEGORY_DECIDE_PERM.split(".", 1)[1],
        object_pk__in=[str(pk) for pk in promos_by_category],
    ).values_list("user_id", "object_pk")
    managers: dict[int, set[int]] = defaultdict(set)
    for user_id, object_pk in grants:
        managers[user_id] |= promos_by_category[int(object_pk)]
    return managers


class _Visibility:
    """Which promos of the event each person may see; ``None`` is all of them."""

    def __init__(self):
        self.by_user: dict[int, set[int] | None] = {}

    def grant(self, user_id: int, ids: set[int] | None) -> None:
        if ids is None or self.by_user.get(user_id, set()) is None:
            self.by_user[user_id] = None
        else:
            self.by_user.setdefault(user_id, set()).update(ids)


def event_recipients(event: PromoEvent) -> list[Recipient]:
    """Everyone who should get a message about ``event`` (see the module docstring), in a
    fixed number of queries and one pass over the event's promos."""
    kind = event.kind
    roles = routing.roles_for(kind)
    if not roles:
        return []
    promo_ids = event_promo_ids(event)
    supplier_of = dict(Promo.objects.filter(pk__in=promo_ids).values_list("pk", "supplier_id"))
    promos_of_supplier: dict[int, set[int]] = defaultdict(set)
    for pk, supplier_id in supplier_of.items():
        promos_of_supplier[supplier_id].add(pk)
    visible = _Visibility()

    if routing.SUPPLIER in roles and not event.internal:
        supplier_ids = set(promos_of_supplier)
        if kind in UPLOAD_KINDS and event.upload_id and event.upload.supplier_id:
            supplier_ids.add(event.upload.supplier_id)
        links = SupplierUser.objects.filter(supplier_id__in=supplier_ids).values_list("user_id", "supplier_id")
        for user_id, supplier_id in links:
            visible.grant(user_id, promos_of_supplier.get(supplier_id, set()))
    for role, pending_only in ((routing.CATEGORY_MANAGER, False), (routing.DECIDING_MANAGER, True)):
        if role in roles and supplier_of:
            for user_id, ids in _category_manager_promos(supplier_of.keys(), pending_only=pending_only).items():
                visible.grant(user_id, ids)
    User = get_user_model()
    groups = [Role.MARKETER.value] if routing.MARKETER in roles else []
    if routing.HEAD_OF_CATEGORY in roles and settings.PROMO_HEAD_OF_CATEGORY_GROUP:
        groups.append(settings.PROMO_HEAD_OF_CATEGORY_GROUP)
    if groups:
        for user_id in User.objects.filter(groups__name__in=groups).values_list("pk", flat=True):
            visible.grant(user_id, None)
    if kind in routing.STARTER_HEARS:
        # The outcome of work in the background is news to whoever started it.
        if event.actor_id is not None:
            visible.grant(event.actor_id, None)
    else:
        # Whoever made the change knows about it already.
        visible.by_user.pop(event.actor_id, None)

    users = (User.objects.filter(pk__in=visible.by_user.keys(), is_active=True).exclude(email="")
             .select_related("notification_settings").order_by("pk"))
    everything = len(supplier_of)
    recipients = []
    for user in users:
        prefs = getattr(user, "notification_settings", None)
        if prefs is not None and not prefs.wants(kind):
            continue
        ids = visible.by_user[user.pk]
        recipients.append(Recipient(
            user=user,
            language=prefs.language if prefs is not None else DEFAULT_LANGUAGE,
            # Every granted id is one of the event's promos, so a full count means all of them.
            promo_ids=None if ids is None or len(ids) >= everything else frozenset(ids),
        ))
    return recipients
