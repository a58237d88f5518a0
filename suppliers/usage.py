"""Who uses a product in promos, and the rule that follows: a product in promos of its supplier
stays with that supplier. A promo's lines (and its frozen revisions) point at the product, and its
history, the exports and the reconciliation read the supplier through the product: moving the
product to another supplier would rewrite whose promos those were, without a word.

The app above that stores promos (promo) registers a lookup here (promo/usage.py, loaded by its
AppConfig), as it does for branch rules (branches/usage.py): a lower app never imports promo
(ARCHITECTURE.md, tests/test_architecture.py). ``Product.clean`` asks :func:`supplier_change_error`,
so the admin form, and any writer that validates the model, refuses the move with the same words."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext

from config.hooks import Hooks

# A lookup takes a product id and a supplier id and returns the codes («P000123») of that
# supplier's promos with the product in a line or in one of their revisions, in code order.
ProductLookup = Callable[[int, int], list[str]]
_LOOKUPS: Hooks = Hooks()
register_product_users = _LOOKUPS.register

# How many promo codes the refusal names before «и ещё N».
CODES_SHOWN = 5


def product_users(product_id: int, supplier_id: int) -> list[str]:
    """The codes of ``supplier_id``'s promos that hold ``product_id``, whatever their status."""
    return sorted({code for lookup in _LOOKUPS for code in lookup(product_id, supplier_id)})


def supplier_change_error(*, product_id: int | None, old_supplier_id: int | None,
                          new_supplier_id: int | None, old_supplier_name: str = "") -> str | None:
    """Why the product may not move from ``old_supplier_id`` to ``new_supplier_id`` (a text for
    the administrator), or None when it may: a new product, the same supplier, or a product in
    none of the old supplier's promos."""
    if product_id is None or old_supplier_id is None or old_supplier_id == new_supplier_id:
        return None
    codes = product_users(product_id, old_supplier_id)
    if not codes:
        return None
    named = ", ".join(codes[:CODES_SHOWN])
    if len(codes) > CODES_SHOWN:
        named = gettext("%(codes)s и ещё %(more)s") % {"codes": named, "more": len(codes) - CODES_SHOWN}
    return gettext(
        "Товар нельзя перевести к другому поставщику: он есть в промо поставщика %(supplier)s "
        "(промо: %(count)s — %(codes)s). История этих промо, выгрузки и сверка читают поставщика "
        "товара, поэтому товар остаётся у прежнего поставщика."
    ) % {"supplier": old_supplier_name, "count": len(codes), "codes": named}
