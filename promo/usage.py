"""What promos hold of the reference data, for the rules of the apps below (which never import
promo): a product in a supplier's promos stays with that supplier (suppliers/usage.py). Loaded by
``PromoConfig.ready`` so the rule holds in every process (admin, API, commands, workers), not only
where the admin modules are imported."""

from __future__ import annotations

from django.db import connection

from promo.models import PromoLine, PromoRevision
from promo.models.promo import promo_code
from suppliers.usage import register_product_users


@register_product_users
def promos_holding_product(product_id: int, supplier_id: int) -> list[str]:
    """The codes of ``supplier_id``'s promos with ``product_id`` in a line, or in a frozen
    revision only (a newer revision dropped the line, the approved one in force still sells it)."""
    promo_ids = set(PromoLine.objects.filter(product_id=product_id, promo__supplier_id=supplier_id)
                    .values_list("promo_id", flat=True))
    revisions = PromoRevision.objects.filter(promo__supplier_id=supplier_id).exclude(promo_id__in=promo_ids)
    if connection.features.supports_json_field_contains:
        promo_ids |= set(revisions.filter(lines__contains=[{"product_id": product_id}])
                         .values_list("promo_id", flat=True))
    else:  # SQLite (the embedded default): no JSON containment, read the revisions' lines
        promo_ids |= {promo_id for promo_id, lines in revisions.values_list("promo_id", "lines").iterator()
                      if any(line.get("product_id") == product_id for line in lines or ())}
    return [promo_code(pk) for pk in sorted(promo_ids)]
