"""The bulk bar of a list (the promo list, the approval queue, an upload's promos): which
actions each row allows the user and which buttons the bar shows, asked of the services'
predicates for the whole page at once (:func:`promo.services.actions.bulk_offers`, a fixed
number of queries). The bar posts to promo/views/bulk.py."""

from __future__ import annotations

from django.utils import timezone

from promo.services.actions import BULK_ACTIONS, bulk_offers
from promo.services.bulk import ACTION_LABELS


def list_offers(user, promos) -> tuple[dict[int, set[str]], list[tuple[str, object]]]:
    """What each row allows (promo id -> bulk actions) and the bar's buttons: the actions some
    row allows, in the order of :data:`BULK_ACTIONS`, with their labels."""
    offers = bulk_offers(user, promos, timezone.localdate())
    offered = set().union(*offers.values()) if offers else set()
    return offers, [(name, ACTION_LABELS[name]) for name in BULK_ACTIONS if name in offered]


def bulk_context(request, promos, *, source: str) -> dict:
    """The context of a list's bulk bar; each promo gets ``bulk_actions`` (what its row allows)."""
    offers, buttons = list_offers(request.user, promos)
    for promo in promos:
        promo.bulk_actions = offers.get(promo.pk, set())
    return {"bulk_buttons": buttons, "bulk_source": source, "bulk_query": request.GET.urlencode()}
