"""What promos hold of the reference data, for the rules of the apps below (which never import
promo): a product in a supplier's promos stays with that supplier (suppliers/usage.py); the
promos at the tills, so an edit of a branch or a group can tell which it moves (branches/usage.py,
branches/admin.py), and the event that records on each promo why its branches changed. Loaded by
``PromoConfig.ready`` so the rule holds in every process (admin, API, commands, workers), not only
where the admin modules are imported."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import translation

from branches.targeting import Targeting
from branches.usage import (
    RunningPromo,
    RunShift,
    register_run_shift_recorder,
    register_running_promos,
    run_shift_reason,
    run_shift_wording,
)
from promo.models import Promo, PromoEvent, PromoLine, PromoRevision
from promo.models.promo import promo_code, promo_pk_from_code
from promo.payload_wording import payload_text, register_payload_wording
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


@register_running_promos
def promos_at_the_tills(today: date) -> list[RunningPromo]:
    """Promos not finished by ``today`` whose approved revision is in force (its rules and dates,
    what the exports send), and promos waiting for a decision (their current rules and dates,
    what the tills get once approved). One query."""
    status = Promo.Status
    rows = (
        Promo.objects.filter(Promo.objects.in_force_condition() | Q(status=status.SUBMITTED))
        .filter(Q(end__gte=today) | Q(approved_revision__end__gte=today))
        .order_by("pk")
        .values_list("pk", "status", "targeting", "start", "end", "approved_revision_id",
                     "approved_revision__targeting", "approved_revision__start", "approved_revision__end")
    )
    promos = []
    for pk, state, rules, start, end, approved_id, approved_rules, approved_start, approved_end in rows:
        code = promo_code(pk)
        if approved_id is not None and state in status.in_force() and approved_end >= today:
            promos.append(RunningPromo(code, Targeting.from_json(approved_rules), approved_start, approved_end))
        if (state == status.SUBMITTED or approved_id is None) and end >= today:
            promos.append(RunningPromo(code, Targeting.from_json(rules), start, end, waiting=True))
    return promos


register_payload_wording(run_shift_wording)


@register_run_shift_recorder
def record_targeting_moved(shifts: list[RunShift], actor, subject: dict) -> None:
    """One «Изменены филиалы» event per promo an edit of a branch or a group moved, in its
    history and the activity log, with the reason kept as data (worded per reader). Written in
    one query; no mail (an edit may move hundreds of promos: the administrator was told, the
    history says why)."""
    events = []
    for shift in shifts:
        reason = run_shift_reason(shift, subject)
        with translation.override(settings.LANGUAGE_CODE):
            text = payload_text(reason)
        events.append(PromoEvent(kind=PromoEvent.Kind.TARGETING_CHANGED, promo_id=promo_pk_from_code(shift.code),
                                 actor=actor, reason=text,
                                 payload={"reason_message": reason, "added": shift.added, "removed": shift.removed}))
    PromoEvent.objects.bulk_create(events)
