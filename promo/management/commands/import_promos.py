"""python manage.py import_promos FILE [--as USERNAME] [--supplier CODE_OR_INN] [--dry-run]
[--confirm] [--format json|text]

Imports a promo sheet through the same service as the upload page and the API, acting with
the permissions of ``--as`` (a supplier user imports only its own products; a marketer any).
A sheet that would remove lines from a promo, or change a promo the sheet does not name, is
not applied: the command prints the preview (the diff per promo) and exits 4, the upload
waiting for a confirmation on its page or ``POST /api/v1/uploads/{id}/confirm/``; with
``--confirm`` it is applied at once.
Exit code: 0 accepted (or would be, with --dry-run), 1 rejected with errors, 3 the same file
was already imported, 4 waits for a confirmation (nothing saved)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _

from promo.services.imports.preview import preview_changes
from promo.services.imports.uploads import (
    ImportResult,
    UploadRefused,
    upload_create,
    upload_process,
    upload_submit,
)
from suppliers.models import Supplier

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_DUPLICATE = 3
EXIT_NEEDS_CONFIRMATION = 4


class Command(BaseCommand):
    help = ("Import a promo sheet (.xlsx) as a given user; exit 0 accepted, 1 rejected, 3 duplicate file, "
            "4 waits for a confirmation (lines would be removed: rerun with --confirm to apply).")

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the .xlsx sheet.")
        parser.add_argument("--as", dest="username", help="Act as this user (default: the first administrator).")
        parser.add_argument("--supplier", help="Supplier code (S001) or INN the sheet is for; "
                                               "omit for a bulk file with a «Поставщик» column.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check everything, save nothing, send nothing.")
        parser.add_argument("--confirm", action="store_true",
                            help="Apply a sheet that removes lines from a promo or changes a promo it does "
                                 "not name, without stopping at the preview.")
        parser.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"File not found: {path}")
        actor = self._actor(options["username"])
        supplier = self._supplier(options["supplier"], actor)

        try:
            with path.open("rb") as handle:
                if options["dry_run"]:
                    _upload, result = upload_submit(actor=actor, file=handle, original_name=path.name,
                                                    supplier=supplier, dry_run=True, confirm=options["confirm"])
                else:
                    # The command is already out of the request cycle: always processed here.
                    upload = upload_create(actor=actor, file=handle, original_name=path.name,
                                           supplier=supplier)
                    result = upload_process(upload=upload, actor=actor, force=options["confirm"],
                                            progress=self._progress if options["verbosity"] >= 2 else None)
        except UploadRefused as refused:
            result = ImportResult(ok=False, upload_id=None,
                                  errors=[refused.problem.as_dict()] if refused.problem else [])
            if refused.problem is None:
                raise CommandError(refused.message) from None
        except PermissionDenied as denied:
            raise CommandError(str(denied)) from None

        if result is None:
            raise CommandError(_("Загрузку обрабатывает другой процесс."))
        self._report(result, options["format"])
        if result.ok:
            return
        if result.needs_confirmation:
            sys.exit(EXIT_NEEDS_CONFIRMATION)
        sys.exit(EXIT_DUPLICATE if result.duplicate_of else EXIT_REJECTED)

    def _actor(self, username: str | None):
        User = get_user_model()
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user «{username}».")
            return actor
        actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if actor is None:
            raise CommandError("No administrator to act as: pass --as USERNAME.")
        return actor

    def _supplier(self, value: str | None, actor) -> Supplier | None:
        if not value:
            return None
        value = value.strip()
        supplier = Supplier.objects.restrict(actor).filter(Q(code__iexact=value) | Q(inn=value)).first()
        if supplier is None:
            raise CommandError(f"Supplier «{value}» not found or not accessible to {actor.username}.")
        return supplier

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(f"{done} / {total}", ending="\r")

    def _report(self, result: ImportResult, output: str) -> None:
        if output == "json":
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
            return
        if result.ok:
            self.stdout.write(self.style.SUCCESS(
                _("Принято: строк %(rows)s, строк промо %(lines)s, промо %(promos)s.")
                % {"rows": result.rows, "lines": result.lines, "promos": result.promos}
            ))
        elif result.needs_confirmation:
            self._report_preview(result)
            return
        else:
            self.stdout.write(self.style.ERROR(_("Отклонено: ошибок %(count)s, ничего не сохранено.")
                                               % {"count": len(result.errors)}))
        if result.sheet:
            self.stdout.write(_("Прочитан лист «%(sheet)s».") % {"sheet": result.sheet})
        for revision in result.revisions:
            self.stdout.write(_("%(promo)s: новая ревизия (добавлено %(added)s, удалено %(removed)s, "
                                "изменено %(changed)s)") % revision)
        for kind, problems in ((_("Ошибка"), result.errors), (_("Предупреждение"), result.warnings)):
            for problem in problems:
                where = _("строка %(row)s") % problem if problem["row"] else _("файл")
                column = f", «{problem['column']}»" if problem["column"] else ""
                self.stdout.write(f"{kind} ({where}{column}) [{problem['code']}]: {problem['message']}")

    def _report_preview(self, result: ImportResult) -> None:
        """The preview: what each promo would lose, gain and change (nothing is saved yet)."""
        if result.upload_id is None:  # a dry run
            message = _("Файл удаляет строки из промо или меняет промо, не названное в файле: загрузка "
                        "будет ждать подтверждения (с --confirm применится сразу).")
        else:
            message = _("Ничего не сохранено: файл удаляет строки из промо или меняет промо, не названное "
                        "в файле. Проверьте изменения и подтвердите загрузку № %(upload)s на её странице "
                        "или запустите команду снова с --confirm.") % {"upload": result.upload_id}
        self.stdout.write(self.style.WARNING(message))
        for revision in result.revisions:
            self.stdout.write(_("%(promo)s «%(name)s»: добавлено %(added)s, удалено %(removed)s, "
                                "изменено %(changed)s") % revision)
            for change in preview_changes(revision):
                self.stdout.write(f"  {change.title}: {change.old} → {change.new}")
        for created in result.created:
            self.stdout.write(_("новое промо «%(name)s»: строк %(lines)s") % created)
