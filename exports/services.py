"""Export runs: the one entry point for the nightly task, the command, the page and the API
(:func:`export_run`) and the dry run of a date (:func:`export_preview`). A succeeded run queues
the separate, retryable Set Retail delivery (exports/delivery.py).

A run compares tonight's wanted records with the export ledger (exports/ledger/), writes every
file under a temp name in a hidden staging folder next to ``<root>/<YYYYMMDD>_<NN>/`` (live
records and the deletions the ledger asks for), then, in one database transaction with its
ExportFile rows and the new ledger state, renames them, writes ``manifest.json`` and renames the
staging folder to its final name, last: the run's folder appears complete or not at all
(exports/recovery.py). If anything fails, the staging folder is removed, the ledger is as it was,
and the run is marked failed with the reason, a message worded for each reader
(exports/failures.py: never the exception's text); marketers hear about it through a promo event. A
run whose worker died is queued again or failed by the reaper (:func:`export_runs_recover`, beat)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from config.locks import advisory_xact_lock
from exports import ledger
from exports.failures import failure_of, run_failed
from exports.models import ALL_SYSTEMS, ExportFile, ExportRun, ExportRunPromo, System
from exports.reconciliation import reconciliation_of_plans
from exports.recovery import (
    RunRecovery,
    RunSuperseded,
    run_claim,
    run_heartbeat,
    run_lock_claimed,
    run_publish,
    runs_recover,
    staging_folder,
)
from exports.selection import select
from exports.wording import message, message_text, message_texts, skipped_rows
from exports.writers import FileSink, WriteResult, writers_for
from promo.models import Promo, PromoEvent
from promo.rules import FIRST_PROMO_DAY, LAST_PROMO_DAY, date_in_range
from promo.services.events import event_record
from suppliers.roles import is_marketer

logger = logging.getLogger(__name__)

ERROR_UNKNOWN_SYSTEM = _("Неизвестная система «{value}»: допустимы sap, smarket, setretail или all.")
ERROR_NO_SYSTEM = _("Не выбрана ни одна система.")
ERROR_NOT_ALLOWED = _("Запускать выгрузки могут только маркетологи.")
ERROR_ALREADY_QUEUED = _("Выгрузка {run} за {date} уже в очереди или выполняется: дождитесь её окончания.")
ERROR_NUMBER = _("Не удалось выделить номер выгрузки за {date}.")
MANIFEST = "manifest.json"
EVENT_LIST_LIMIT = 50
_RUN_FOLDER = re.compile(r"^(\d{8})_(\d{2,})$")


def business_date_refusal(day: date) -> dict | None:
    """Why ``day`` cannot be exported (a message), or None: a marketer may ask for the days
    promos may run on (promo/rules.py). A typo such as 0001 or 9999 would otherwise queue a run
    that fails in the worker (the horizon runs past date.max)."""
    if date_in_range(day) is None:
        return None
    return message("date_out_of_range", first=FIRST_PROMO_DAY.isoformat(), last=LAST_PROMO_DAY.isoformat())


def business_date_error(day: date) -> str | None:
    """:func:`business_date_refusal` in the active language (a form's, a request's answer)."""
    refusal = business_date_refusal(day)
    return None if refusal is None else message_text(refusal)


class ExportError(ValueError):
    """Bad input for a run (unknown system...); the message is for the person who asked and
    ``field`` names the input it is about."""

    def __init__(self, message: str, *, field: str = "system"):
        super().__init__(message)
        self.field = field


def parse_systems(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"all"``, ``"sap"``, ``["sap", "setretail"]``... -> systems in the fixed order."""
    if value is None:
        return ALL_SYSTEMS
    items = [value] if isinstance(value, str) else list(value)
    wanted: set[str] = set()
    for item in items:
        for part in str(item).split(","):
            part = part.strip().lower()
            if part == "all":
                wanted.update(ALL_SYSTEMS)
            elif part in ALL_SYSTEMS:
                wanted.add(part)
            elif part:
                raise ExportError(str(ERROR_UNKNOWN_SYSTEM).format(value=part))
    if not wanted:
        raise ExportError(str(ERROR_NO_SYSTEM))
    return tuple(system for system in ALL_SYSTEMS if system in wanted)


def _next_number(business_date: date, root: Path) -> int:
    """Next NN of the date: past runs in the database and folders already on disk both count,
    so a run never writes into an existing folder."""
    used = ExportRun.objects.filter(business_date=business_date).aggregate(top=Max("number"))["top"] or 0
    prefix = f"{business_date:%Y%m%d}"
    if root.is_dir():
        for entry in root.iterdir():
            match = _RUN_FOLDER.match(entry.name)
            if match and match.group(1) == prefix:
                used = max(used, int(match.group(2)))
    return used + 1


def export_runs_recover(*, now=None, restart: bool = True) -> RunRecovery:
    """The reaper (beat, every RECOVERY_INTERVAL_SECONDS): a run whose worker died (its lease
    ran out) is queued again for the worker, or failed with the reason; its staging folder is
    removed (exports/recovery.py)."""
    report = runs_recover(now=now, restart=restart, fail=lambda run, reason: _fail(run, reason=reason))
    from exports.tasks import export_run_task

    for pk in report.restarted:
        transaction.on_commit(lambda pk=pk: export_run_task.delay(pk))
    return report


def export_runs_fail_stale() -> int:
    """Fail the runs left «running» by a worker that died mid-run (killed, machine restarted)
    before a new run is made: the new one supersedes them. Nothing of theirs is visible (their
    staging folders are removed)."""
    return len(export_runs_recover(restart=False).failed)


def export_run_queue(*, business_date: date, systems: Iterable[str] | str = ALL_SYSTEMS, actor=None,
                     out_dir: str | Path | None = None) -> ExportRun:
    """Create the run record (status queued) with its number and folder; :func:`export_run`
    executes it (directly, or in the Celery task the page and the API start)."""
    export_runs_fail_stale()
    systems = parse_systems(systems)
    root = Path(out_dir or settings.EXPORT_ROOT)
    for _attempt in range(5):
        number = _next_number(business_date, root)
        try:
            with transaction.atomic():
                return ExportRun.objects.create(
                    business_date=business_date, number=number, systems=list(systems), started_by=actor,
                    folder=str(root / f"{business_date:%Y%m%d}_{number:02d}"),
                )
        except IntegrityError:
            continue  # another run of the same date took this number a moment ago
    raise ExportError(ERROR_NUMBER.format(date=f"{business_date:%d.%m.%Y}"))


def export_run_request(*, business_date: date, systems: Iterable[str] | str, actor) -> ExportRun:
    """A marketer's «run now» (page or API): queue the run and hand it to the worker once the
    request's transaction commits. Only marketers and administrators may start a run."""
    if not is_marketer(actor):
        raise PermissionDenied(str(ERROR_NOT_ALLOWED))
    error = business_date_error(business_date)
    if error is not None:
        raise ExportError(error, field="date")
    systems = parse_systems(systems)
    with transaction.atomic():
        # A double click (or an integrator's retry) queues one run, not two: the second request
        # waits for the first and is told about its run.
        advisory_xact_lock(f"export-run:{business_date.isoformat()}")
        pending = _pending_run(business_date, systems)
        if pending is not None:
            raise ExportError(str(ERROR_ALREADY_QUEUED).format(run=pending.name, date=f"{business_date:%d.%m.%Y}"),
                              field="date")
        run = export_run_queue(business_date=business_date, systems=systems, actor=actor)
    from exports.tasks import export_run_task

    transaction.on_commit(lambda: export_run_task.delay(run.pk))
    return run


def _pending_run(business_date: date, systems: tuple[str, ...]) -> ExportRun | None:
    """A run of the date for any of ``systems`` that is queued or running and not yet stale
    (a run stuck longer than the timeout does not block a new one)."""
    cutoff = timezone.now() - timedelta(minutes=settings.EXPORT_RUN_TIMEOUT_MINUTES)
    runs = ExportRun.objects.filter(business_date=business_date, created_at__gte=cutoff,
                                    status__in=[ExportRun.Status.QUEUED, ExportRun.Status.RUNNING])
    return next((run for run in runs.order_by("number") if set(run.systems) & set(systems)), None)


def export_run(*, business_date: date | None = None, systems: Iterable[str] | str = ALL_SYSTEMS, actor=None,
               out_dir: str | Path | None = None, run: ExportRun | None = None) -> ExportRun:
    """Export the night ``business_date`` for ``systems`` (or execute the queued ``run``) and
    return the run: succeeded, or failed with ``failure`` set (``error``: its text). Never raises
    for a failed export."""
    if run is None:
        run = export_run_queue(business_date=business_date or timezone.localdate(), systems=systems,
                               actor=actor, out_dir=out_dir)
    # Claim the run: a task delivered twice must not write the same folder twice.
    if not run_claim(run):
        return run

    # Files and manifest are in the portal's language, whoever started the run; the stored
    # messages are data, worded by each reader (exports/wording.py).
    with translation.override(settings.LANGUAGE_CODE):
        return _execute(run)


def _execute(run: ExportRun) -> ExportRun:
    folder = Path(run.folder)
    staging = staging_folder(run)
    sinks: list[FileSink] = []
    published = False
    refusal = business_date_refusal(run.business_date)
    if refusal is not None:  # a run queued for a day no promo runs on (the page and the API refuse it)
        with transaction.atomic():
            try:
                run_lock_claimed(run)
            except RunSuperseded:
                run.refresh_from_db()
                return run
            return _fail(run, reason=refusal)
    try:
        writers = writers_for(run.systems)
        selection = select(business_date=run.business_date)
        plans = [ledger.plan(writer, selection, run.business_date) for writer in writers]
        run_heartbeat(run)
        staging.mkdir(parents=True)
        results: list[WriteResult] = []
        skipped: list[dict] = []
        warnings = list(selection.warnings)
        for writer, kind_plan in zip(writers, plans, strict=True):
            result = writer.result(run.name)
            if writer.skip_empty and kind_plan.empty:
                # Nothing to send (not even a deletion): no file, nothing to upload.
                skipped.append({"system": result.system, "kind": result.kind, "name": result.name,
                                "reason": message("set10_nothing_to_send", system=_system_label(result.system))})
                kind_plan.settle(run_id=run.pk)
                warnings += kind_plan.warnings
                continue
            sink = FileSink(staging, result.name)
            sinks.append(sink)
            writer.write(kind_plan.night(), sink, result)
            sink.close()
            result.size, result.sha256 = sink.size, sink.sha256
            kind_plan.settle(result.refused, run_id=run.pk)
            result.changes = kind_plan.summary()
            results.append(result)
            run_heartbeat(run)
        with transaction.atomic():
            run_lock_claimed(run)
            for kind_plan in plans:
                ledger.save(kind_plan, run)
            ledger.purge_ended(run.business_date)
            _record(run, plans, results, warnings, skipped)
            for sink in sinks:
                sink.commit()
            _write_manifest(run, warnings, results, skipped, folder=staging)
            run_publish(staging, folder)
            published = True
    except RunSuperseded:
        logger.warning("export run %s was taken over by another worker; this one stops", run.name)
        _clean_up(staging, sinks)
        run.refresh_from_db()
        return run
    except Exception as exc:
        logger.exception("export run %s failed", run.name)
        _clean_up(staging, sinks)
        if published:  # the commit failed after the folder appeared: it must not stay
            shutil.rmtree(folder, ignore_errors=True)
        with transaction.atomic():
            try:
                # Only the worker holding the run fails it: one whose lease ran out and whose
                # run went to another worker (found before its next heartbeat) just stops.
                run_lock_claimed(run)
            except RunSuperseded:
                logger.warning("export run %s had been taken over by another worker; its failure is not "
                               "recorded", run.name)
                run.refresh_from_db()
                return run
            # What a reader is told is the failure's message; the exception's own text (an OS
            # message in any language, a database error) is in the log above.
            return _fail(run, reason=failure_of(exc))

    warnings = warnings + [w for r in results for w in r.warnings]
    errors = [e for r in results for e in r.errors]
    if warnings or errors:
        event_record(kind=PromoEvent.Kind.EXPORT_WARNINGS, actor=run.started_by, internal=True, payload={
            "run_id": run.pk, "run": run.name, "date": run.business_date.isoformat(),
            "warnings": warnings[:EVENT_LIST_LIMIT], "errors": errors[:EVENT_LIST_LIMIT],
            "warnings_total": len(warnings), "errors_total": len(errors),
        })
    if settings.SET10_UPLOAD:
        _queue_set10_delivery(run)
    return run


def _system_label(system: str) -> str:
    return str(System(system).label) if system in System.values else system


def _record(run: ExportRun, plans: list[ledger.KindPlan], results: list[WriteResult], warnings: list[dict],
            skipped: list[dict]) -> None:
    ExportFile.objects.bulk_create([
        ExportFile(run=run, system=r.system, kind=r.kind, name=r.name, size=r.size, sha256=r.sha256,
                   promos=r.promos, lines=r.lines, records=r.records, deletions=r.deletions,
                   changes=r.changes, warnings=r.warnings, errors=r.errors)
        for r in results
    ])
    left = set().union(*(r.promo_ids for r in results)) if results else set()
    # Per promo: the revision that left, and whether anything of it is live (else: deletions only).
    rows: dict[int, tuple[int, bool]] = {}
    for kind_plan in plans:
        for part in kind_plan.night().parts:
            pk = part.promo.pk
            if pk not in left:
                continue
            revision, live = rows.get(pk, (part.promo.revision, False))
            if not part.deleted:
                revision, live = part.promo.revision, True
            rows[pk] = (revision, live)
    existing = set(Promo.objects.filter(pk__in=list(rows)).values_list("pk", flat=True)) if rows else set()
    ExportRunPromo.objects.bulk_create([
        ExportRunPromo(run=run, promo_id=pk, revision_number=revision,
                       action=ExportRunPromo.Action.INSERT if live else ExportRunPromo.Action.DELETE)
        for pk, (revision, live) in sorted(rows.items()) if pk in existing
    ], batch_size=1000)
    run.status = ExportRun.Status.SUCCEEDED
    run.warnings = warnings
    run.skipped = skipped
    run.finished_at = timezone.now()
    run.lease_until = None
    run.save(update_fields=["status", "warnings", "skipped", "finished_at", "lease_until", "updated_at"])


def manifest_of(run: ExportRun, selection_warnings: list[dict], results: list[WriteResult],
                skipped: list[dict] | None = None) -> dict:
    """The manifest: run, business date and, per file, system, name, size, sha256, record
    counts (of which deletions), warnings and errors; ``skipped`` lists the files not written
    because there was nothing to send. No wall-clock time, so equal data gives an equal manifest.
    Its messages are texts in the portal's language (``LANGUAGE_CODE``), whoever reads the run:
    the file is for the ERP, and re-runs of the same data stay byte-identical."""
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "run": run.name,
            "business_date": run.business_date.isoformat(),
            "systems": list(run.systems),
            "warnings": message_texts(selection_warnings),
            "files": [
                manifest_entry(system=r.system, name=r.name, size=r.size, sha256=r.sha256,
                               counts={"promos": r.promos, "lines": r.lines, "records": r.records,
                                       "deletions": r.deletions},
                               warnings=r.warnings, errors=r.errors)
                for r in results
            ],
            "skipped": skipped_rows(skipped or []),
        }


def manifest_entry(*, system: str, name: str, size: int, sha256: str, counts: dict, warnings, errors) -> dict:
    """One file of the manifest (call it in the portal's language: :func:`manifest_of`)."""
    return {"system": system, "name": name, "size": size, "sha256": sha256, "records": counts,
            "warnings": message_texts(warnings), "errors": message_texts(errors)}


def run_manifest(run: ExportRun) -> dict | None:
    """The manifest of a succeeded run as written to its folder (rebuilt from the database if
    the file has gone, e.g. cleaned up by the receiving side); None for other runs."""
    if run.status != ExportRun.Status.SUCCEEDED:
        return None
    path = run.manifest_path
    if path is not None and path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "run": run.name,
            "business_date": run.business_date.isoformat(),
            "systems": list(run.systems),
            "warnings": message_texts(run.warnings),
            "files": [
                manifest_entry(system=f.system, name=f.name, size=f.size, sha256=f.sha256,
                               counts={"promos": f.promos, "lines": f.lines, "records": f.records,
                                       "deletions": f.deletions},
                               warnings=f.warnings, errors=f.errors)
                for f in run.files.order_by("pk")
            ],
            "skipped": skipped_rows(run.skipped),
        }


def _write_manifest(run: ExportRun, warnings: list[dict], results: list[WriteResult], skipped: list[dict], *,
                    folder: Path | None = None) -> None:
    folder = Path(folder or run.folder)
    temp = folder / f".{MANIFEST}.part"
    with open(temp, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(manifest_of(run, warnings, results, skipped), fh, ensure_ascii=False, indent=2)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temp, folder / MANIFEST)


def _clean_up(folder: Path, sinks: list[FileSink]) -> None:
    """Remove whatever this run put in its (staging) folder: temp files, renamed files, the
    manifest, and the folder itself."""
    for sink in sinks:
        sink.discard()
        sink.final_path.unlink(missing_ok=True)
    for name in (MANIFEST, f".{MANIFEST}.part"):
        (folder / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty (someone else's files) or never created
        folder.rmdir()


def _fail(run: ExportRun, *, reason: dict) -> ExportRun:
    """Fail ``run`` with ``reason`` (a message, exports/failures.py) and tell the marketers. The
    event keeps it as data (``message``: the mail, ``reason_message``: the activity log), worded
    for each reader; ``reason`` and the event's own reason are the portal's language, for the record."""
    run.status = ExportRun.Status.FAILED
    run.failure = reason
    run.finished_at = timezone.now()
    run.lease_until = None
    run.save(update_fields=["status", "failure", "finished_at", "lease_until", "updated_at"])
    said = run_failed(run, reason)
    with translation.override(settings.LANGUAGE_CODE):
        text, event_reason = message_text(reason), message_text(said)
    event_record(kind=PromoEvent.Kind.EXPORT_FAILED, actor=run.started_by, internal=True,
                 reason=event_reason, payload={
                     "run_id": run.pk, "run": run.name, "date": run.business_date.isoformat(), "reason": text,
                     "message": reason, "reason_message": said,
                 })
    return run


# Set Retail 10 delivery -----------------------------------------------------------------------


def _queue_set10_delivery(run: ExportRun) -> None:
    from exports.tasks import export_set10_deliver

    for export_file in run.files.filter(system="setretail"):
        export_file.delivery_status = ExportFile.Delivery.PENDING
        export_file.delivery_ti = run.name
        export_file.save(update_fields=["delivery_status", "delivery_ti", "updated_at"])
        transaction.on_commit(lambda pk=export_file.pk: export_set10_deliver.delay(pk))


# Preview (dry run) ----------------------------------------------------------------------------


def export_preview(*, business_date: date, systems: Iterable[str] | str = ALL_SYSTEMS, actor=None) -> dict:
    """What a run of ``business_date`` would change at the tills, without running it: no run
    number, no file, no ledger change. The same data as a run's «Что изменится на кассе»
    (records the SAP writer would refuse, e.g. overlapping periods, count as wanted here)."""
    if actor is not None and not is_marketer(actor):
        raise PermissionDenied(str(ERROR_NOT_ALLOWED))
    refusal = business_date_error(business_date)
    if refusal:
        raise ExportError(refusal, field="date")
    writers = writers_for(parse_systems(systems))
    selection = select(business_date=business_date)
    plans = [ledger.plan(writer, selection, business_date) for writer in writers]
    for kind_plan in plans:
        kind_plan.settle()
    return reconciliation_of_plans(business_date, plans, warnings=selection.warnings)
