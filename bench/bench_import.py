"""Benchmark: the end-to-end import of a marketer bulk sheet against bare reads of the same sheet
by openpyxl and by calamine, in the same run (issue 12 item 2), at three sizes:

- 10k:         10,000 rows in 200 promos (every demo product in 2 weekly promos);
- 100k/2000:   100,000 rows in 2,000 promos (20 weeks x 100 suppliers);
- 100k/10000:  100,000 rows in 10,000 promos (each supplier's week split into 5 named promos).

Each sheet is generated (XlsxWriter, constant memory; «Поставщик» filled with the supplier's code
or INN), then imported through the same service the page, the API and the command use (read in
the calamine sandbox, validate, dedup, save with history and the digest event, in PostgreSQL),
and read bare by openpyxl (read-only, values only) and by calamine (iter_rows), each in a fresh
process so its peak RSS is its own. Each size has its own weeks, so no import overlaps another.
The import runs as a production worker runs it (:func:`as_worker`): its digest's outbox rows are
written and their sending is queued for another worker, not sent in the importing process.

Printed per size: seconds, the ratios import / openpyxl and import / calamine, peak RSS of the
importing process and of its calamine sandbox, and the most the two held at once (the sandbox
lives while the sheet is read; the save step comes after), SQL statements. Targets (issue 12):
import <= 3x calamine's bare read at every size, peak RSS (process + sandbox) < 300 MB.

    config/bin/with-postgres .venv/bin/python bench/run.py import
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import QueryCounter, peak_rss_mb, setup_django, timer  # noqa: E402

# name -> (weeks, promos per supplier and week, first week)
SIZES = {"10k": (2, 1, 0), "100k/2000": (20, 1, 2), "100k/10000": (20, 5, 22)}
TARGET_CALAMINE_RATIO = 3.0
TARGET_RSS_MB = 300
HEADER = ["Поставщик", "Название акции", "Артикул", "Штрихкод", "Наименование", "Механика", "Скидка, %",
          "Промо-цена", "Регулярная цена", "Начало", "Окончание", "Компенсация поставщика, %", "Филиалы",
          "Комментарий"]


def first_monday():
    from django.utils import timezone

    today = timezone.localdate()
    return today + timedelta(days=21 + (7 - today.weekday()) % 7)  # a Monday, past the lead time


def generate(path: Path, size: str) -> int:
    """Write the bulk sheet; returns the number of data rows."""
    import xlsxwriter

    from suppliers.models import Product

    weeks, groups, first_week = SIZES[size]
    products = list(Product.objects.order_by("supplier__code", "article").values_list(
        "article", "ean", "name", "regular_price", "supplier__code", "supplier__inn"))
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Акции")
    dates = book.add_format({"num_format": "dd.mm.yyyy"})
    sheet.write_row(0, 0, HEADER)
    row = 0
    start0 = first_monday()
    for week in range(first_week, first_week + weeks):
        start = start0 + timedelta(days=7 * week)
        for index, (article, ean, name, regular, code, inn) in enumerate(products):
            row += 1
            group = f" · {index % groups + 1}" if groups > 1 else ""
            sheet.write_row(row, 0, [code if index % 2 else inn, f"Неделя {week + 1}{group}", article])
            sheet.write_string(row, 3, ean)
            sheet.write_row(row, 4, [name, "Скидка %", 10 + 5 * (week % 5), None, float(regular)])
            sheet.write_datetime(row, 9, start, dates)
            sheet.write_datetime(row, 10, start + timedelta(days=6), dates)
            sheet.write_row(row, 11, [10, "Все"])
    book.close()
    return row


def run_case(case: str, path: str) -> dict:
    setup_django()
    if case == "import":
        as_worker()
    rows, extra = 0, {}
    with timer() as took:
        if case == "openpyxl":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True, data_only=True)
            rows = sum(1 for _values in book.worksheets[0].iter_rows(values_only=True)) - 1
            book.close()
        elif case == "calamine":
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_path(path)
            rows = sum(1 for _values in book.get_sheet_by_name(book.sheet_names[0]).iter_rows()) - 1
            book.close()
        else:
            extra = _import(path)
            rows = extra.pop("rows")
    from promo.services.imports import sandbox

    rss = peak_rss_mb()
    return {"rows": rows, "seconds": took["seconds"], "rss_mb": rss, "sandbox_mb": sandbox.peak_memory_kb / 1024,
            "total_mb": max(rss, sandbox.peak_with_parent_kb / 1024), **extra}


def as_worker() -> None:
    """Run the import as the Celery worker of production does: the e-mails it queues are handed
    to the broker (here kombu's in-memory transport) for another worker to send, not sent in
    this process as the test settings' eager tasks would; and the URLconf and the mail
    templates are loaded, as in a worker that has run before (a fresh process pays about 0.3 s
    for them once)."""
    from django.template.loader import get_template
    from django.urls import reverse

    from config.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    reverse("home")
    for name in ("digest", "base"):
        for suffix in ("txt", "html"):
            get_template(f"promo/email/{name}.{suffix}")


def _import(path: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from promo.services.imports.uploads import upload_create, upload_process

    marketer = get_user_model().objects.get(username="marketer")
    counter = QueryCounter()
    with connection.execute_wrapper(counter), open(path, "rb") as handle:
        upload = upload_create(actor=marketer, file=handle, original_name=Path(path).name)
        result = upload_process(upload=upload, actor=marketer)
    if not result.ok:
        raise SystemExit(f"import REJECTED: {result.errors[:3]}")
    return {"rows": result.rows, "lines": result.lines, "promos": result.promos, "queries": counter.count,
            "warnings": len(result.warnings)}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--case"]:
        print(json.dumps(run_case(argv[1], argv[2])))
        return 0
    setup_django()
    only = set(argv) or set(SIZES)
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        for size in SIZES:
            if size not in only:
                continue
            path = Path(folder) / f"bulk_{size.replace('/', '_')}.xlsx"
            with timer() as generated:
                rows = generate(path, size)
            print(f"{size}: {rows:,} rows, {path.stat().st_size / 1024 / 1024:.1f} MB, generated in "
                  f"{generated['seconds']:.1f} s", flush=True)
            results[size] = {}
            for case in ("import", "openpyxl", "calamine"):
                done = subprocess.run([sys.executable, __file__, "--case", case, str(path)],
                                      capture_output=True, text=True)
                if done.returncode != 0:
                    print(done.stdout[-2000:], done.stderr[-3000:], file=sys.stderr)
                    return 1
                results[size][case] = json.loads(done.stdout.strip().splitlines()[-1])
            imported = results[size]["import"]
            print(f"  imported {imported['lines']:,} lines in {imported['promos']:,} promos, "
                  f"{imported['warnings']} warnings, {imported['queries']} SQL statements", flush=True)
    print()
    print(f"{'size':<12}{'import s':>10}{'openpyxl s':>12}{'calamine s':>12}{'/openpyxl':>11}{'/calamine':>11}"
          f"{'RSS MB':>9}{'sandbox':>9}{'total':>8}")
    met = True
    for size, cases in results.items():
        imported, openpyxl, calamine = cases["import"], cases["openpyxl"], cases["calamine"]
        to_openpyxl = imported["seconds"] / openpyxl["seconds"]
        to_calamine = imported["seconds"] / calamine["seconds"]
        total = imported["total_mb"]
        met = met and to_calamine <= TARGET_CALAMINE_RATIO and total < TARGET_RSS_MB
        print(f"{size:<12}{imported['seconds']:>10.2f}{openpyxl['seconds']:>12.2f}{calamine['seconds']:>12.2f}"
              f"{to_openpyxl:>11.2f}{to_calamine:>11.2f}{imported['rss_mb']:>9.0f}{imported['sandbox_mb']:>9.0f}"
              f"{total:>8.0f}")
    print(f"  (bare reads' own peak RSS: openpyxl {max(c['openpyxl']['rss_mb'] for c in results.values()):.0f} MB,"
          f" calamine {max(c['calamine']['rss_mb'] for c in results.values()):.0f} MB)")
    print(f"  targets: import <= {TARGET_CALAMINE_RATIO:.0f}x calamine at every size, peak RSS (process + sandbox)"
          f" < {TARGET_RSS_MB} MB: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
