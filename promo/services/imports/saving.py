"""The save step of a promo sheet import: the validated promos go into the database in ONE
transaction, all or nothing (the upload lifecycle around it: :mod:`.uploads`).

A PostgreSQL advisory lock on the file's sha256 serialises two uploads of the same file (a
double submit) and the duplicate check is repeated under it; one per supplier of the sheet
serialises the save steps of different sheets of the same suppliers (a promo one creates is a
revision for the other); the promos to revise are locked again, in primary-key order. New promos are written in bulk with their lines, history, frozen revision 1 and events
(``config.bulk.bulk_insert``: a fixed number of statements whatever the size); a promo the sheet
corrects becomes its next revision (:func:`_revise`), exactly as the plan
(:mod:`.plan`) says; a plan that removes lines or changes an unnamed promo is saved only once
confirmed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_update_with_history

from config.bulk import BATCH, bulk_insert
from config.locks import advisory_xact_lock, advisory_xact_locks
from promo.models import Promo, PromoEvent, PromoLine, PromoRevision, PromoUpload
from promo.services.events import event_record
from promo.services.imports.leases import lock_claimed
from promo.services.imports.plan import ImportPlan, RevisionPlan, plan_build
from promo.services.imports.problems import problem_record
from promo.services.imports.reasons import corrected_upload_reason
from promo.services.imports.validation import LineCandidate, PromoCandidate, Validation, match_revisions
from promo.services.revisions import revision_record
from promo.services.workflow import back_to_approval, reset_decisions
from promo.snapshots import LINE_TERMS, LineSnapshot

# The change reason of the history rows and revisions an import writes.
REASON_IMPORT = gettext_lazy("Загрузка файла")


class NeedsConfirmation(Exception):
    """The sheet would remove lines or change a promo the uploader did not name: nothing was
    saved, ``plan`` is what would be (its preview waits for a confirmation)."""

    def __init__(self, plan: ImportPlan):
        super().__init__(plan.sha256)
        self.plan = plan


class PlanChanged(NeedsConfirmation):
    """What the sheet would do now is not what was confirmed (a promo changed meanwhile):
    nothing was saved, ``plan`` is the new preview."""


class AlreadyImported(Exception):
    """The same file was imported while this upload was being validated (a double submit):
    nothing was saved."""

    def __init__(self, earlier: PromoUpload):
        super().__init__(earlier.pk)
        self.earlier = earlier


@dataclass
class Saved:
    """What the save step wrote: how many promos the upload touched (created or revised) and the
    diff counts of each revision (``[{promo: code, added, removed, changed}]``)."""

    promos: int
    revisions: list[dict]
    # {promo code: {"revision": the number made, "terms": names of the promo's terms changed}}
    revised: dict = field(default_factory=dict)


def earlier_import(upload: PromoUpload) -> PromoUpload | None:
    """The first upload of the same file for the same supplier that was imported."""
    return (PromoUpload.objects.filter(sha256=upload.sha256, supplier_id=upload.supplier_id,
                                       status=PromoUpload.Status.IMPORTED)
            .exclude(pk=upload.pk).order_by("created_at", "pk").first())


def _advisory_lock(sha256: str) -> None:
    """Serialise imports of the same file: a double submit waits here for the first one and
    then finds it imported."""
    advisory_xact_lock(f"promo-upload:{sha256}")


def _supplier_locks(promos: list[PromoCandidate]) -> None:
    """Serialise the save steps of uploads for the same suppliers: two different sheets of one
    new promo, checked at the same time, both found no such promo; saved one after the other,
    the second matches the first's promo (a revision) instead of creating it twice. Taken after
    the file's lock and before any row lock, by every upload in the same order."""
    advisory_xact_locks(f"promo-upload-supplier:{pk}" for pk in {p.supplier_id for p in promos})


def _line_values(candidate: LineCandidate, promo_id: int) -> dict:
    """A new line's row for ``bulk_insert``."""
    return {
        "promo_id": promo_id, "product_id": candidate.product_id,
        **{name: getattr(candidate, name) for name in LINE_TERMS}, "source_row": candidate.row,
    }


def _create_promos(*, candidates: list[PromoCandidate], upload: PromoUpload, actor, now,
                   advance: Callable[[int], None]) -> list[Promo]:
    """New promos: draft, revision 1, their lines, the frozen revision 1 and a
    ``promo_created`` event each, all in bulk (a fixed number of statements). ``advance`` is
    told half the lines once they are written, the other half with their revisions."""
    if not candidates:
        return []
    reason = str(REASON_IMPORT)
    promos = [
        Promo(name=c.name, supplier_id=c.supplier_id, mechanic=c.mechanic, start=c.start, end=c.end,
              targeting=c.targeting, status=Promo.Status.DRAFT, revision=1, version=1, created_by=actor,
              created_at=now, updated_at=now)
        for c in candidates
    ]
    ids = bulk_insert(Promo, [
        {"name": p.name, "supplier_id": p.supplier_id, "mechanic": p.mechanic, "start": p.start,
         "end": p.end, "targeting": p.targeting, "status": p.status, "revision": 1, "version": 1,
         "created_by_id": actor.pk}
        for p in promos
    ], actor=actor, reason=reason, now=now)
    for promo, pk in zip(promos, ids, strict=True):
        promo.pk = pk
    bulk_insert(PromoLine, [_line_values(line, promo.pk) for promo, c in zip(promos, candidates, strict=True)
                            for line in c.lines.values()], actor=actor, reason=reason, now=now,
                scope=("promo_id", ids))
    lines = sum(len(c.lines) for c in candidates)
    advance(lines // 2)
    # Revision 1 of a new promo has nothing to compare with: it is frozen straight from the
    # candidate lines (revision_record would read every promo back one by one).
    bulk_insert(PromoRevision, [
        {"promo_id": promo.pk, "number": 1, "name": promo.name, "mechanic": promo.mechanic,
         "start": promo.start, "end": promo.end, "targeting": promo.targeting, "diff": {},
         "lines": [LineSnapshot.from_candidate(line).to_json()
                   for line in sorted(c.lines.values(), key=lambda line: line.article)],
         "upload_id": upload.pk, "reason": reason, "created_by_id": actor.pk}
        for promo, c in zip(promos, candidates, strict=True)
    ], actor=actor, reason=reason, now=now)
    advance(lines - lines // 2)
    # The upload's own event announces them (one digest): these are not notified.
    bulk_insert(PromoEvent, [
        {"kind": PromoEvent.Kind.PROMO_CREATED, "promo_id": promo.pk, "upload_id": upload.pk,
         "actor_id": actor.pk, "to_status": promo.status, "payload": {"lines": len(c.lines), "revision": 1}}
        for promo, c in zip(promos, candidates, strict=True)
    ], actor=actor, reason=reason, now=now)
    return promos


def _revise(*, plan: RevisionPlan, upload: PromoUpload, actor, now) -> dict | None:
    """Make the candidate of ``plan`` the next revision of its promo, exactly as planned:
    changed lines updated (their decisions back to pending), removed ones deleted, added ones
    created, unchanged ones keep their decisions. Returns the diff counts, or None when the
    sheet changes nothing."""
    if not plan.changes:
        return None
    promo, candidate = plan.promo, plan.candidate
    by_product = {line.product_id: line for line in plan.current}
    added = [candidate.lines[row["product_id"]] for row in plan.diff["added"]]
    removed = [by_product[row["product_id"]] for row in plan.diff["removed"]]
    changed = []
    for row in plan.diff["changed"]:
        line, new = by_product[row["product_id"]], candidate.lines[row["product_id"]]
        for name in LINE_TERMS:
            setattr(line, name, getattr(new, name))
        line.source_row = new.row
        changed.append(line)
    # New terms need a decision again (the workflow kernel's rule, as for a point correction).
    reset_decisions(changed)

    reason = corrected_upload_reason(upload.pk)
    if changed:
        bulk_update_with_history(
            changed, PromoLine, [*LINE_TERMS, "decision", "decision_reason", "below_floor", "decided_by",
                                 "decided_at", "source_row"],
            batch_size=BATCH, default_user=actor, default_change_reason=reason, default_date=now,
        )
    if removed:
        for line in removed:
            # Who removed it, whatever runs the save (a page, the API, the worker, the command):
            # the history shows the removal inside this revision's entry.
            line._change_reason = reason
            line._history_user = actor
        # simple-history records each deletion from the delete signal (a corrected sheet
        # removes a handful of lines; the lines themselves go in one statement). The collector
        # is given these instances, so the signal sees their reason and user (a queryset's
        # delete would read the lines again, without them).
        collector = Collector(using=PromoLine.objects.db)
        collector.collect(removed)
        collector.delete()
    if added:
        bulk_insert(PromoLine, [_line_values(c, promo.pk) for c in added], actor=actor, reason=reason, now=now)

    from_status = promo.status
    # Back for approval (an approved or a rejected promo); a revision in force stays in force
    # until the new one is decided.
    fields = back_to_approval(promo)
    promo.targeting = candidate.targeting
    promo.revision += 1
    promo.version += 1
    promo._change_reason = reason
    promo.save(update_fields=sorted({*fields, "status", "targeting", "revision", "version", "updated_at"}))
    revision = revision_record(promo=promo, actor=actor, upload=upload, reason=reason)
    # The upload's digest tells the supplier and the marketers; a revision waiting for a
    # decision is news for the category managers, who do not get upload digests.
    event_record(kind=PromoEvent.Kind.REVISION_CREATED, actor=actor, promo=promo, upload=upload,
                 from_status=from_status, to_status=promo.status, reason=reason,
                 payload={"revision": promo.revision, "diff": revision.diff, **revision.diff_counts()},
                 notify=promo.status == Promo.Status.SUBMITTED)
    return plan.counts


def upload_save(*, upload: PromoUpload, actor, validation: Validation, dry_run: bool, sheet_title: str,
                confirmed: str | None = None, force: bool = False,
                progress: Callable[[int], None] | None = None) -> Saved:
    """Save a validated sheet: create its new promos, revise the ones it corrects, mark the
    upload imported and (unless ``dry_run``) record the ``upload_imported`` event, in one
    transaction.

    The plan (:func:`~promo.services.imports.plan.plan_build`) is made under the row locks of
    the promos it revises. A plan that needs a confirmation raises :class:`NeedsConfirmation`
    unless ``force`` (the command's ``--confirm``) or ``confirmed`` is its fingerprint; a plan
    other than the ``confirmed`` one raises :class:`PlanChanged`. Raises
    :class:`AlreadyImported` when the same file was imported meanwhile. Whatever it raises,
    nothing is saved. ``progress(lines)`` is told the lines saved by each step (a new promo's
    lines, a corrected promo's) before the upload row itself is written."""
    advance = progress or (lambda _lines: None)
    now = timezone.now()
    with transaction.atomic():
        lock_claimed(upload)
        _advisory_lock(upload.sha256)
        earlier = earlier_import(upload)
        if earlier is not None:
            raise AlreadyImported(earlier)
        _supplier_locks(validation.promos)
        # Match again under row locks: the promos may have moved since validation.
        matches = match_revisions(validation.promos, lock=True)
        current: dict[int, list[PromoLine]] = {}
        for line in (PromoLine.objects.filter(promo__in=[p.pk for p in matches.values()])
                     .select_related("product")):
            current.setdefault(line.promo_id, []).append(line)
        plan = plan_build(sha256=upload.sha256, promos=validation.promos, matches=matches, current=current)
        if confirmed is not None and plan.fingerprint != confirmed:
            raise PlanChanged(plan)
        if confirmed is None and not force and plan.needs_confirmation:
            raise NeedsConfirmation(plan)

        created = _create_promos(candidates=plan.created, upload=upload, actor=actor, now=now, advance=advance)
        revisions = []
        # What the upload's page says of each promo revised: the revision it made and the
        # promo's terms it changed (the counts above say nothing of a new targeting).
        revised = {}
        touched = list(created)
        for revision in plan.revisions:
            counts = _revise(plan=revision, upload=upload, actor=actor, now=now)
            touched.append(revision.promo)
            if counts is not None:
                revisions.append({"promo": revision.promo.code, **counts})
                revised[revision.promo.code] = {"revision": revision.promo.revision,
                                                "terms": sorted(revision.diff["terms"])}
            advance(len(revision.candidate.lines))
        # The new promos cannot be linked to the upload yet: their links go in with COPY (the
        # m2m ``add`` builds one INSERT of 10,000 rows in Python); the revised ones are added.
        bulk_insert(PromoUpload.promos.through, [{"promoupload_id": upload.pk, "promo_id": promo.pk}
                                                 for promo in created],
                    actor=actor, reason="", now=now, scope=("promoupload_id", [upload.pk]))
        if len(touched) > len(created):
            upload.promos.add(*[promo.pk for promo in touched[len(created):]])
        warnings = [problem_record(problem) for problem in validation.warnings]
        summary = {
            "rows": validation.rows, "lines": validation.lines, "promos": len(touched),
            "created": [promo.code for promo in created], "revisions": revisions, "revised": revised,
            "sheet": sheet_title, "errors": 0, "warnings": len(warnings),
        }
        upload.status = PromoUpload.Status.IMPORTED
        upload.lease_until = None
        upload.errors = []
        upload.warnings = warnings
        upload.summary = summary
        upload.finished_at = timezone.now()
        upload._change_reason = str(REASON_IMPORT)
        upload.save(update_fields=["status", "lease_until", "errors", "warnings", "summary", "finished_at",
                                   "updated_at"])
        if not dry_run:
            event_record(
                kind=PromoEvent.Kind.UPLOAD_IMPORTED, actor=actor, upload=upload,
                payload={
                    "promos": [promo.pk for promo in touched], "rows": validation.rows,
                    "lines": validation.lines, "created": len(created), "revisions": revisions,
                },
                notify=True,
            )
        return Saved(promos=len(touched), revisions=revisions, revised=revised)
