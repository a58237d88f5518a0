"""Who hears about an event (:func:`event_recipients`), in which language, and which of its
promos each person may see.

- promo events: the supplier users of the promo's supplier, the category managers of the
  categories of its lines (not of other categories), the marketers;
- upload events (``upload_imported`` / ``upload_rejected``): the supplier users of the
  upload's supplier (and of the suppliers of the promos it touched) and the marketers;
- export events (``export_failed`` / ``export_warnings``): the marketers;
- never the actor; never a supplier user when ``event.internal`` is set; never someone who
  switched the kind off (:class:`~promo.models.NotificationSettings`), is inactive or has no
  e-mail address.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from guardian.utils import get_user_obj_perms_model

from promo.models import Promo, PromoEvent, PromoLine
from promo.notifications.kinds import EXPORT_KINDS, UPLOAD_KINDS, event_promo_ids
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


def _category_manager_promos(promo_ids) -> dict[int, set[int]]:
    """``{manager user id: {promo ids with a line in one of his categories}}`` in two queries
    (the lines' categories, then the guardian grants on them), whatever the number of promos."""
    promos_by_category: dict[int, set[int]] = defaultdict(set)
    pairs = (PromoLine.objects.filter(promo_id__in=promo_ids)
             .values_list("product__category_id", "promo_id").distinct())
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
    promo_ids = event_promo_ids(event)
    supplier_of = dict(Promo.objects.filter(pk__in=promo_ids).values_list("pk", "supplier_id"))
    promos_of_supplier: dict[int, set[int]] = defaultdict(set)
    for pk, supplier_id in supplier_of.items():
        promos_of_supplier[supplier_id].add(pk)
    visible = _Visibility()

    if kind not in EXPORT_KINDS:
        if not event.internal:
            supplier_ids = set(promos_of_supplier)
            if kind in UPLOAD_KINDS and event.upload_id and event.upload.supplier_id:
                supplier_ids.add(event.upload.supplier_id)
            links = SupplierUser.objects.filter(supplier_id__in=supplier_ids).values_list("user_id", "supplier_id")
            for user_id, supplier_id in links:
                visible.grant(user_id, promos_of_supplier.get(supplier_id, set()))
        if kind not in UPLOAD_KINDS and supplier_of:
            for user_id, ids in _category_manager_promos(supplier_of.keys()).items():
                visible.grant(user_id, ids)
    User = get_user_model()
    for user_id in User.objects.filter(groups__name=Role.MARKETER.value).values_list("pk", flat=True):
        visible.grant(user_id, None)
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
