"""``python manage.py price_tags --branch B0001 --date 2027-02-01 --out tags.pdf``: the price
tags of every promo line running in a branch on a day, as an A4 PDF (promo/services/documents).
Rendered here, not by the worker, in chunks of PROMO_PRICE_TAGS_CHUNK_PAGES pages, so a branch
of any size fits in bounded memory; ``-v 2`` prints the progress."""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from promo.services.documents import branch_by_code, price_tags_for, price_tags_write


class Command(BaseCommand):
    help = "Ценники филиала на дату (PDF A4)."

    def add_arguments(self, parser):
        parser.add_argument("--branch", required=True, help="Код филиала, например B0001.")
        parser.add_argument("--date", required=True, help="Дата в формате ГГГГ-ММ-ДД.")
        parser.add_argument("--out", required=True, help="Куда записать PDF.")

    def handle(self, *args, branch: str, date: str, out: str, **options):
        found = branch_by_code(branch)
        if found is None:
            raise CommandError(f"Филиал «{branch}» не найден.")
        day = _parse_date(date)
        target = Path(out)
        if not target.parent.is_dir():
            raise CommandError(f"Папка «{target.parent}» не существует.")
        tags = price_tags_for(branch=found, day=day)
        progress = None
        if options["verbosity"] >= 2:
            def progress(done: int, total: int) -> None:
                self.stdout.write(f"ценников готово: {done} из {total}")
        # Write next to the target and rename, so a reader never sees half a file.
        partial = target.with_name(target.name + ".part")
        try:
            with translation.override(settings.LANGUAGE_CODE), partial.open("wb") as handle:
                pages = price_tags_write(branch=found, day=day, tags=tags, out=handle, progress=progress)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
        if options["verbosity"] >= 1:
            self.stdout.write(f"{found.code}, {day:%d.%m.%Y}: ценников {len(tags)}, страниц {pages}, "
                              f"записано в {target}")


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"Неверная дата «{value}»: нужен формат ГГГГ-ММ-ДД.") from None
