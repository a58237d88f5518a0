"""The promo sheet import: ONE service behind the upload page, the API, the command and the
Celery task (STYLE.md §6).

- :func:`upload_create` stores the file (sha256, size, who, for which supplier);
- :func:`upload_process` reads, validates and saves it, all or nothing;
- :func:`upload_submit` does both, or queues a large file for the worker.

Processing runs in two phases. Reading and validating (the slow part) runs outside any
transaction and writes the progress (rows done of total) in its own autocommitted updates, so
another request sees the bar move. Saving then runs in ONE transaction: a PostgreSQL advisory
lock on the file's sha256 serialises two uploads of the same file (a double submit), the
duplicate check is repeated under it, the promos to revise are locked, and every row is
written in bulk with its history. Any error saves nothing: the upload is marked rejected with
its errors, in a transaction of its own.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from config.locks import advisory_xact_lock
from promo.models import Promo, PromoEvent, PromoLine, PromoRevision, PromoUpload
from promo.services.events import event_record
from promo.services.imports import headers as h
from promo.services.imports.error_workbook import build_error_workbook
from promo.services.imports.problems import FileProblem, Problem
from promo.services.imports.reader import SheetReader
from promo.services.imports.validation import (
    LineCandidate,
    PromoCandidate,
    SheetValidator,
    Validation,
    match_revisions,
)
from promo.services.revisions import revision_record
from promo.snapshots import LINE_TERMS, LineSnapshot
from suppliers.models import Supplier
from suppliers.roles import is_marketer, is_supplier_user

logger = logging.getLogger(__name__)

BATCH = 2000
_DIMENSION = re.compile(rb'<dimension[^>]*ref="[A-Z]+\d+:?[A-Z]*(\d*)"')
# Rough size of one sheet row in the unzipped XML, for a file without a declared dimension.
_BYTES_PER_ROW = 400

# The change reason of the history rows and revisions an import writes.
REASON_IMPORT = gettext_lazy("Загрузка файла")


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
    revisions: list[dict] = field(default_factory=list)  # [{promo: code, added, removed, changed}]
    duplicate_of: int | None = None

    def as_json(self) -> dict:
        return {
            "ok": self.ok,
            "upload_id": self.upload_id,
            "rows": self.rows,
            "lines": self.lines,
            "promos": self.promos,
            "errors": self.errors,
            "warnings": self.warnings,
            "revisions": self.revisions,
        }


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
    original_name = Path(original_name or "upload.xlsx").name[:255]
    sha256 = digest.hexdigest()
    upload = PromoUpload(original_name=original_name, sha256=sha256, size=size, uploaded_by=actor,
                         supplier=supplier, status=PromoUpload.Status.QUEUED)
    stored_name = f"{sha256[:12]}_{get_valid_filename(original_name)}"[:120]
    upload.file.save(stored_name, File(file), save=False)
    upload.save()
    return upload


# --- processing ----------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """Message params as stored on the upload (JSON), displayed the way messages show them."""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if timezone.is_aware(value) \
            else value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
        return text.replace(".", ",")
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    return value


def problem_record(problem: Problem) -> dict:
    """A problem as stored on the upload: its dict plus the params, so the message can be
    rendered again in another language."""
    record = problem.as_dict()
    record["params"] = {key: _jsonable(value) for key, value in problem.params.items()}
    return record


def problem_from_record(record: dict) -> Problem:
    return Problem(record.get("code", ""), record.get("row", 0), record.get("column", ""),
                   params=record.get("params") or {})


def stored_problems(records: list[dict]) -> list[dict]:
    """Stored problems with the message rendered in the active language."""
    return [problem_from_record(record).as_dict() for record in records or []]


def estimate_rows(path: str | Path) -> int | None:
    """Data rows a workbook declares, read from the first worksheet's ``<dimension>`` without
    parsing the sheet (or guessed from its unzipped size); None for something that is not a
    workbook. Only decides between processing at once and queueing."""
    try:
        with zipfile.ZipFile(path) as archive:
            sheets = sorted(
                (info for info in archive.infolist()
                 if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")),
                key=lambda info: info.filename,
            )
            if not sheets:
                return None
            with archive.open(sheets[0]) as part:
                head = part.read(4096)
            match = _DIMENSION.search(head)
            if match and match.group(1):
                return max(0, int(match.group(1)) - 1)
            return sheets[0].file_size // _BYTES_PER_ROW
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        return None


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


def _earlier_import(upload: PromoUpload) -> PromoUpload | None:
    """The first upload of the same file for the same supplier that was imported."""
    return (PromoUpload.objects.filter(sha256=upload.sha256, supplier_id=upload.supplier_id,
                                       status=PromoUpload.Status.IMPORTED)
            .exclude(pk=upload.pk).order_by("created_at", "pk").first())


def _duplicate_problem(earlier: PromoUpload) -> Problem:
    return Problem("file_duplicate", 0, params={"upload_id": earlier.pk,
                                                "uploaded_at": timezone.localtime(earlier.created_at)})


class _Progress:
    """Writes rows done / total to the upload as validation goes. The update runs outside the
    saving transaction (autocommit), so another connection sees it at once."""

    def __init__(self, upload: PromoUpload, callback: Callable[[int, int], None] | None) -> None:
        self.upload = upload
        self.callback = callback
        self.total = 0

    def start(self, total: int | None) -> None:
        self.total = total or 0
        self._write(0)

    def __call__(self, done: int) -> None:
        self._write(done)

    def _write(self, done: int) -> None:
        self.total = max(self.total, done)
        PromoUpload.objects.filter(pk=self.upload.pk).update(rows_done=done, rows_total=self.total)
        self.upload.rows_done, self.upload.rows_total = done, self.total
        if self.callback is not None:
            self.callback(done, self.total)


def _validate(*, upload: PromoUpload, actor, path: Path, today: date, progress: _Progress) -> tuple[
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
            return validation, reader.sheet_title
    except FileProblem as problem:
        return Validation(errors=[problem.problem]), ""


def upload_process(*, upload: PromoUpload, dry_run: bool = False, today: date | None = None,
                   progress: Callable[[int, int], None] | None = None, actor=None) -> ImportResult:
    """Import a stored upload all or nothing and return the result.

    ``actor`` defaults to the uploader (whose permissions apply). With ``dry_run`` everything
    is checked and saved inside a transaction that is rolled back: the result is exact, nothing
    stays, no event is written and no mail goes out."""
    if dry_run:
        with transaction.atomic():
            result = _process(upload=upload, dry_run=True, today=today, progress=progress, actor=actor)
            transaction.set_rollback(True)
        return result
    try:
        return _process(upload=upload, dry_run=False, today=today, progress=progress, actor=actor)
    except Exception as error:
        upload_fail(upload=upload, reason=f"{type(error).__name__}: {error}")
        raise


def upload_fail(*, upload: PromoUpload, reason: str) -> None:
    """Mark an upload failed (a crash, not a user's mistake), so it is never left processing."""
    logger.exception("Promo upload %s failed: %s", upload.pk, reason)
    if transaction.get_connection().needs_rollback:
        return  # the caller's transaction is broken; it rolls the upload back anyway
    PromoUpload.objects.filter(pk=upload.pk).update(
        status=PromoUpload.Status.FAILED, failure=reason[:2000], finished_at=timezone.now(),
    )
    upload.status = PromoUpload.Status.FAILED
    upload.failure = reason[:2000]


def _process(*, upload: PromoUpload, dry_run: bool, today: date | None, progress, actor) -> ImportResult:
    upload.refresh_from_db()
    actor = actor or upload.uploaded_by
    today = today or timezone.localdate()
    tracker = _Progress(upload, progress)

    earlier = _earlier_import(upload)
    if earlier is not None:
        return _reject(upload=upload, actor=actor, errors=[_duplicate_problem(earlier)], warnings=[],
                       rows=0, dry_run=dry_run, duplicate_of=earlier.pk)

    upload.status = PromoUpload.Status.PROCESSING
    upload.started_at = timezone.now()
    upload.failure = ""
    upload.save(update_fields=["status", "started_at", "failure", "updated_at"])

    with upload_local_path(upload) as path:
        validation, sheet_title = _validate(upload=upload, actor=actor, path=path, today=today,
                                            progress=tracker)
    tracker.total = validation.rows
    tracker(validation.rows)
    if not validation.ok:
        return _reject(upload=upload, actor=actor, errors=validation.errors, warnings=validation.warnings,
                       rows=validation.rows, dry_run=dry_run, sheet_title=sheet_title)
    return _save(upload=upload, actor=actor, validation=validation, dry_run=dry_run,
                 sheet_title=sheet_title)


def _reject(*, upload: PromoUpload, actor, errors: list[Problem], warnings: list[Problem], rows: int,
            dry_run: bool, duplicate_of: int | None = None, sheet_title: str = "") -> ImportResult:
    """Nothing is saved; the upload keeps its errors (for the page, the API and the error
    workbook) and one ``upload_rejected`` event announces it."""
    with transaction.atomic():
        upload.status = PromoUpload.Status.REJECTED
        upload.errors = [problem_record(problem) for problem in errors]
        upload.warnings = [problem_record(problem) for problem in warnings]
        upload.summary = {"rows": rows, "lines": 0, "promos": 0, "revisions": [], "errors": len(errors),
                          "warnings": len(warnings), "duplicate_of": duplicate_of, "sheet": sheet_title}
        upload.finished_at = timezone.now()
        upload.save(update_fields=["status", "errors", "warnings", "summary", "finished_at", "updated_at"])
        if not dry_run:
            event_record(kind=PromoEvent.Kind.UPLOAD_REJECTED, actor=actor, upload=upload,
                         reason=errors[0].message if errors else "",
                         payload={"errors": len(errors), "duplicate_of": duplicate_of}, notify=True)
    return ImportResult(
        ok=False, upload_id=upload.pk, rows=rows,
        errors=[problem.as_dict() for problem in errors],
        warnings=[problem.as_dict() for problem in warnings],
        duplicate_of=duplicate_of,
    )


# --- saving --------------------------------------------------------------------------------------


def _advisory_lock(sha256: str) -> None:
    """Serialise imports of the same file: a double submit waits here for the first one and
    then finds it imported."""
    advisory_xact_lock(f"promo-upload:{sha256}")


def _line_values(candidate: LineCandidate, promo_id: int) -> dict:
    """A new line's row for ``bulk_insert``."""
    return {
        "promo_id": promo_id, "product_id": candidate.product_id,
        **{name: getattr(candidate, name) for name in LINE_TERMS}, "source_row": candidate.row,
    }


# --- bulk writing -------------------------------------------------------------------------------
# bulk_create spends most of a 100,000-line import building SQL in Python. On PostgreSQL the
# rows go in with COPY instead (primary keys reserved from the sequence first), and their
# simple-history rows are copied server-side with one INSERT ... SELECT from the rows just
# written: the same records bulk_create_with_history would make. Other databases (the SQLite
# of `make run`) take the bulk_create_with_history path.

_HISTORY_COLUMNS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"}


def _history_model(model):
    name = getattr(model._meta, "simple_history_manager_attribute", None)
    if name is None or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return None
    return getattr(model, name).model


def _copy_supported(model) -> bool:
    """COPY for PostgreSQL, when the history model holds nothing but the standard columns."""
    if connection.vendor != "postgresql":
        return False
    history = _history_model(model)
    if history is None:
        return True
    tracked = {f.column for f in history.tracked_fields}
    return {f.column for f in history._meta.concrete_fields} - tracked == _HISTORY_COLUMNS


def bulk_insert(model, rows: list[dict], *, actor, reason: str, now,
                scope: tuple[str, list[int]] | None = None) -> list[int] | None:
    """Insert ``rows`` (field attname -> value; the rest take their defaults) with their
    history records, in bulk; returns the new primary keys in the order of ``rows``.

    ``scope`` (a column and values selecting exactly the new rows, such as the lines of new
    promos) lets the database number the rows itself: nothing is returned then."""
    if not rows:
        return []
    if not _copy_supported(model):
        objects = [model(**row) for row in rows]
        if _history_model(model) is not None:
            bulk_create_with_history(objects, model, batch_size=BATCH, default_user=actor,
                                     default_change_reason=reason, default_date=now)
        else:
            model.objects.bulk_create(objects, batch_size=BATCH)
        return [obj.pk for obj in objects]

    from psycopg.types.json import Jsonb

    meta = model._meta
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        else:
            defaults[f.attname] = f.get_default()  # "" for a text field without a default, as Model() does
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    names = [f.attname for f in fields]
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if scope is None:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, len(rows)])
            ids = [row[0] for row in cursor.fetchall()]
            columns = [meta.pk.column, *(f.column for f in fields)]
        else:
            ids = None
            columns = [f.column for f in fields]
        with cursor.cursor.copy(f"COPY {table} ({', '.join(map(quote, columns))}) FROM STDIN") as copy:
            for index, row in enumerate(rows):
                values = [] if ids is None else [ids[index]]
                for name in names:
                    value = row.get(name, defaults[name])
                    values.append(Jsonb(value) if name in json_fields and value is not None else value)
                copy.write_row(values)
        history = _history_model(model)
        if history is not None:
            column, keys = (meta.pk.column, ids) if scope is None else scope
            tracked = ", ".join(quote(f.column) for f in history.tracked_fields)
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({tracked}, history_date, "
                f"history_change_reason, history_type, history_user_id) "
                f"SELECT {tracked}, %s, %s, '+', %s FROM {table} "
                f"WHERE {quote(column)} = ANY(string_to_array(%s, ',')::bigint[])",
                [now, reason, actor.pk if actor else None, ",".join(map(str, keys))],
            )
    return ids


def _create_promos(*, candidates: list[PromoCandidate], upload: PromoUpload, actor, now) -> list[Promo]:
    """New promos: draft, revision 1, their lines, the frozen revision 1 and a
    ``promo_created`` event each, all in bulk (a fixed number of statements)."""
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
    # The upload's own event announces them (one digest): these are not notified.
    bulk_insert(PromoEvent, [
        {"kind": PromoEvent.Kind.PROMO_CREATED, "promo_id": promo.pk, "upload_id": upload.pk,
         "actor_id": actor.pk, "to_status": promo.status, "payload": {"lines": len(c.lines), "revision": 1}}
        for promo, c in zip(promos, candidates, strict=True)
    ], actor=actor, reason=reason, now=now)
    return promos


def _line_changes(line: PromoLine, candidate: LineCandidate) -> bool:
    changed = False
    for name in LINE_TERMS:
        new = getattr(candidate, name)
        if getattr(line, name) != new:
            setattr(line, name, new)
            changed = True
    return changed


def _revise(*, promo: Promo, candidate: PromoCandidate, current: list[PromoLine], upload: PromoUpload,
            actor, now) -> dict | None:
    """Make ``candidate`` the next revision of ``promo``: changed lines updated (their
    decisions back to pending), removed ones deleted, added ones created, unchanged ones keep
    their decisions. Returns the diff counts, or None when the sheet changes nothing."""
    by_product = {line.product_id: line for line in current}
    added = [c for pk, c in candidate.lines.items() if pk not in by_product]
    removed = [line for pk, line in by_product.items() if pk not in candidate.lines]
    changed = []
    for pk, line in by_product.items():
        new = candidate.lines.get(pk)
        if new is not None and _line_changes(line, new):
            line.decision = PromoLine.Decision.PENDING
            line.decision_reason = ""
            line.decided_by = None
            line.decided_at = None
            line.source_row = new.row
            changed.append(line)
    targeting_changed = promo.targeting != candidate.targeting
    if not (added or removed or changed or targeting_changed):
        return None

    reason = _("Исправленная загрузка № %(upload)s") % {"upload": upload.pk}
    if changed:
        bulk_update_with_history(
            changed, PromoLine, [*LINE_TERMS, "decision", "decision_reason", "decided_by", "decided_at",
                                 "source_row"],
            batch_size=BATCH, default_user=actor, default_change_reason=reason, default_date=now,
        )
    if removed:
        for line in removed:
            line._change_reason = reason
        # simple-history records each deletion from the delete signal (a corrected sheet
        # removes a handful of lines; the lines themselves go in one statement).
        PromoLine.objects.filter(pk__in=[line.pk for line in removed]).delete()
    if added:
        bulk_insert(PromoLine, [_line_values(c, promo.pk) for c in added], actor=actor, reason=reason, now=now)

    from_status = promo.status
    if promo.status in (Promo.Status.APPROVED, Promo.Status.REJECTED):
        # Back for approval; an approved revision stays in force until the new one is decided.
        promo.status = Promo.Status.SUBMITTED
    promo.targeting = candidate.targeting
    promo.revision += 1
    promo.version += 1
    promo._change_reason = reason
    promo.save(update_fields=["status", "targeting", "revision", "version", "updated_at"])
    revision = revision_record(promo=promo, actor=actor, upload=upload, reason=reason)
    counts = revision.diff_counts()
    event_record(kind=PromoEvent.Kind.REVISION_CREATED, actor=actor, promo=promo, upload=upload,
                 from_status=from_status, to_status=promo.status, reason=reason,
                 payload={"revision": promo.revision, "diff": revision.diff, **counts}, notify=False)
    return counts


def _save(*, upload: PromoUpload, actor, validation: Validation, dry_run: bool, sheet_title: str) -> ImportResult:
    now = timezone.now()
    with transaction.atomic():
        _advisory_lock(upload.sha256)
        earlier = _earlier_import(upload)
        if earlier is not None:
            transaction.set_rollback(True)
        else:
            # Match again under row locks: the promos may have moved since validation.
            matches = match_revisions(validation.promos, lock=True)
            new = [c for index, c in enumerate(validation.promos) if index not in matches]
            created = _create_promos(candidates=new, upload=upload, actor=actor, now=now)

            current: dict[int, list[PromoLine]] = {}
            for line in PromoLine.objects.filter(promo__in=[p.pk for p in matches.values()]):
                current.setdefault(line.promo_id, []).append(line)
            revisions = []
            touched = list(created)
            for index, promo in sorted(matches.items()):
                counts = _revise(promo=promo, candidate=validation.promos[index],
                                 current=current.get(promo.pk, []), upload=upload, actor=actor, now=now)
                touched.append(promo)
                if counts is not None:
                    revisions.append({"promo": promo.code, **counts})

            upload.promos.add(*[promo.pk for promo in touched])
            warnings = [problem_record(problem) for problem in validation.warnings]
            summary = {
                "rows": validation.rows, "lines": validation.lines, "promos": len(touched),
                "created": [promo.code for promo in created], "revisions": revisions, "sheet": sheet_title,
                "errors": 0, "warnings": len(warnings),
            }
            upload.status = PromoUpload.Status.IMPORTED
            upload.errors = []
            upload.warnings = warnings
            upload.summary = summary
            upload.finished_at = timezone.now()
            upload._change_reason = str(REASON_IMPORT)
            upload.save(update_fields=["status", "errors", "warnings", "summary", "finished_at", "updated_at"])
            if not dry_run:
                event_record(
                    kind=PromoEvent.Kind.UPLOAD_IMPORTED, actor=actor, upload=upload,
                    payload={
                        "promos": [promo.pk for promo in touched], "rows": validation.rows,
                        "lines": validation.lines, "created": len(created), "revisions": revisions,
                    },
                    notify=True,
                )
            return ImportResult(
                ok=True, upload_id=upload.pk, rows=validation.rows, lines=validation.lines,
                promos=len(touched), warnings=[problem.as_dict() for problem in validation.warnings],
                revisions=revisions,
            )
    # The same file was imported while this one was being validated (a double submit).
    return _reject(upload=upload, actor=actor, errors=[_duplicate_problem(earlier)], warnings=[],
                   rows=validation.rows, dry_run=dry_run, duplicate_of=earlier.pk)


# --- one entry point for the edges ------------------------------------------------------------------


def upload_is_large(upload: PromoUpload) -> bool:
    """Above PROMO_UPLOAD_ASYNC_ROWS rows a sheet goes to the worker."""
    with upload_local_path(upload) as path:
        estimate = estimate_rows(path)
    if estimate is not None:
        upload.rows_total = estimate
    return estimate is not None and estimate > settings.PROMO_UPLOAD_ASYNC_ROWS


def _enqueue(*, upload: PromoUpload, actor) -> None:
    """Hand a queued upload to the worker (after the commit, so the worker finds it). A broker
    that cannot be reached fails the upload with the reason rather than leaving it queued."""
    from promo.tasks.imports import upload_process_task

    try:
        upload_process_task.delay(upload.pk, actor.pk)
    except Exception as error:  # noqa: BLE001 - any broker error ends the same way
        upload_fail(upload=upload, reason=_("Очередь обработки недоступна: %(error)s") % {"error": error})


def upload_submit(*, actor, file, original_name: str, supplier: Supplier | None = None,
                  dry_run: bool = False, today: date | None = None) -> tuple[PromoUpload, ImportResult | None]:
    """Store a sheet and import it at once, or queue it for the worker when it is large
    (then the result is None and the upload shows the progress). A dry run is always
    processed at once and leaves nothing behind, not even the upload."""
    if dry_run:
        upload = None
        try:
            with transaction.atomic():
                upload = upload_create(actor=actor, file=file, original_name=original_name, supplier=supplier)
                result = upload_process(upload=upload, dry_run=True, today=today, actor=actor)
                transaction.set_rollback(True)
        finally:
            if upload is not None:
                upload.file.delete(save=False)
        result.upload_id = None
        return upload, result
    upload = upload_create(actor=actor, file=file, original_name=original_name, supplier=supplier)
    if upload_is_large(upload):
        upload.save(update_fields=["rows_total", "updated_at"])
        transaction.on_commit(lambda: _enqueue(upload=upload, actor=actor))
        return upload, None
    return upload, upload_process(upload=upload, today=today, actor=actor)


def upload_result(upload: PromoUpload) -> ImportResult:
    """The stored outcome of a finished upload, messages in the active language."""
    summary = upload.summary or {}
    return ImportResult(
        ok=upload.status == PromoUpload.Status.IMPORTED, upload_id=upload.pk,
        rows=summary.get("rows", 0), lines=summary.get("lines", 0), promos=summary.get("promos", 0),
        errors=stored_problems(upload.errors), warnings=stored_problems(upload.warnings),
        revisions=summary.get("revisions", []), duplicate_of=summary.get("duplicate_of"),
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
