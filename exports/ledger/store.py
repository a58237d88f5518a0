"""Reading the ledger for a night (:func:`plan`) and storing what a run sent (:func:`save`), in
the transaction that completes the run."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from config.bulk import bulk_insert
from config.locks import advisory_xact_lock
from exports.ledger.compare import KindPlan, PromoPlan
from exports.ledger.state import decode_state, digest_of, encode_state
from exports.models import ExportChange, ExportLedgerEntry, ExportLedgerHead
from exports.records import Part
from exports.selection import Selection
from exports.wording import RunRefused, message
from promo.models import Promo

LOAD_CHUNK = 500
SAVE_BATCH = 500


class LedgerMoved(RunRefused):
    """Another run advanced the same ledger while this one was being written."""


def plan(writer, selection: Selection, business_date: date) -> KindPlan:
    """Compare tonight's wanted records of ``writer``'s file with its ledger (read only)."""
    kind_plan = KindPlan(writer, business_date, keep_from=keep_from(business_date))
    wanted = writer.wanted(selection)
    coded = selection.coded(writer.system, wanted)
    kind_plan.warnings = list(coded.warnings)
    for promo in wanted:
        codes = coded.codes.get(promo.pk, ())
        if not codes:
            if not writer.granular:
                kind_plan.warnings.append(writer.without_shops(promo))
            continue
        if not promo.lines:
            continue
        pairs = sorted((writer.line_key(line), index, line) for index, line in enumerate(promo.lines))
        kind_plan.promos[promo.code] = PromoPlan(code=promo.code, live=Part(
            promo=promo, codes=kind_plan.intern_codes(codes), lines=tuple(line for _k, _i, line in pairs),
            keys=tuple(key for key, _i, _line in pairs), identity=writer.identity(promo)))

    head = ExportLedgerHead.objects.filter(kind=kind_plan.kind).select_related("run").first()
    if head is not None:
        kind_plan.head_run_id = head.run_id
        kind_plan.base_run = {"id": head.run_id, "name": head.run.name,
                              "business_date": head.run.business_date.isoformat()} if head.run is not None else None
    slow: dict[int, str] = {}
    for pk, code, digest, ends in ExportLedgerEntry.objects.filter(kind=kind_plan.kind).values_list(
            "pk", "promo_code", "digest", "ends"):
        promo_plan = kind_plan.promos.get(code)
        if promo_plan is not None:
            promo_plan.row_pk = pk
            promo_plan.live_digest = digest_of([promo_plan.live])
            if digest != promo_plan.live_digest:
                slow[pk] = code
        elif ends is not None and ends >= business_date:
            kind_plan.promos[code] = PromoPlan(code=code, row_pk=pk)
            slow[pk] = code
        elif ends is not None and ends >= kind_plan.keep_from:
            continue  # ended before a future business date, not yet at the tills: held as it is
        else:
            kind_plan.drop.append(pk)
    for promo_plan in kind_plan.promos.values():
        if promo_plan.row_pk is None:
            promo_plan.held = []
    pks = sorted(slow)
    for start in range(0, len(pks), LOAD_CHUNK):
        rows = ExportLedgerEntry.objects.filter(pk__in=pks[start:start + LOAD_CHUNK]).values_list("pk", "state")
        for pk, state in rows:
            kind_plan.promos[slow[pk]].held = decode_state(state, kind_plan.interned)
    # Held promos not wanted tonight: those left out only by the horizon are kept (compare.py).
    gone = [h.part.promo.pk for p in kind_plan.promos.values() if p.live is None for h in p.held or ()
            if not h.part.deleted]
    if gone:
        kind_plan.deferred = selection.beyond_horizon(gone)
    for promo_plan in kind_plan.promos.values():
        if promo_plan.held is not None:
            kind_plan._compare(promo_plan)
    return kind_plan


def save(kind_plan: KindPlan, run) -> None:
    """Store what the run sent (call inside the transaction that completes the run). Raises
    :class:`LedgerMoved` if another run advanced this ledger since :func:`plan` read it."""
    kind = kind_plan.kind
    advisory_xact_lock(f"export-ledger:{kind}")
    head, _created = ExportLedgerHead.objects.get_or_create(kind=kind, defaults={"system": kind_plan.system})
    if head.run_id != kind_plan.head_run_id:
        raise LedgerMoved(message("ledger_moved", kind=kind, run=head.run.name if head.run else "—"))

    stale = list(kind_plan.drop)
    fresh = []
    for promo_plan in kind_plan.promos.values():
        if promo_plan.new_state is None:
            continue
        if promo_plan.row_pk is not None:
            stale.append(promo_plan.row_pk)
        if promo_plan.new_state:
            fresh.append(promo_plan)
    changed = kind_plan.changed_promos()
    # A promo row may have gone from the database since it was sent: keep the code, drop the link.
    wanted_pks = {plan.promo.pk for plan in [*fresh, *changed]} - {None}
    existing: set[int] = set()
    ordered = sorted(wanted_pks)
    for start in range(0, len(ordered), LOAD_CHUNK * 4):
        existing.update(Promo.objects.filter(pk__in=ordered[start:start + LOAD_CHUNK * 4]).values_list("pk", flat=True))

    def link(promo_plan: PromoPlan) -> int | None:
        return promo_plan.promo.pk if promo_plan.promo.pk in existing else None

    for start in range(0, len(stale), SAVE_BATCH):
        ExportLedgerEntry.objects.filter(pk__in=stale[start:start + SAVE_BATCH]).delete()
    # In batches (memory stays flat), through the one bulk COPY helper (config/bulk.py).
    now = timezone.now()
    for start in range(0, len(fresh), SAVE_BATCH):
        bulk_insert(ExportLedgerEntry, [_entry(kind_plan, promo_plan, run, link(promo_plan))
                                        for promo_plan in fresh[start:start + SAVE_BATCH]],
                    actor=None, reason="", now=now)
    for start in range(0, len(changed), SAVE_BATCH):
        bulk_insert(ExportChange, [
            {"run_id": run.pk, "system": kind_plan.system, "kind": kind_plan.writer.kind,
             "promo_id": link(promo_plan), "promo_code": promo_plan.code, "promo_name": promo_plan.promo.name[:200],
             **promo_plan.counts.as_dict(), "detail": promo_plan.detail}
            for promo_plan in changed[start:start + SAVE_BATCH]
        ], actor=None, reason="", now=now)
    head.run = run
    head.business_date = kind_plan.business_date
    head.save(update_fields=["run", "business_date", "updated_at"])


def _entry(kind_plan: KindPlan, promo_plan: PromoPlan, run, promo_id: int | None) -> dict:
    """One ledger row (field attname -> value)."""
    state = promo_plan.new_state
    encoded, digest = encode_state(state)
    return {
        "kind": kind_plan.kind, "system": kind_plan.system, "promo_code": promo_plan.code, "promo_id": promo_id,
        "state": encoded, "digest": digest, "ends": max(held.part.promo.end for held in state),
        "records": sum(kind_plan.records_of(held.part) for held in state if not held.part.deleted),
        "deleting": sum(kind_plan.records_of(held.part) for held in state if held.part.deleted),
        "run_id": run.pk,
    }


def keep_from(business_date: date) -> date:
    """The day from which the ledger keeps what it holds: the business date, but never later than
    today. A run for a future date must not forget what the tills still hold today (a promo
    running now and ending before that date): tonight's run may still have to delete it, e.g.
    once it is cancelled. Only what the ledger keeps depends on it, never a file's bytes."""
    return min(business_date, timezone.localdate())


def purge_ended(business_date: date) -> int:
    """Drop the entries whose every period ended before ``business_date`` (and before today: see
    :func:`keep_from`), of any file, also of a format no longer written."""
    deleted, _by_model = ExportLedgerEntry.objects.filter(ends__lt=keep_from(business_date)).delete()
    return deleted
