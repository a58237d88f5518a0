"""Reader benchmark: how fast and how lean is reading a 100,000-row marketer bulk sheet?

Generates the sheet (the 13 columns of the samples plus «Поставщик»; EANs as text, dates as
date cells, discounts as numbers) with openpyxl write-only into a temp dir, then reads it in a
fresh process per case, so each peak RSS is its own:

- openpyxl-bare:     openpyxl read-only, values_only, no processing (the issue's yardstick);
- calamine-bare:     python-calamine iter_rows, no processing;
- reader-openpyxl:   SheetReader on openpyxl (cells with number formats, blank-row logic);
- reader-calamine:   SheetReader on calamine (the survey of the package, then calamine in its
                     sandbox process, rows streamed back);
- reader+parse:      SheetReader on the configured engine plus every value parser per row;
- error-workbook:    the marked workbook for the same file with a problem on every 10th row
                     (issue 12 target: at most 2x openpyxl's bare read).

Peak RSS is the process's own plus, for the reader, its calamine sandbox. Needs no database.
``python bench/bench_reader.py [ROWS]``; run by ``make bench``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import peak_rss_mb, setup_django, timer  # noqa: E402

ROWS = 100_000
TARGET_ERROR_WORKBOOK = 2.0
CASES = ("openpyxl-bare", "calamine-bare", "reader-openpyxl", "reader-calamine", "reader+parse",
         "error-workbook")
HEADERS = (
    "Поставщик", "Название акции", "Артикул", "Штрихкод", "Наименование", "Механика", "Скидка, %",
    "Промо-цена", "Регулярная цена", "Начало", "Окончание", "Компенсация поставщика, %", "Филиалы",
    "Комментарий",
)


def _ean(n: int) -> str:
    from suppliers.validators import ean_check_digit

    body = f"460{n:09d}"
    return body + str(ean_check_digit(body))


def generate(path: Path, rows: int) -> None:
    """5,000 products of 100 suppliers in 20 weekly promos, like `make bench`'s import sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Акции")
    sheet.append(HEADERS)
    first_monday = date(2027, 1, 4)
    for index in range(rows):
        product, week = index % 5000, index // 5000
        start = first_monday + timedelta(weeks=week)
        fixed = product % 10 == 9
        regular = round(50 + product % 900 + 0.9, 2)
        ean = WriteOnlyCell(sheet, value=_ean(product))
        ean.number_format = "@"
        sheet.append([
            f"S{product // 50 + 1:03d}", f"Неделя {week + 1}", f"A{100001 + product}", ean,
            f"Товар {product + 1} «Бренд» 250 мл", "Цена" if fixed else "Скидка %",
            None if fixed else 5 + product % 30, round(regular * 0.8, 2) if fixed else None, regular,
            start, start + timedelta(days=6), 10, "Все", None,
        ])
    book.save(path)


def run_case(case: str, path: str, expected_rows: int) -> dict:
    setup_django()
    rows = 0
    with timer() as took:
        if case == "openpyxl-bare":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True, data_only=True)
            for _values in book.worksheets[0].iter_rows(values_only=True):
                rows += 1
            book.close()
            rows -= 1  # the header
        elif case == "calamine-bare":
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_path(path)
            for _values in book.get_sheet_by_name(book.sheet_names[0]).iter_rows():
                rows += 1
            book.close()
            rows -= 1
        elif case.startswith("reader-"):
            from promo.services.imports.reader import SheetReader

            with SheetReader(path, engine=case.removeprefix("reader-")) as reader:
                for _row in reader:
                    rows += 1
        elif case == "reader+parse":
            rows = _read_and_parse(path)
        else:
            rows = _error_workbook(path, expected_rows)
    from promo.services.imports import sandbox

    return {"case": case, "rows": rows, "seconds": took["seconds"], "peak_rss_mb": peak_rss_mb(),
            "sandbox_mb": sandbox.peak_memory_kb / 1024}


def _read_and_parse(path: str) -> int:
    from promo.services.imports import values as v
    from promo.services.imports.reader import SheetReader

    rows = 0
    with SheetReader(path) as reader:
        for row in reader:
            cells = row.cells
            v.parse_text(cells["supplier"])
            v.parse_text(cells["article"])
            v.parse_ean(cells["ean"])
            v.parse_mechanic(cells["mechanic"])
            v.parse_discount(cells["discount"], percent_format=row.percent_format.get("discount", False))
            v.parse_decimal(cells["promo_price"])
            v.parse_decimal(cells["regular_price"])
            v.parse_date(cells["start"])
            v.parse_date(cells["end"])
            v.parse_discount(cells["compensation"])
            rows += 1
    return rows


def _error_workbook(path: str, rows: int) -> int:
    from promo.services.imports.error_workbook import build_error_workbook
    from promo.services.imports.problems import Problem

    problems = [Problem("discount_out_of_range", row, "Скидка, %", {"value": 150, "min": 1, "max": 90})
                for row in range(2, rows + 2, 10)]
    content = build_error_workbook(source_path=path, problems=problems)
    assert len(content) > 0
    return rows


def main(argv: list[str]) -> int:
    if argv[:1] == ["--case"]:
        print(json.dumps(run_case(argv[1], argv[2], int(argv[3]))))
        return 0
    rows = int(argv[0]) if argv else ROWS
    setup_django()
    from django.conf import settings

    with tempfile.TemporaryDirectory(prefix="bench-reader-") as tmp:
        path = Path(tmp) / "bulk.xlsx"
        with timer() as took:
            generate(path, rows)
        print(f"generated {rows:,} rows x {len(HEADERS)} columns in {took['seconds']:.1f} s, "
              f"{path.stat().st_size / 1024 / 1024:.1f} MB; default engine: {settings.PROMO_IMPORT_ENGINE}")
        print(f"{'case':<18}{'rows':>10}{'seconds':>10}{'rows/s':>12}{'peak RSS, MB':>15}{'sandbox':>9}"
              f"{'vs openpyxl':>13}")
        bare = None
        for case in CASES:
            done = subprocess.run([sys.executable, __file__, "--case", case, str(path), str(rows)],
                                  capture_output=True, text=True, check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            bare = bare or result["seconds"]
            print(f"{case:<18}{result['rows']:>10,}{result['seconds']:>10.2f}"
                  f"{result['rows'] / result['seconds']:>12,.0f}{result['peak_rss_mb']:>15.0f}"
                  f"{result['sandbox_mb']:>9.0f}{result['seconds'] / bare:>13.2f}", flush=True)
            if result["rows"] != rows:
                print(f"  !! {case} read {result['rows']} rows, expected {rows}")
                return 1
        print(f"  target: error-workbook <= {TARGET_ERROR_WORKBOOK:.0f}x openpyxl-bare (the last column)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
