"""Export benchmark: one night with 10,000 approved promo lines on every open branch (~296), about
3 million branch × product records, against a bare ``csv.writer`` writing as many rows.

Builds the night with bulk_create (1,000 promos of 10 lines: 400 percent, 300 fixed price,
300 N+M, all on the whole chain), then runs, each in a fresh process so its peak RSS is its own:

- csv-bare:      ``csv.writer`` writing N rows of 17 columns (the yardstick, N = the largest file);
- one case per writer (selection + that writer into a temp file), records/s against csv-bare;
- night:         the whole ``export_run`` (selection, the four files, manifest, database rows).

Targets (issue 5): every writer within 3× of csv-bare rows/s, the night under 60 s on one core,
peak RSS under 300 MB. ``python bench/bench_exports.py``; run by ``make bench`` (bench/run.py
has migrated and seeded the throwaway database).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import peak_rss_mb, setup_django, timer  # noqa: E402

NIGHT = date(2027, 3, 1)
START, END = date(2027, 3, 5), date(2027, 3, 18)
PROMOS, LINES_PER_PROMO = 1000, 10
MARK = "bench-exports"
WRITER_CASES = ("sap_cond", "sap_bonusbuy", "smarket", "setretail")
TARGET_RATIO, TARGET_NIGHT_S, TARGET_RSS_MB = 3.0, 60.0, 300.0


def build_night() -> int:
    """1,000 approved promos × 10 lines on the whole chain, each with its frozen revision in
    force (bulk_create; the export reads only the revision). Idempotent."""
    from promo.models import Promo, PromoLine, PromoRevision
    from suppliers.models import Product

    if Promo.objects.filter(name__startswith=MARK).exists():
        return Promo.objects.filter(name__startswith=MARK).count()
    products = list(Product.objects.select_related("supplier").order_by("supplier__code", "article")[:4000])
    mechanics = ([Promo.Mechanic.PERCENT] * 400 + [Promo.Mechanic.FIXED_PRICE] * 300
                 + [Promo.Mechanic.N_PLUS_M] * 300)
    promos, chunks = [], []
    for index, mechanic in enumerate(mechanics):
        # Percent promos use products 0..3999; fixed-price and N+M promos products 0..2999 each,
        # so no article has two overlapping periods under one SAP condition type.
        first = (index * LINES_PER_PROMO) if index < 400 else ((index - 400) % 300) * LINES_PER_PROMO
        chunk = products[first:first + LINES_PER_PROMO]
        chunks.append(chunk)
        promos.append(Promo(name=f"{MARK} {index:04d} «Скидки недели»", supplier=chunk[0].supplier,
                            mechanic=mechanic, start=START, end=END, targeting={"chain": True},
                            status=Promo.Status.APPROVED))
    Promo.objects.bulk_create(promos, batch_size=500)
    lines, revisions = [], []
    for promo, chunk in zip(promos, chunks, strict=True):
        frozen = []
        for product in chunk:
            terms = {
                Promo.Mechanic.PERCENT: {"discount_percent": Decimal(5 + product.pk % 40)},
                Promo.Mechanic.FIXED_PRICE: {"promo_price": (product.regular_price * Decimal("0.8")).quantize(
                    Decimal("0.01"))},
                Promo.Mechanic.N_PLUS_M: {"n": 2, "m": 1},
            }[promo.mechanic]
            lines.append(PromoLine(promo=promo, product=product, regular_price=product.regular_price,
                                   compensation_percent=Decimal(50), decision=PromoLine.Decision.ACCEPTED, **terms))
            frozen.append({
                "product_id": product.pk, "article": product.article, "ean": product.ean, "name": product.name,
                "discount_percent": str(terms.get("discount_percent") or "") or None,
                "promo_price": str(terms.get("promo_price") or "") or None, "n": terms.get("n"),
                "m": terms.get("m"), "regular_price": str(product.regular_price), "compensation_percent": "50",
                "comment": "", "decision": "accepted", "decision_reason": "",
            })
        revisions.append(PromoRevision(promo=promo, number=1, name=promo.name, mechanic=promo.mechanic,
                                       start=START, end=END, targeting=promo.targeting, lines=frozen))
    PromoLine.objects.bulk_create(lines, batch_size=2000)
    PromoRevision.objects.bulk_create(revisions, batch_size=500)
    for promo, revision in zip(promos, revisions, strict=True):
        promo.approved_revision = revision
    Promo.objects.bulk_update(promos, ["approved_revision"], batch_size=500)
    return len(promos)


def csv_bare(rows: int, folder: Path) -> dict:
    """A bare csv.writer writing ``rows`` rows like the S-Market file's (17 short columns)."""
    row = ["A", "P000123", "1", "bench-exports 0001 «Скидки недели»", "PCT", "101", "A100001", "4614155800444",
           "05.03.2027", "18.03.2027", "319,90", "15,00", "271,92", "", "", "5428352060", "50"]
    path = folder / "bare.csv"
    with timer() as took, open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        for _ in range(rows):
            writer.writerow(row)
    return {"records": rows, "seconds": took["seconds"], "size": path.stat().st_size}


def writer_case(kind: str, folder: Path) -> dict:
    from exports.selection import select
    from exports.writers import FileSink, writers_for

    with timer() as took_select:
        selection = select(business_date=NIGHT)
    writer = next(w for w in writers_for(("sap", "smarket", "setretail")) if w.kind == kind)
    result = writer.result("bench")
    sink = FileSink(folder, result.name)
    with timer() as took:
        writer.write(selection, sink, result)
        sink.close()
    # Set Retail holds one record per promo; its branch × product reach is the comparable figure.
    reach = sum(len(p.lines) * len(p.branches) for p in selection.promos) if kind == "setretail" else result.records
    return {"records": result.records, "rows": reach, "seconds": took["seconds"],
            "select_seconds": took_select["seconds"], "size": sink.size, "errors": len(result.errors),
            "warnings": len(result.warnings)}


def night_case(folder: Path) -> dict:
    from exports.services import export_run

    with timer() as took:
        run = export_run(business_date=NIGHT, out_dir=folder)
    return {"status": run.status, "error": run.error, "seconds": took["seconds"],
            "records": sum(f.records for f in run.files.all()),
            "size": sum(f.size for f in run.files.all())}


def child(case: str, folder: str) -> None:
    setup_django()
    folder = Path(folder)
    if case == "csv-bare":
        rows = int(sys.argv[4])
        figures = csv_bare(rows, folder)
    elif case == "night":
        figures = night_case(folder)
    else:
        figures = writer_case(case, folder)
    figures["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(figures))


def spawn(case: str, folder: Path, *extra: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--case", case, str(folder), *extra],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"case {case} failed:\n{result.stderr[-3000:]}")
    for path in folder.iterdir():  # gigabytes of output: keep the disk free between cases
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    setup_django()
    with timer() as took:
        promos = build_night()
    print(f"night {NIGHT:%d.%m.%Y}: {promos} approved promos × {LINES_PER_PROMO} lines on the whole chain "
          f"(built in {took['seconds']:.1f} s)", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-exports-"))
    failures = []
    try:
        cases = {kind: spawn(kind, folder) for kind in WRITER_CASES}
        largest = max(figures["rows"] for figures in cases.values())
        bare = spawn("csv-bare", folder, str(largest))
        bare_rate = bare["records"] / bare["seconds"]
        print(f"\n{'case':<14}{'records':>11}{'rows':>11}{'seconds':>9}{'rows/s':>12}{'× bare':>8}"
              f"{'MB out':>9}{'peak RSS':>10}")
        print(f"{'csv-bare':<14}{bare['records']:>11,}{bare['records']:>11,}{bare['seconds']:>9.2f}"
              f"{bare_rate:>12,.0f}{1:>8.2f}{bare['size'] / 1e6:>9.1f}{bare['peak_rss_mb']:>9.0f}M")
        for kind, figures in cases.items():
            rate = figures["rows"] / figures["seconds"]
            slower = bare_rate / rate
            print(f"{kind:<14}{figures['records']:>11,}{figures['rows']:>11,}{figures['seconds']:>9.2f}"
                  f"{rate:>12,.0f}{slower:>8.2f}{figures['size'] / 1e6:>9.1f}{figures['peak_rss_mb']:>9.0f}M"
                  f"   (selection {figures['select_seconds']:.2f} s, errors {figures['errors']})")
            if slower > TARGET_RATIO:
                failures.append(f"{kind}: {slower:.2f}× slower than csv.writer (target ≤ {TARGET_RATIO}×)")
            if figures["peak_rss_mb"] > TARGET_RSS_MB:
                failures.append(f"{kind}: peak RSS {figures['peak_rss_mb']:.0f} MB (target < {TARGET_RSS_MB} MB)")
        night = spawn("night", folder)
        print(f"{'night':<14}{night['records']:>11,}{'':>11}{night['seconds']:>9.2f}{'':>12}{'':>8}"
              f"{night['size'] / 1e6:>9.1f}{night['peak_rss_mb']:>9.0f}M   status {night['status']}")
        if night["status"] != "succeeded":
            failures.append(f"night failed: {night['error']}")
        if night["seconds"] > TARGET_NIGHT_S:
            failures.append(f"night took {night['seconds']:.1f} s (target < {TARGET_NIGHT_S} s)")
        if night["peak_rss_mb"] > TARGET_RSS_MB:
            failures.append(f"night peak RSS {night['peak_rss_mb']:.0f} MB (target < {TARGET_RSS_MB} MB)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("\ntargets: every writer ≤ 3× csv.writer, night < 60 s, peak RSS < 300 MB: "
          + ("met" if not failures else "NOT met"))
    for failure in failures:
        print("  - " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        child(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(main())
