"""Export benchmark: the night with the export ledger at 1,000 and at 3,000 promos, next to a bare
``csv.writer`` writing as many rows, in the same run.

Two nights of about 3 million branch × product records each (``rows``):

- 1,000 promos × 10 lines (400 percent, 300 fixed price, 300 N+M), all on the whole chain (~296
  open branches): one SAP coverage for every plant;
- 3,000 promos × 10 lines (1,200 / 900 / 900), each on a window of 99 branches that starts at a
  different branch (296 distinct targetings, almost every plant covered by a different set of
  promos), in three consecutive periods per article: the same number of records, three times the
  promos. The SAP condition writer's time per record must not grow with the promos.

For each size, each in a fresh process so its peak RSS is its own:

- ``night 1``: the whole ``export_run`` on an empty ledger (every record added, ledger written);
- then a tenth of the promos is re-targeted, a twentieth cancelled, a twentieth loses a line;
- one case per writer: ledger comparison (``ledger.plan`` + ``settle``) + that writer into a temp
  file, against the ledger of night 1 (deletions included), rows/s against csv-bare;
- ``night 2``: the whole ``export_run`` again (comparison, deletions, ledger stored);
- ``csv-bare``: ``csv.writer`` writing N rows of 17 columns (the yardstick, N = the largest case),
  right after that size's writers, so each size is compared with a baseline of the same moment.

The writer cases are each run twice, the SAP condition writer and csv-bare three times, and the
fastest run is shown (a shared machine and the first write after a night of gigabytes add waits
that say nothing about the code); peak RSS is the highest of the runs.

Targets (issue 10): every writer within 3× of csv-bare per record, ledger comparison included; the
SAP condition writer's time per record against csv.writer at 3,000 promos within 1.3× of the one at
1,000; peak RSS under 300 MB in every case. ``python bench/bench_exports.py``; run by ``make bench``
(bench/run.py has migrated and seeded the throwaway database).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import peak_rss_mb, setup_django, timer  # noqa: E402

NIGHT = date(2027, 3, 1)
LINES_PER_PROMO = 10
SIZES = (1000, 3000)
WINDOW = 99  # branches per promo at 3,000 promos
MARK = "bench-exports"
WRITER_CASES = ("sap_cond", "sap_bonusbuy", "smarket", "setretail")
TARGET_RATIO, TARGET_SAP_GROWTH, TARGET_RSS_MB = 3.0, 1.3, 300.0


def _periods(rounds: int) -> list[tuple[date, date]]:
    """Consecutive periods inside the 30-day horizon: one per round of promos on an article."""
    if rounds == 1:
        return [(date(2027, 3, 5), date(2027, 3, 18))]
    return [(date(2027, 3, 2) + timedelta(days=8 * index), date(2027, 3, 9) + timedelta(days=8 * index))
            for index in range(rounds)]


def build_night(size: int) -> int:
    """``size`` approved promos × 10 lines with their frozen revision in force (bulk_create; the
    export reads only the revision). Promos of the other size are taken out of the night."""
    from branches.models import Branch
    from promo.models import Promo, PromoLine, PromoRevision
    from suppliers.models import Product

    mark = f"{MARK}-{size}"
    Promo.objects.filter(name__startswith=MARK).exclude(name__startswith=mark).update(approved_revision=None)
    if Promo.objects.filter(name__startswith=mark).exists():
        return Promo.objects.filter(name__startswith=mark).count()
    products = list(Product.objects.select_related("supplier").order_by("supplier__code", "article")[:4000])
    branch_ids = list(Branch.objects.open_on(NIGHT).order_by("code").values_list("pk", flat=True))
    rounds = size // 1000
    periods = _periods(rounds)
    share = (4, 3, 3)  # tenths of percent, fixed price, N+M
    mechanics = ([Promo.Mechanic.PERCENT] * (size * share[0] // 10) + [Promo.Mechanic.FIXED_PRICE] * (size * share[1] // 10)
                 + [Promo.Mechanic.N_PLUS_M] * (size * share[2] // 10))
    promos, chunks = [], []
    counters = dict.fromkeys(Promo.Mechanic.values, 0)
    for index, mechanic in enumerate(mechanics):
        # Percent promos use products 0..3999, fixed-price and N+M promos 0..2999; an article's
        # promos of one mechanic come one after the other (a round each), so no SAP key has two
        # overlapping periods.
        number = counters[mechanic]
        counters[mechanic] += 1
        span = 400 if mechanic == Promo.Mechanic.PERCENT else 300
        first = (number % span) * LINES_PER_PROMO
        start, end = periods[number // span % len(periods)]
        chunk = products[first:first + LINES_PER_PROMO]
        chunks.append(chunk)
        if size == SIZES[0]:
            targeting = {"chain": True}
        else:
            offset = index * 7 % len(branch_ids)
            window = (branch_ids + branch_ids)[offset:offset + WINDOW]
            targeting = {"branches": sorted(window)}
        promos.append(Promo(name=f"{mark} {index:04d} «Скидки недели»", supplier=chunk[0].supplier,
                            mechanic=mechanic, start=start, end=end, targeting=targeting,
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
                                       start=promo.start, end=promo.end, targeting=promo.targeting, lines=frozen))
    PromoLine.objects.bulk_create(lines, batch_size=2000)
    PromoRevision.objects.bulk_create(revisions, batch_size=500)
    for promo, revision in zip(promos, revisions, strict=True):
        promo.approved_revision = revision
    Promo.objects.bulk_update(promos, ["approved_revision"], batch_size=500)
    return len(promos)


def change_night(size: int) -> dict:
    """Between the nights: a tenth of the promos loses a third of its branches, a twentieth is
    cancelled, a twentieth loses a line (new frozen revisions in force, as approval leaves them)."""
    from branches.models import Branch
    from promo.models import Promo, PromoRevision

    promos = list(Promo.objects.filter(name__startswith=f"{MARK}-{size}", approved_revision__isnull=False)
                  .select_related("approved_revision").order_by("pk"))
    branch_ids = list(Branch.objects.open_on(NIGHT).order_by("code").values_list("pk", flat=True))
    retargeted = cancelled = shortened = 0
    revisions = []
    for index, promo in enumerate(promos):
        revision = promo.approved_revision
        if index % 10 == 0:
            current = branch_ids if revision.targeting.get("chain") else revision.targeting["branches"]
            revision.targeting = {"branches": sorted(current[: len(current) * 2 // 3])}
            retargeted += 1
        elif index % 20 == 1:
            promo.status = Promo.Status.CANCELLED
            cancelled += 1
        elif index % 20 == 3:
            revision.lines = revision.lines[:-1]
            shortened += 1
        else:
            continue
        revisions.append(revision)
    PromoRevision.objects.bulk_update(revisions, ["targeting", "lines"], batch_size=500)
    Promo.objects.bulk_update([p for p in promos if p.status == Promo.Status.CANCELLED], ["status"], batch_size=500)
    return {"retargeted": retargeted, "cancelled": cancelled, "shortened": shortened}


def csv_bare(rows: int, folder: Path) -> dict:
    """A bare csv.writer writing ``rows`` rows like the S-Market file's (17 short columns)."""
    row = ["A", "P000123", "1", "bench-exports 0001 «Скидки недели»", "PCT", "101", "A100001", "4614155800444",
           "05.03.2027", "18.03.2027", "319,90", "15,00", "271,92", "", "", "5428352060", "50"]
    path = folder / "bare.csv"
    with timer() as took, open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        for _ in range(rows):
            writer.writerow(row)
    return {"records": rows, "rows": rows, "seconds": took["seconds"], "size": path.stat().st_size}


def writer_case(kind: str, folder: Path) -> dict:
    """Ledger comparison + one writer, against the ledger of night 1 (nothing stored)."""
    from exports import ledger
    from exports.selection import select
    from exports.writers import FileSink, writers_for

    with timer() as took_select:
        selection = select(business_date=NIGHT)
    writer = next(w for w in writers_for(("sap", "smarket", "setretail")) if w.kind == kind)
    result = writer.result("bench")
    sink = FileSink(folder, result.name)
    with timer() as took:
        with timer() as took_plan:
            plan = ledger.plan(writer, selection, NIGHT)
        night = plan.night()
        writer.write(night, sink, result)
        sink.close()
        with timer() as took_settle:
            plan.settle(result.refused)
    # The comparable figure: the branch × product records the file carries (a Set Retail action
    # and an SAP IDoc hold several).
    reach = sum(len(part.codes) * len(part.lines) for part in night.parts)
    return {"records": result.records, "rows": reach, "deletions": result.deletions, "seconds": took["seconds"],
            "ledger_seconds": took_plan["seconds"] + took_settle["seconds"], "select_seconds": took_select["seconds"],
            "size": sink.size, "errors": len(result.errors), "changes": plan.counts.as_dict()}


def night_case(folder: Path) -> dict:
    from exports.services import export_run

    with timer() as took:
        run = export_run(business_date=NIGHT, out_dir=folder)
    files = list(run.files.all())
    return {"status": run.status, "error": run.error, "seconds": took["seconds"],
            "records": sum(f.records for f in files), "deletions": sum(f.deletions for f in files),
            "size": sum(f.size for f in files)}


def child(case: str, folder: str) -> None:
    setup_django()
    folder = Path(folder)
    if case == "csv-bare":
        figures = csv_bare(int(sys.argv[4]), folder)
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


def spawn_best(case: str, folder: Path, *extra: str, repeat: int = 2) -> dict:
    """The fastest of ``repeat`` runs of a case (each in a fresh process)."""
    runs = [spawn(case, folder, *extra) for _ in range(repeat)]
    best = min(runs, key=lambda figures: figures["seconds"])
    best["peak_rss_mb"] = max(figures["peak_rss_mb"] for figures in runs)
    return best


def reset_ledger() -> None:
    from exports.models import ExportChange, ExportLedgerEntry, ExportLedgerHead

    ExportLedgerEntry.objects.all().delete()
    ExportLedgerHead.objects.all().delete()
    ExportChange.objects.all().delete()


HEADER = (f"{'case':<16}{'records':>11}{'rows':>11}{'deleted':>9}{'seconds':>9}{'ledger s':>9}{'rows/s':>12}"
          f"{'× bare':>8}{'MB out':>9}{'peak RSS':>10}")


def line(name: str, figures: dict, bare_rate: float | None) -> str:
    rows = figures.get("rows") or figures.get("records") or 0
    rate = rows / figures["seconds"] if figures["seconds"] else 0
    slower = f"{bare_rate / rate:>8.2f}" if bare_rate and rate else f"{'':>8}"
    return (f"{name:<16}{figures.get('records', 0):>11,}{rows:>11,}{figures.get('deletions', 0):>9,}"
            f"{figures['seconds']:>9.2f}{figures.get('ledger_seconds', 0):>9.2f}{rate:>12,.0f}{slower}"
            f"{figures['size'] / 1e6:>9.1f}{figures['peak_rss_mb']:>9.0f}M")


def main() -> int:
    setup_django()
    folder = Path(tempfile.mkdtemp(prefix="bench-exports-"))
    failures: list[str] = []
    results: dict[int, dict] = {}
    bare: dict[int, dict] = {}
    try:
        for size in SIZES:
            reset_ledger()
            with timer() as took:
                promos = build_night(size)
            print(f"\nnight {NIGHT:%d.%m.%Y}: {promos} approved promos × {LINES_PER_PROMO} lines "
                  f"({'whole chain' if size == SIZES[0] else f'{WINDOW} branches each, 3 periods per article'}; "
                  f"built in {took['seconds']:.1f} s)", flush=True)
            first = spawn("night", folder)
            changes = change_night(size)
            print(f"  between the nights: {changes}", flush=True)
            cases = {kind: spawn_best(kind, folder, repeat=3 if kind == "sap_cond" else 2) for kind in WRITER_CASES}
            # The yardstick right after the writers, so both see the same machine.
            bare[size] = spawn_best("csv-bare", folder, str(max(figures["rows"] for figures in cases.values())),
                                    repeat=3)
            second = spawn("night", folder)
            results[size] = {"night 1": first, "night 2": second, **cases}
        print(f"\n{HEADER}")
        slower_sap = {}
        for size in SIZES:
            bare_rate = bare[size]["rows"] / bare[size]["seconds"]
            print(f"-- {size:,} promos")
            print(line("  csv-bare", bare[size], bare_rate))
            for name, figures in results[size].items():
                is_writer = name in WRITER_CASES
                print(line(f"  {name}", figures, bare_rate if is_writer else None)
                      + (f"   (selection {figures['select_seconds']:.2f} s, errors {figures['errors']})" if is_writer
                         else f"   {figures['status']}"))
                if is_writer:
                    slower = bare_rate / (figures["rows"] / figures["seconds"])
                    if name == "sap_cond":
                        slower_sap[size] = slower
                    if slower > TARGET_RATIO:
                        failures.append(f"{size} promos, {name}: {slower:.2f}× slower than csv.writer per record "
                                        f"(target ≤ {TARGET_RATIO}×)")
                    if figures["errors"]:
                        failures.append(f"{size} promos, {name}: {figures['errors']} manifest errors")
                elif figures["status"] != "succeeded":
                    failures.append(f"{size} promos, {name} failed: {figures['error']}")
                if figures["peak_rss_mb"] > TARGET_RSS_MB:
                    failures.append(f"{size} promos, {name}: peak RSS {figures['peak_rss_mb']:.0f} MB "
                                    f"(target < {TARGET_RSS_MB:.0f} MB)")
        growth = slower_sap[SIZES[1]] / slower_sap[SIZES[0]]
        print(f"\nSAP condition writer per record against csv.writer: {slower_sap[SIZES[0]]:.2f}× at "
              f"{SIZES[0]:,} promos, {slower_sap[SIZES[1]]:.2f}× at {SIZES[1]:,}: grows {growth:.2f}×")
        if growth > TARGET_SAP_GROWTH:
            failures.append(f"SAP condition writer grows {growth:.2f}× per record (target ≤ {TARGET_SAP_GROWTH}×)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\ntargets: every writer ≤ {TARGET_RATIO}× csv.writer per record (ledger comparison included), SAP "
          f"condition writer linear in records, peak RSS < {TARGET_RSS_MB:.0f} MB: "
          + ("met" if not failures else "NOT met"))
    for failure in failures:
        print("  - " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        child(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(main())
