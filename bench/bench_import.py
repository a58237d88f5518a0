"""Benchmark: the end-to-end import of a 100,000-line marketer bulk sheet.

Generates the sheet (every demo product in 20 consecutive weekly promos, «Поставщик» column
filled with the supplier's code or INN), imports it through the same service the page, the API
and the command use (read, validate, dedup, save with history, in PostgreSQL), then reads the
same file with openpyxl alone (read-only, values only) in the same run, and prints rows/s, wall
time, peak RSS, the number of SQL statements and the ratio import / bare openpyxl read.

Targets (issue 3): ratio <= 1.0, peak RSS < 500 MB, no SQL statement per row.

    config/bin/with-postgres .venv/bin/python bench/run.py import
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import peak_rss_mb, setup_django, timer  # noqa: E402

WEEKS = 20
TARGET_RATIO = 1.0
TARGET_RSS_MB = 500


def generate(path: Path, *, first_start) -> int:
    """Write the bulk sheet with openpyxl's write-only mode; returns the number of data rows."""
    from openpyxl import Workbook

    from suppliers.models import Product

    products = list(
        Product.objects.order_by("article").values_list(
            "article", "ean", "name", "regular_price", "supplier__code", "supplier__inn",
        )
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Акции")
    sheet.append(["Поставщик", "Название акции", "Артикул", "Штрихкод", "Наименование", "Механика",
                  "Скидка, %", "Промо-цена", "Регулярная цена", "Начало", "Окончание",
                  "Компенсация поставщика, %", "Филиалы", "Комментарий"])
    rows = 0
    for week in range(WEEKS):
        start = first_start + timedelta(days=7 * week)
        end = start + timedelta(days=6)
        for index, (article, ean, name, regular, code, inn) in enumerate(products):
            supplier = code if index % 2 else inn  # both spellings the contract allows
            sheet.append([supplier, f"Неделя {week + 1}", article, ean, name, "Скидка %",
                          10 + 5 * (week % 5), None, float(regular), start, end, 10, "Все", None])
            rows += 1
    book.save(path)
    return rows


def openpyxl_read(path: Path) -> int:
    """What openpyxl alone needs to read the sheet: read-only, values only."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    count = 0
    for _row in book.worksheets[0].iter_rows(values_only=True):
        count += 1
    book.close()
    return count


class QueryCounter:
    """Counts SQL statements without keeping them (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def main() -> int:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from promo.models import Promo, PromoLine, PromoRevision
    from promo.services.imports.uploads import upload_create, upload_process

    today = timezone.localdate()
    first_start = today + timedelta(days=21 + (7 - today.weekday()) % 7)  # a Monday, past the lead time
    marketer = get_user_model().objects.get(username="marketer")

    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        path = Path(folder) / "bulk_100k.xlsx"
        with timer() as generated:
            rows = generate(path, first_start=first_start)
        size_mb = path.stat().st_size / 1024 / 1024
        print(f"sheet: {rows} rows, {size_mb:.1f} MB, generated in {generated['seconds']:.1f} s", flush=True)

        counter = QueryCounter()
        with timer() as imported, connection.execute_wrapper(counter):
            with path.open("rb") as handle:
                upload = upload_create(actor=marketer, file=handle, original_name=path.name)
            result = upload_process(upload=upload, actor=marketer)
        rss = peak_rss_mb()
        if not result.ok:
            print("import REJECTED:", result.errors[:5], flush=True)
            return 1
        print(f"import: {result.rows} rows -> {result.lines} lines in {result.promos} promos; "
              f"{len(result.warnings)} warnings", flush=True)
        print(f"saved: {Promo.objects.count()} promos, {PromoLine.objects.count()} lines, "
              f"{PromoLine.history.count()} line history rows, {PromoRevision.objects.count()} revisions")

        with timer() as bare:
            read_rows = openpyxl_read(path)

    ratio = imported["seconds"] / bare["seconds"]
    print()
    print(f"  end-to-end import   {imported['seconds']:8.2f} s   {rows / imported['seconds']:10,.0f} rows/s")
    print(f"  openpyxl bare read  {bare['seconds']:8.2f} s   {read_rows / bare['seconds']:10,.0f} rows/s")
    print(f"  ratio import/read   {ratio:8.2f}     (target <= {TARGET_RATIO})")
    print(f"  peak RSS            {rss:8.0f} MB  (target < {TARGET_RSS_MB} MB)")
    print(f"  SQL statements      {counter.count:8d}     ({counter.count / rows:.4f} per row; plus one COPY per table)")
    met = ratio <= TARGET_RATIO and rss < TARGET_RSS_MB and counter.count < rows / 20
    print(f"  targets met: {'yes' if met else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
