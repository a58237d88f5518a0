"""The promo sheet import: ONE service behind the upload page, the API, the command and the
Celery task (STYLE.md §6). This module is the upload's lifecycle; the save step is
:mod:`promo.services.imports.saving`.

- :func:`upload_create` stores the file (sha256, size, who, for which supplier);
- :func:`upload_process` reads, validates and saves it, all or nothing;
- :func:`upload_submit` does both, or queues a large file for the worker (:func:`upload_fail`
  marks a crash; :func:`upload_result` and :func:`upload_error_workbook` give the outcome).
  Confirming or cancelling a preview is :mod:`.confirmation`, the crash recovery
  :mod:`.recovery`.

Processing runs in two phases. Reading and validating (the slow part) runs outside any
transaction and writes the progress (rows done of total) in its own autocommitted updates, so
another request sees the bar move. Saving then runs in ONE transaction
(:func:`~promo.services.imports.saving.upload_save`) and reports the lines written on a
connection of its own (:mod:`.progress`), so the bar goes on moving. Any error saves nothing:
the upload is marked rejected with its errors, in a transaction of its own. A sheet that would
remove lines or change a promo the uploader did not name saves nothing either: the upload waits
for a confirmation with its preview (``awaiting_confirmation``).

A process takes the upload (:func:`upload_claim`: queued -> processing, ``attempt`` + 1) and
renews its lease (``lease_until``) with every chunk of rows; every write it makes afterwards is
conditioned on its attempt, so a process the reaper gave up on (its lease ran out and the
upload went to another worker) writes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from promo.models import PromoEvent, PromoUpload
from promo.services.events import event_record
from promo.services.imports import headers as h
from promo.services.imports.error_workbook import build_error_workbook
from promo.services.imports.leases import Progress, UploadSuperseded, lock_claimed, upload_claim
from promo.services.imports.package import estimate_rows
from promo.services.imports.plan import ImportPlan
from promo.services.imports.problems import (
    FileProblem,
    Problem,
    problem_from_record,
    problem_record,
    stored_problems,
)
from promo.services.imports.progress import SaveProgress
from promo.services.imports.reader import SheetReader
from promo.services.imports.saving import (
    AlreadyImported,
    NeedsConfirmation,
    PlanChanged,
    earlier_import,
    upload_save,
)
from promo.services.imports.validation import SheetValidator, Validation
from suppliers.models import Supplier
from suppliers.roles import is_marketer, is_supplier_user

logger = logging.getLogger(__name__)



class UploadRefused(Exception):
    """The upload cannot even be stored (not allowed, too big, supplier not accessible). The
    message is for the user; ``problem`` is set when it is an import problem code."""

    def __init__(self, message: str, problem: Problem | None = None):
        super().__init__(message)
        self.message = message
        self.problem = problem


@dataclass
class ImportResult:
    """The outcome of one upload, as every edge (page, API, command) reports it."""

    ok: bool
    upload_id: int | None
    rows: int = 0
    lines: int = 0
    promos: int = 0
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    # [{promo: code, added, removed, changed}]; while awaiting a confirmation each also has
    # promo_id, name, version, revision, named, reasons and the whole ``diff``.
    revisions: list[dict] = field(default_factory=list)
    duplicate_of: int | None = None
    sheet: str = ""  # the sheet that was read ("" when the file could not be read)
    status: str = ""  # the upload's: imported, rejected, awaiting_confirmation, failed
    needs_confirmation: bool = False
    created: list[dict] = field(default_factory=list)  # on a preview: the promos it would create
    expires_at: datetime | None = None  # on a preview: confirm before this
    stale: bool = False  # a confirmation came too late: the promos changed, this is the new preview
    revised: dict = field(default_factory=dict)  # a save's ``Saved.revised`` (for pages; not in the JSON)

    def as_json(self) -> dict:
        data = {
            "ok": self.ok,
            "upload_id": self.upload_id,
            "rows": self.rows,
            "lines": self.lines,
            "promos": self.promos,
            "errors": self.errors,
            "warnings": self.warnings,
            "revisions": self.revisions,
            "sheet": self.sheet,
            "status": self.status,
            "needs_confirmation": self.needs_confirmation,
        }
        if self.needs_confirmation:
            data["created"] = self.created
            data["expires_at"] = self.expires_at.isoformat() if self.expires_at else None
        return data


# --- storing -----------------------------------------------------------------------------------


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload_allowed(user) -> bool:
    """Supplier users and marketers (administrators included) upload promo sheets."""
    return is_supplier_user(user) or is_marketer(user)


def _upload_supplier(*, actor, supplier: Supplier | None) -> Supplier | None:
    """A supplier user's upload is always its own supplier's; a marketer may name one or none
    (a bulk file with a «Поставщик» column). Nobody else uploads promo sheets."""
    if is_marketer(actor):
        return supplier
    if is_supplier_user(actor):
        own = Supplier.objects.restrict(actor, "change")
        if supplier is not None:
            if not own.filter(pk=supplier.pk).exists():
                raise UploadRefused(_("Загружать акции можно только от имени своего поставщика."))
            return supplier
        found = list(own[:2])
        if len(found) != 1:
            raise UploadRefused(_("Ваша учётная запись не привязана к поставщику: обратитесь к "
                                  "администратору портала."))
        return found[0]
    raise PermissionDenied(_("Загружать акции могут поставщики и маркетологи."))


def upload_create(*, actor, file, original_name: str, supplier: Supplier | None = None) -> PromoUpload:
    """Store an uploaded sheet under MEDIA_ROOT with its sha256 and size. A file above the
    size cap is refused before anything is stored."""
    supplier = _upload_supplier(actor=actor, supplier=supplier)
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    if size > settings.PROMO_UPLOAD_MAX_BYTES:
        problem = Problem("file_unreadable", 0, params={
            "reason": "too_large", "max_mb": round(settings.PROMO_UPLOAD_MAX_BYTES / 1024 / 1024),
        })
        raise UploadRefused(problem.message, problem)
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    # The name as shown: printable characters only (a NUL cannot even be stored), never empty.
    original_name = "".join(char for char in Path(original_name or "").name if char.isprintable()).strip()
    original_name = original_name[:255] or "upload.xlsx"
    sha256 = digest.hexdigest()
    now = timezone.now()
    upload = PromoUpload(original_name=original_name, sha256=sha256, size=size, uploaded_by=actor,
                         supplier=supplier, status=PromoUpload.Status.QUEUED, queued_at=now,
                         lease_until=now + timedelta(seconds=settings.PROMO_UPLOAD_QUEUE_LEASE_SECONDS))
    # The digest first: a name of only punctuation ("!!!") still gives a valid file name.
    stored_name = get_valid_filename(f"{sha256[:12]}_{original_name}")[:120]
    upload.file.save(stored_name, File(file), save=False)
    upload.save()
    return upload


# --- processing ----------------------------------------------------------------------------------


@contextmanager
def upload_local_path(upload: PromoUpload):
    """A filesystem path to the stored file (copied to a temp file for remote storages)."""
    try:
        local = upload.file.path
    except NotImplementedError:
        local = None
    if local is not None:
        yield Path(local)
        return
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as temp:
        with upload.file.open("rb") as source:
            shutil.copyfileobj(source, temp)
        temp.flush()
        yield Path(temp.name)


def _duplicate_problem(earlier: PromoUpload) -> Problem:
    """The refusal of a file already imported: when, by whom and which upload it was."""
    who = earlier.uploaded_by
    return Problem("file_duplicate", 0, params={
        "upload_id": earlier.pk, "uploaded_at": timezone.localtime(earlier.created_at),
        "uploaded_by": (who.get_full_name() or who.username) if who else "—",
    })


def _validate(*, upload: PromoUpload, actor, path: Path, today: date, progress: Progress) -> tuple[
        Validation, str]:
    """Read and validate the sheet; a file-level problem becomes the only error."""
    try:
        with SheetReader(path) as reader:
            # The rows are taken out of the reader at once: closing a reader whose rows were
            # never started must not depend on the row iterator.
            rows = iter(reader)
            header = reader.header
            if upload.supplier_id is None and h.SUPPLIER not in header.columns:
                # A bulk file names each row's supplier; without the column nothing can be checked.
                raise FileProblem(Problem("header_missing", header.row,
                                          params={"missing": [str(h.LABELS[h.SUPPLIER])]}))
            progress.start(reader.rows_total)
            validator = SheetValidator(actor=actor, header=header, supplier=upload.supplier, today=today,
                                       progress=progress)
            validation = validator.run(rows)
            # Sheet-level warnings (a hidden sheet with a table that was not read) come first.
            validation.warnings = reader.warnings + validation.warnings
            return validation, reader.sheet_title
    except FileProblem as problem:
        return Validation(errors=[problem.problem]), ""


def upload_process(*, upload: PromoUpload, dry_run: bool = False, today: date | None = None,
                   progress: Callable[[int, int], None] | None = None, actor=None,
                   force: bool = False) -> ImportResult | None:
    """Import a stored upload all or nothing and return the result; None when the upload is
    not this process's to take (another one has it: its page shows how it goes).

    ``actor`` defaults to whoever confirmed the upload, else the uploader (whose permissions
    apply). A sheet that would remove lines or change a promo the uploader did not name stops
    at a preview (``awaiting_confirmation``) unless ``force`` (the command's ``--confirm``); an
    upload confirmed earlier is applied only if the plan is still the confirmed one. With
    ``dry_run`` everything is checked and saved inside a transaction that is rolled back: the
    result is exact, nothing stays, no event is written and no mail goes out."""
    if dry_run:
        with transaction.atomic():
            result = _process(upload=upload, dry_run=True, today=today, progress=progress, actor=actor,
                              force=force)
            transaction.set_rollback(True)
        return result
    try:
        return _process(upload=upload, dry_run=False, today=today, progress=progress, actor=actor, force=force)
    except UploadSuperseded:
        logger.warning("Promo upload %s was taken over by another process; this one stops", upload.pk)
        return None
    except Exception as error:
        upload_fail(upload=upload, reason=f"{type(error).__name__}: {error}")
        raise


def upload_fail(*, upload: PromoUpload, reason: str) -> None:
    """Mark an upload failed (a crash, not a user's mistake), so it is never left processing.
    Only while this process holds it (its attempt): a superseded process fails nothing."""
    logger.exception("Promo upload %s failed: %s", upload.pk, reason)
    if transaction.get_connection().needs_rollback:
        return  # the caller's transaction is broken; it rolls the upload back anyway
    PromoUpload.objects.filter(pk=upload.pk, attempt=upload.attempt).exclude(
        status__in=[PromoUpload.Status.IMPORTED, PromoUpload.Status.REJECTED, PromoUpload.Status.CANCELLED],
    ).update(status=PromoUpload.Status.FAILED, failure=reason[:2000], finished_at=timezone.now(), lease_until=None)
    upload.status = PromoUpload.Status.FAILED
    upload.failure = reason[:2000]


def _process(*, upload: PromoUpload, dry_run: bool, today: date | None, progress, actor,
             force: bool) -> ImportResult | None:
    upload.refresh_from_db()
    if not upload_claim(upload):
        return None
    confirmed = (upload.preview or {}).get("fingerprint") if upload.confirmed_at else None
    actor = actor or upload.confirmed_by or upload.uploaded_by
    today = today or timezone.localdate()
    tracker = Progress(upload, progress)

    earlier = earlier_import(upload)
    if earlier is not None:
        return _reject(upload=upload, actor=actor, errors=[_duplicate_problem(earlier)], warnings=[],
                       rows=0, dry_run=dry_run, duplicate_of=earlier.pk)

    with upload_local_path(upload) as path:
        validation, sheet_title = _validate(upload=upload, actor=actor, path=path, today=today,
                                            progress=tracker)
    tracker.total = validation.rows
    tracker(validation.rows)  # also the lease for the save step
    if not validation.ok:
        return _reject(upload=upload, actor=actor, errors=validation.errors, warnings=validation.warnings,
                       rows=validation.rows, dry_run=dry_run, sheet_title=sheet_title)
    saving = SaveProgress.for_upload(upload, total=validation.lines)
    saving.start()
    try:
        saved = upload_save(upload=upload, actor=actor, validation=validation, dry_run=dry_run,
                            sheet_title=sheet_title, confirmed=confirmed, force=force, progress=saving.advance)
    except AlreadyImported as duplicate:
        saving.clear()
        # The same file was imported while this one was being validated (a double submit).
        return _reject(upload=upload, actor=actor, errors=[_duplicate_problem(duplicate.earlier)],
                       warnings=[], rows=validation.rows, dry_run=dry_run, duplicate_of=duplicate.earlier.pk)
    except NeedsConfirmation as waiting:
        saving.clear()
        return _await(upload=upload, validation=validation, plan=waiting.plan, sheet_title=sheet_title,
                      stale=isinstance(waiting, PlanChanged))
    saving.clear()
    return ImportResult(
        ok=True, upload_id=upload.pk, rows=validation.rows, lines=validation.lines, promos=saved.promos,
        warnings=[problem.as_dict() for problem in validation.warnings], revisions=saved.revisions,
        revised=saved.revised, sheet=sheet_title,
        status=PromoUpload.Status.IMPORTED,
    )


def _await(*, upload: PromoUpload, validation: Validation, plan: ImportPlan, sheet_title: str,
           stale: bool) -> ImportResult:
    """Nothing is saved: the upload keeps the preview (the diff per promo and the fingerprint
    of the plan) and waits for a confirmation until ``preview_expires_at``. No event, no mail."""
    with transaction.atomic():
        lock_claimed(upload)
        upload.status = PromoUpload.Status.AWAITING_CONFIRMATION
        upload.preview = plan.preview()
        upload.preview_expires_at = timezone.now() + timedelta(hours=settings.PROMO_UPLOAD_PREVIEW_HOURS)
        upload.confirmed_by = None
        upload.confirmed_at = None
        upload.lease_until = None
        upload.errors = []
        upload.warnings = [problem_record(problem) for problem in validation.warnings]
        upload.summary = {
            "rows": validation.rows, "lines": validation.lines,
            "promos": len(plan.created) + len(plan.revisions), "created": [], "revisions": [],
            "sheet": sheet_title, "errors": 0, "warnings": len(validation.warnings), "stale": stale,
        }
        upload.finished_at = None
        upload.save(update_fields=["status", "preview", "preview_expires_at", "confirmed_by", "confirmed_at",
                                   "lease_until", "errors", "warnings", "summary", "finished_at", "updated_at"])
    return upload_result(upload)


def _reject(*, upload: PromoUpload, actor, errors: list[Problem], warnings: list[Problem], rows: int,
            dry_run: bool, duplicate_of: int | None = None, sheet_title: str = "") -> ImportResult:
    """Nothing is saved; the upload keeps its errors (for the page, the API and the error
    workbook) and one ``upload_rejected`` event announces it. A file already imported
    (``duplicate_of``: an integrator's retry, a double submit) is recorded the same way but
    mails nobody: the sender sees «Этот файл уже загружен…» in the answer, and the file's own
    import has already been announced; a «Файл отклонён» mail would say the opposite."""
    with transaction.atomic():
        lock_claimed(upload)
        upload.status = PromoUpload.Status.REJECTED
        upload.lease_until = None
        upload.errors = [problem_record(problem) for problem in errors]
        upload.warnings = [problem_record(problem) for problem in warnings]
        upload.summary = {"rows": rows, "lines": 0, "promos": 0, "revisions": [], "errors": len(errors),
                          "warnings": len(warnings), "duplicate_of": duplicate_of, "sheet": sheet_title}
        upload.finished_at = timezone.now()
        upload.save(update_fields=["status", "lease_until", "errors", "warnings", "summary", "finished_at",
                                   "updated_at"])
        if not dry_run:
            event_record(kind=PromoEvent.Kind.UPLOAD_REJECTED, actor=actor, upload=upload,
                         reason=errors[0].message if errors else "",
                         payload={"errors": len(errors), "duplicate_of": duplicate_of,
                                  "problem": problem_record(errors[0]) if errors else None},
                         notify=duplicate_of is None)
    return ImportResult(
        ok=False, upload_id=upload.pk, rows=rows,
        errors=[problem.as_dict() for problem in errors],
        warnings=[problem.as_dict() for problem in warnings],
        duplicate_of=duplicate_of, sheet=sheet_title, status=PromoUpload.Status.REJECTED,
    )


# --- one entry point for the edges ------------------------------------------------------------------


def upload_is_large(upload: PromoUpload) -> bool:
    """Above PROMO_UPLOAD_ASYNC_ROWS rows a sheet goes to the worker."""
    with upload_local_path(upload) as path:
        estimate = estimate_rows(path)
    if estimate is not None:
        upload.rows_total = estimate
    return estimate is not None and estimate > settings.PROMO_UPLOAD_ASYNC_ROWS


def upload_enqueue(*, upload: PromoUpload, actor_id: int) -> None:
    """Hand a queued upload to the worker (after the commit, so the worker finds it). A broker
    that cannot be reached fails the upload with the reason rather than leaving it queued."""
    from promo.tasks.imports import upload_process_task

    try:
        upload_process_task.delay(upload.pk, actor_id)
    except Exception as error:  # noqa: BLE001 - any broker error ends the same way
        upload_fail(upload=upload, reason=_("Очередь обработки недоступна: %(error)s") % {"error": error})


def upload_submit(*, actor, file, original_name: str, supplier: Supplier | None = None,
                  dry_run: bool = False, today: date | None = None,
                  confirm: bool = False) -> tuple[PromoUpload, ImportResult | None]:
    """Store a sheet and import it at once, or queue it for the worker when it is large
    (then the result is None and the upload shows the progress). A sheet that would remove
    lines or change a promo the uploader did not name waits for a confirmation, unless
    ``confirm`` (the command's ``--confirm``: applied at once). A dry run is always processed
    at once and leaves nothing behind, not even the upload."""
    if dry_run:
        upload = None
        try:
            with transaction.atomic():
                upload = upload_create(actor=actor, file=file, original_name=original_name, supplier=supplier)
                result = upload_process(upload=upload, dry_run=True, today=today, actor=actor, force=confirm)
                transaction.set_rollback(True)
        finally:
            if upload is not None:
                upload.file.delete(save=False)
        result.upload_id = None
        return upload, result
    upload = upload_create(actor=actor, file=file, original_name=original_name, supplier=supplier)
    if upload_is_large(upload):
        upload.save(update_fields=["rows_total", "updated_at"])
        transaction.on_commit(lambda: upload_enqueue(upload=upload, actor_id=actor.pk))
        return upload, None
    return upload, upload_process(upload=upload, today=today, actor=actor, force=confirm)


def upload_result(upload: PromoUpload) -> ImportResult:
    """The stored outcome of an upload (finished, or waiting with its preview), messages in
    the active language."""
    summary = upload.summary or {}
    waiting = upload.awaits_confirmation
    preview = upload.preview or {}
    return ImportResult(
        ok=upload.status == PromoUpload.Status.IMPORTED, upload_id=upload.pk,
        rows=summary.get("rows", 0), lines=summary.get("lines", 0), promos=summary.get("promos", 0),
        errors=stored_problems(upload.errors), warnings=stored_problems(upload.warnings),
        revisions=preview.get("promos", []) if waiting else summary.get("revisions", []),
        duplicate_of=summary.get("duplicate_of"), status=upload.status, needs_confirmation=waiting,
        created=preview.get("created", []) if waiting else [],
        expires_at=upload.preview_expires_at if waiting else None, stale=bool(waiting and summary.get("stale")),
        sheet=summary.get("sheet") or "",
    )


def _error_workbook_name(upload: PromoUpload, language: str) -> str:
    return f"uploads/errors/{upload.pk}_{upload.sha256[:12]}_{language}.xlsx"


def upload_error_workbook(upload: PromoUpload) -> bytes:
    """The uploaded workbook with every problem marked and the «Ошибки» sheet (messages in the
    active language). Built once per language and kept in the media storage: rewriting a
    100,000-row sheet takes half a minute, so a second download (or the one the worker
    prepared for a large rejected file) is served from the stored copy."""
    name = _error_workbook_name(upload, translation.get_language() or settings.LANGUAGE_CODE)
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    problems = [problem_from_record(record) for record in (upload.errors or []) + (upload.warnings or [])]
    with upload_local_path(upload) as path:
        content = build_error_workbook(source_path=path, problems=problems,
                                       sheet_title=(upload.summary or {}).get("sheet") or None)
    default_storage.save(name, ContentFile(content))
    return content
