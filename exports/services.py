"""Export runs: the one entry point for the nightly task, the command, the page and the API
(:func:`export_run`), the dry run of a date (:func:`export_preview`), and the separate, retryable
Set Retail delivery (:func:`export_file_deliver`, :func:`export_file_resend`).

A run compares tonight's wanted records with the export ledger (exports/ledger.py), writes every
file under a temp name in ``<root>/<YYYYMMDD>_<NN>/`` (live records and the deletions the ledger
asks for), then, in one database transaction with its ExportFile rows and the new ledger state,
renames them and writes ``manifest.json`` last. If anything fails, temp and final files of that
run are removed, no manifest exists, the ledger is as it was, and the run is marked failed with
the reason; marketers hear about it through a promo event."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import time
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from config.locks import advisory_xact_lock
from exports import ledger, set10
from exports.models import ALL_SYSTEMS, ExportFile, ExportRun, ExportRunPromo
from exports.reconciliation import reconciliation_of_plans
from exports.selection import select
from exports.writers import FileSink, WriteResult, writers_for
from promo.models import Promo, PromoEvent
from promo.models.promo import promo_pk_from_code
from promo.services.corrections import FIRST_PROMO_DAY, LAST_PROMO_DAY
from promo.services.events import event_record
from suppliers.roles import is_marketer

logger = logging.getLogger(__name__)

ERROR_UNKNOWN_SYSTEM = _("Неизвестная система «{value}»: допустимы sap, smarket, setretail или all.")
ERROR_NO_SYSTEM = _("Не выбрана ни одна система.")
ERROR_NOT_ALLOWED = _("Запускать выгрузки могут только маркетологи.")
ERROR_DATE_RANGE = _("Дата выгрузки должна быть между {first} и {last}.")
ERROR_ALREADY_QUEUED = _("Выгрузка {run} за {date} уже в очереди или выполняется: дождитесь её окончания.")
ERROR_NUMBER = _("Не удалось выделить номер выгрузки за {date}.")
ERROR_FAILED = _("Выгрузка {run} не удалась: {reason}")
ERROR_STALE = _("Выгрузка прервана: процесс остановился, не закончив работу (дольше {minutes} мин без результата).")
ERROR_SET10_URL = _("Не задан адрес Set Retail 10 (SET10_URL).")
ERROR_SET10_PENDING = _("Set Retail 10 не сообщил результат пакета {ti} после {attempts} запросов статуса.")
ERROR_SET10_REJECTED = _("Set Retail 10 отклонил пакет {ti}: {status}.")
ERROR_SET10_LOST = _("Set Retail 10 не знает пакет {ti} ({status}): файл будет отправлен снова.")
ERROR_SET10_RETRY = _("Set Retail 10 не смог принять пакет {ti} ({status}): повтор позже.")
ERROR_SET10_UNKNOWN = _("Set Retail 10 ответил о пакете {ti} непонятно ({status}): ответ сохранён рядом с файлом.")
ERROR_RESEND_NOT_SET10 = _("Заново отправить можно только файл Set Retail 10.")
ERROR_RESEND_OFF = _("Отправка в Set Retail 10 выключена (SET10_UPLOAD).")
ERROR_RESEND_RUN = _("Файл выгрузки, которая не выполнена, отправить нельзя.")
ERROR_RESEND_IN_FLIGHT = _("Файл уже отправляется в Set Retail 10: дождитесь результата.")
ERROR_RESEND_OLD = _("Заново можно отправить только последний файл Set Retail 10 ({name}): более старый вернул бы "
                     "на кассы устаревшие акции.")
SKIPPED_SET10 = _("Нет ни одной акции для {system}: файл не записан и ничего не отправлено (схема Set Retail 10 "
                  "требует хотя бы одну акцию).")
MANIFEST = "manifest.json"
EVENT_LIST_LIMIT = 50
_RUN_FOLDER = re.compile(r"^(\d{8})_(\d{2,})$")
# Business dates a marketer may ask for: the days promos may run on. A typo such as 0001 or
# 9999 would otherwise queue a run that fails in the worker (the horizon runs past date.max).
FIRST_BUSINESS_DATE, LAST_BUSINESS_DATE = FIRST_PROMO_DAY, LAST_PROMO_DAY


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


def export_runs_fail_stale() -> int:
    """Mark as failed the runs left «running» by a worker that died mid-run (killed, machine
    restarted), so the page never shows them running forever; their folders hold only temp
    files (files are renamed and the manifest written only at the very end)."""
    minutes = settings.EXPORT_RUN_TIMEOUT_MINUTES
    cutoff = timezone.now() - timedelta(minutes=minutes)
    stale = list(ExportRun.objects.filter(status=ExportRun.Status.RUNNING, started_at__lt=cutoff))
    for run in stale:
        folder = Path(run.folder)
        if folder.is_dir():
            for leftover in folder.glob(".*.part"):
                leftover.unlink(missing_ok=True)
        _fail(run, reason=str(ERROR_STALE.format(minutes=minutes)))
    return len(stale)


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
    if not FIRST_BUSINESS_DATE <= business_date <= LAST_BUSINESS_DATE:
        raise ExportError(str(ERROR_DATE_RANGE).format(first=f"{FIRST_BUSINESS_DATE:%d.%m.%Y}",
                                                       last=f"{LAST_BUSINESS_DATE:%d.%m.%Y}"), field="date")
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
    return the run: succeeded, or failed with ``error`` set. Never raises for a failed export."""
    if run is None:
        run = export_run_queue(business_date=business_date or timezone.localdate(), systems=systems,
                               actor=actor, out_dir=out_dir)
    # Claim the run: a task delivered twice must not write the same folder twice.
    claimed = ExportRun.objects.filter(pk=run.pk, status=ExportRun.Status.QUEUED).update(
        status=ExportRun.Status.RUNNING, started_at=timezone.now())
    run.refresh_from_db()
    if not claimed:
        return run

    # Files, manifest and stored messages are in the portal's language, whoever started the run.
    with translation.override(settings.LANGUAGE_CODE):
        return _execute(run)


def _execute(run: ExportRun) -> ExportRun:
    folder = Path(run.folder)
    sinks: list[FileSink] = []
    try:
        writers = writers_for(run.systems)
        selection = select(business_date=run.business_date)
        plans = [ledger.plan(writer, selection, run.business_date) for writer in writers]
        folder.mkdir(parents=True, exist_ok=True)
        results: list[WriteResult] = []
        skipped: list[dict] = []
        warnings = list(selection.warnings)
        for writer, kind_plan in zip(writers, plans, strict=True):
            result = writer.result(run.name)
            if writer.skip_empty and kind_plan.empty:
                # Nothing to send (not even a deletion): no file, nothing to upload.
                skipped.append({"system": result.system, "kind": result.kind, "name": result.name,
                                "reason": str(SKIPPED_SET10).format(system=_system_label(result.system))})
                kind_plan.settle(run_id=run.pk)
                warnings += kind_plan.warnings
                continue
            sink = FileSink(folder, result.name)
            sinks.append(sink)
            writer.write(kind_plan.night(), sink, result)
            sink.close()
            result.size, result.sha256 = sink.size, sink.sha256
            kind_plan.settle(result.refused, run_id=run.pk)
            result.changes = kind_plan.summary()
            results.append(result)
        with transaction.atomic():
            for kind_plan in plans:
                ledger.save(kind_plan, run)
            ledger.purge_ended(run.business_date)
            _record(run, plans, results, warnings, skipped)
            for sink in sinks:
                sink.commit()
            _write_manifest(run, warnings, results, skipped)
    except Exception as exc:
        logger.exception("export run %s failed", run.name)
        _clean_up(folder, sinks)
        return _fail(run, reason=str(exc) or type(exc).__name__)

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
    from exports.models import System

    return str(System(system).label) if system in System.values else system


def _record(run: ExportRun, plans: list[ledger.KindPlan], results: list[WriteResult], warnings: list[str],
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
    run.save(update_fields=["status", "warnings", "skipped", "finished_at", "updated_at"])


def manifest_of(run: ExportRun, selection_warnings: list[str], results: list[WriteResult],
                skipped: list[dict] | None = None) -> dict:
    """The manifest: run, business date and, per file, system, name, size, sha256, record
    counts (of which deletions), warnings and errors; ``skipped`` lists the files not written
    because there was nothing to send. No wall-clock time, so equal data gives an equal manifest."""
    return {
        "run": run.name,
        "business_date": run.business_date.isoformat(),
        "systems": list(run.systems),
        "warnings": selection_warnings,
        "files": [
            {
                "system": r.system,
                "name": r.name,
                "size": r.size,
                "sha256": r.sha256,
                "records": {"promos": r.promos, "lines": r.lines, "records": r.records, "deletions": r.deletions},
                "warnings": r.warnings,
                "errors": r.errors,
            }
            for r in results
        ],
        "skipped": skipped or [],
    }


def run_manifest(run: ExportRun) -> dict | None:
    """The manifest of a succeeded run as written to its folder (rebuilt from the database if
    the file has gone, e.g. cleaned up by the receiving side); None for other runs."""
    if run.status != ExportRun.Status.SUCCEEDED:
        return None
    path = run.manifest_path
    if path is not None and path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    return {
        "run": run.name,
        "business_date": run.business_date.isoformat(),
        "systems": list(run.systems),
        "warnings": run.warnings,
        "files": [export_file.manifest_entry() for export_file in run.files.order_by("pk")],
        "skipped": run.skipped,
    }


def _write_manifest(run: ExportRun, warnings: list[str], results: list[WriteResult], skipped: list[dict]) -> None:
    folder = Path(run.folder)
    temp = folder / f".{MANIFEST}.part"
    with open(temp, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(manifest_of(run, warnings, results, skipped), fh, ensure_ascii=False, indent=2)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temp, folder / MANIFEST)


def _clean_up(folder: Path, sinks: list[FileSink]) -> None:
    """Remove whatever this run put in its folder (temp files, renamed files, the manifest)."""
    for sink in sinks:
        sink.discard()
        sink.final_path.unlink(missing_ok=True)
    for name in (MANIFEST, f".{MANIFEST}.part"):
        (folder / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty (someone else's files) or never created
        folder.rmdir()


def _fail(run: ExportRun, *, reason: str) -> ExportRun:
    run.status = ExportRun.Status.FAILED
    run.error = reason
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at", "updated_at"])
    event_record(kind=PromoEvent.Kind.EXPORT_FAILED, actor=run.started_by, internal=True,
                 reason=ERROR_FAILED.format(run=run.name, reason=reason), payload={
                     "run_id": run.pk, "run": run.name, "date": run.business_date.isoformat(), "reason": reason,
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


def export_file_deliver(*, export_file: ExportFile) -> ExportFile:
    """Send a Set Retail file to Set10 and poll its package status (TI = the run id, or the id of
    a re-send); store the last answer next to the file (``<name>.status.xml``) and act on the
    vendor's status (erp-formats.md §4.1): in process -> poll again; correct -> delivered; invalid
    item / xml error -> rejected (final, every rejected action listed with its promo and
    message); package doesn't exist -> upload again on the next attempt; internal error / unknown
    status -> retried later; anything else -> failed with the raw answer kept. Raises
    :class:`set10.Set10Unavailable` when a retry later may help (the task retries). A file
    already uploaded is only polled again, never sent twice."""
    if export_file.delivery_status == ExportFile.Delivery.SUCCEEDED:
        return export_file
    base_url = settings.SET10_URL
    if not base_url:
        return _delivery_done(export_file, ExportFile.Delivery.FAILED, str(ERROR_SET10_URL))
    run = export_file.run
    ti = export_file.delivery_ti or run.name
    ExportFile.objects.filter(pk=export_file.pk).update(delivery_attempts=F("delivery_attempts") + 1)
    export_file.refresh_from_db(fields=["delivery_attempts"])
    timeout = settings.SET10_TIMEOUT
    try:
        if export_file.uploaded_at is None:
            set10.import_actions(base_url=base_url, data=export_file.path.read_bytes(), ti=ti, timeout=timeout)
            export_file.uploaded_at = timezone.now()
            export_file.save(update_fields=["uploaded_at", "updated_at"])
        status = None
        for attempt in range(max(1, settings.SET10_POLL_ATTEMPTS)):
            if attempt:
                time.sleep(settings.SET10_POLL_INTERVAL)
            status = set10.package_status(base_url=base_url, ti=ti, timeout=timeout)
            _store_answer(export_file, status.answer)
            if status.state != set10.PENDING:
                break
    except set10.Set10Unavailable as exc:
        _delivery_retrying(export_file, str(exc))
        raise
    export_file.rejections = _rejections(status)
    if status.state == set10.DELIVERED:
        return _delivery_done(export_file, ExportFile.Delivery.SUCCEEDED, _status_text(status, ""))
    if status.state == set10.REJECTED:
        return _delivery_done(export_file, ExportFile.Delivery.REJECTED,
                              _status_text(status, ERROR_SET10_REJECTED.format(ti=ti, status=status.label)))
    if status.state == set10.FAILED:
        raw = status.answer[:2000].decode("utf-8", "replace")
        return _delivery_done(export_file, ExportFile.Delivery.FAILED,
                              ERROR_SET10_UNKNOWN.format(ti=ti, status=status.label) + "\n" + raw)
    if status.state == set10.REUPLOAD:
        # The package was lost on Set10's side: the next attempt uploads the file again.
        export_file.uploaded_at = None
        export_file.save(update_fields=["uploaded_at", "rejections", "updated_at"])
        reason = str(ERROR_SET10_LOST.format(ti=ti, status=status.label))
    elif status.state == set10.RETRY:
        reason = str(ERROR_SET10_RETRY.format(ti=ti, status=status.label))
    else:
        reason = str(ERROR_SET10_PENDING.format(ti=ti, attempts=settings.SET10_POLL_ATTEMPTS))
        if status.message:
            reason += f" {status.label}"
    _delivery_retrying(export_file, reason)
    raise set10.Set10Unavailable(reason)


def export_file_delivery_give_up(*, export_file: ExportFile, reason: str) -> ExportFile:
    """The last retry failed too: mark the delivery failed and tell the marketers."""
    return _delivery_done(export_file, ExportFile.Delivery.FAILED, reason)


def export_file_resend(*, export_file: ExportFile, actor) -> ExportFile:
    """«Отправить заново» (a marketer, page or API): upload the Set Retail file again as a new
    package (TI ``<run>-<n>``) and poll its status, e.g. after fixing what Set10 rejected. Only
    the latest Set Retail file may go again (an older one would bring back outdated actions),
    never while its delivery is under way."""
    if not is_marketer(actor):
        raise PermissionDenied(str(ERROR_NOT_ALLOWED))
    if export_file.kind != "setretail":
        raise ExportError(str(ERROR_RESEND_NOT_SET10), field="file")
    if not settings.SET10_UPLOAD:
        raise ExportError(str(ERROR_RESEND_OFF), field="file")
    from exports.tasks import export_set10_deliver

    with transaction.atomic():
        export_file = ExportFile.objects.select_for_update().select_related("run").get(pk=export_file.pk)
        run = export_file.run
        if run.status != ExportRun.Status.SUCCEEDED:
            raise ExportError(str(ERROR_RESEND_RUN), field="file")
        if export_file.in_flight:
            raise ExportError(str(ERROR_RESEND_IN_FLIGHT), field="file")
        latest = latest_set10_file()
        if latest is not None and latest.pk != export_file.pk:
            raise ExportError(str(ERROR_RESEND_OLD).format(name=latest.name), field="file")
        export_file.resends += 1
        export_file.delivery_ti = f"{run.name}-{export_file.resends + 1}"
        export_file.delivery_status = ExportFile.Delivery.PENDING
        export_file.delivery_detail = ""
        export_file.rejections = []
        export_file.uploaded_at = None
        export_file.save(update_fields=["resends", "delivery_ti", "delivery_status", "delivery_detail", "rejections",
                                        "uploaded_at", "updated_at"])
        transaction.on_commit(lambda: export_set10_deliver.delay(export_file.pk))
    return export_file


def latest_set10_file() -> ExportFile | None:
    """The Set Retail file of the newest succeeded run: what Set10 was meant to get last."""
    return (ExportFile.objects.filter(kind="setretail", run__status=ExportRun.Status.SUCCEEDED)
            .order_by("-run__created_at", "-run__pk").first())


def _rejections(status: set10.PackageStatus) -> list[dict]:
    """The rejected objects of an answer, actions with their promo (page, API, mail)."""
    codes = {r.key for r in status.rejections if r.element == "AdvertisingAction"}
    pks = {code: promo_pk_from_code(code) for code in codes}
    names = dict(Promo.objects.filter(pk__in=[pk for pk in pks.values() if pk]).values_list("pk", "name")) \
        if pks else {}
    rows = []
    for rejection in status.rejections:
        pk = pks.get(rejection.key) if rejection.element == "AdvertisingAction" else None
        rows.append({"element": rejection.element, "key": rejection.key, "errortype": rejection.errortype,
                     "errormessage": rejection.errormessage, "promo_id": pk if pk in names else None,
                     "promo_name": names.get(pk, "")})
    return rows


def rejection_text(row: dict) -> str:
    """One rejected object as a line of the mail and the delivery detail."""
    if row.get("element") == "AdvertisingAction":
        what = _("Промо {code}").format(code=row.get("key") or "—")
        if row.get("promo_name"):
            what += f" «{row['promo_name']}»"
    else:
        what = f"{row.get('element')} {row.get('key') or ''}".strip()
    problem = row.get("errormessage") or "—"
    if row.get("errortype"):
        problem += f" ({row['errortype']})"
    return f"{what}: {problem}"


def _status_text(status: set10.PackageStatus, lead: str) -> str:
    lines = [lead or status.label, *(rejection_text(row) for row in _rejections(status))]
    return "\n".join(line for line in lines if line)


def _store_answer(export_file: ExportFile, answer: bytes) -> None:
    path = export_file.path.with_name(export_file.name + ".status.xml")
    temp = path.with_name("." + path.name + ".part")
    temp.write_bytes(answer)
    os.replace(temp, path)


def _delivery_retrying(export_file: ExportFile, reason: str) -> None:
    export_file.delivery_status = ExportFile.Delivery.RETRYING
    export_file.delivery_detail = reason
    export_file.save(update_fields=["delivery_status", "delivery_detail", "updated_at"])


def _delivery_done(export_file: ExportFile, state: str, detail: str) -> ExportFile:
    export_file.delivery_status = state
    export_file.delivery_detail = detail
    export_file.save(update_fields=["delivery_status", "delivery_detail", "rejections", "updated_at"])
    if state in (ExportFile.Delivery.FAILED, ExportFile.Delivery.REJECTED):
        run = export_file.run
        reason = detail.split("\n", 1)[0]
        errors = [rejection_text(row) for row in export_file.rejections]
        event_record(kind=PromoEvent.Kind.EXPORT_FAILED, actor=run.started_by, internal=True,
                     reason=ERROR_FAILED.format(run=run.name, reason=reason), payload={
                         "run_id": run.pk, "run": run.name, "date": run.business_date.isoformat(),
                         "file": export_file.name, "reason": reason, "errors": errors[:EVENT_LIST_LIMIT],
                         "errors_total": len(errors),
                     })
    return export_file


# Preview (dry run) ----------------------------------------------------------------------------


def export_preview(*, business_date: date, systems: Iterable[str] | str = ALL_SYSTEMS, actor=None) -> dict:
    """What a run of ``business_date`` would change at the tills, without running it: no run
    number, no file, no ledger change. The same data as a run's «Что изменится на кассе»
    (records the SAP writer would refuse, e.g. overlapping periods, count as wanted here)."""
    if actor is not None and not is_marketer(actor):
        raise PermissionDenied(str(ERROR_NOT_ALLOWED))
    if not FIRST_BUSINESS_DATE <= business_date <= LAST_BUSINESS_DATE:
        raise ExportError(str(ERROR_DATE_RANGE).format(first=f"{FIRST_BUSINESS_DATE:%d.%m.%Y}",
                                                       last=f"{LAST_BUSINESS_DATE:%d.%m.%Y}"), field="date")
    writers = writers_for(parse_systems(systems))
    selection = select(business_date=business_date)
    plans = [ledger.plan(writer, selection, business_date) for writer in writers]
    for kind_plan in plans:
        kind_plan.settle()
    return reconciliation_of_plans(business_date, plans, warnings=selection.warnings)
