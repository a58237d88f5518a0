"""``python manage.py export_erp [--date YYYY-MM-DD] [--system sap|smarket|setretail|all] [--out DIR]``:
export one night now (exports/services.py ``export_run``) and print its manifest as JSON.
Exit code 0 on success; on failure 1, with the reason on stderr."""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from exports.failures import run_failed
from exports.models import ExportRun
from exports.services import ExportError, business_date_error, export_run, parse_systems, run_manifest
from exports.wording import message_text


class Command(BaseCommand):
    help = "Выгрузка согласованных промо в SAP, S-Market и Set Retail 10 (печатает manifest.json)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Дата выгрузки ГГГГ-ММ-ДД (по умолчанию сегодня).")
        parser.add_argument("--system", default="all", help="sap, smarket, setretail или all (по умолчанию all).")
        parser.add_argument("--out", help="Корневая папка выгрузок вместо EXPORT_ROOT.")

    def handle(self, *args, date: str | None, system: str, out: str | None, **options):
        business_date = _parse_date(date) if date else timezone.localdate()
        try:
            systems = parse_systems(system)
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        run = export_run(business_date=business_date, systems=systems, out_dir=out)
        if run.status != ExportRun.Status.SUCCEEDED:
            raise CommandError(message_text(run_failed(run, run.failure)))
        self.stdout.write(json.dumps(run_manifest(run), ensure_ascii=False, indent=2))


def _parse_date(value: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"Неверная дата «{value}»: нужен формат ГГГГ-ММ-ДД.") from None
    error = business_date_error(day)
    if error is not None:
        raise CommandError(error)
    return day
