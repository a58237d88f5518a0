"""Benchmark: price tags («Ценники») of a branch with 500 and with 5,000 running promo lines.

Creates 100 approved promos of 50 lines each (the products of suppliers S001..S100, every third
one an N+M promo, the rest percent), all in force on the day: 10 of them for the whole chain and
90 for one branch only, so the first branch of the chain prints 500 tags and the big one 5,000.
Each case then runs in a process of its own (so its peak RSS is its own) through the services
the page, the worker and the ``price_tags`` command use:

- ``one-shot`` (the baseline, the rendering before issue 12): one weasyprint document for every
  tag of the branch, as ``price_tags_pdf`` does, at 500 tags;
- ``chunked``: ``price_tags_write``, chunks of PROMO_PRICE_TAGS_CHUNK_PAGES pages merged with
  pypdf into a temp file, what the page answers at once, at 500 tags;
- ``worker job``: ``price_tag_job_run``, what the Celery worker runs for a large branch (chunks,
  progress in the database, the PDF saved under MEDIA_ROOT), at 5,000 tags.

It prints, per case, tags, pages, wall and CPU time, pages per second of each with their ratio
to the baseline's (the CPU figures are the steadier ones on a busy machine), the SQL statements of reading the tags and the peak
RSS, then whether 5,000 tags stayed under the target of 300 MB. ``BENCH_PDF_ONESHOT_LARGE=1``
adds the one-shot rendering of the 5,000 tags (about 1.1 GB and several minutes). The data is
removed again afterwards.

    config/bin/with-postgres .venv/bin/python bench/run.py pdf
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import peak_rss_mb, setup_django, timer  # noqa: E402

PROMOS = 100
CHAIN_PROMOS = 10  # the rest target the big branch only
LINES_PER_PROMO = 50
SMALL_TAGS = CHAIN_PROMOS * LINES_PER_PROMO  # 500
LARGE_TAGS = PROMOS * LINES_PER_PROMO  # 5,000
TARGET_MB = 300
DAY = date(2027, 3, 15)


def create_running_lines(big_branch) -> list[int]:
    """100 approved promos × 50 lines in force on DAY; returns their ids."""
    from django.db import transaction

    from promo.models import Promo, PromoLine
    from promo.services.revisions import revision_record
    from suppliers.models import Product, Supplier

    ids = []
    with transaction.atomic():
        for index, supplier in enumerate(Supplier.objects.order_by("code")[:PROMOS]):
            nplusm = index % 3 == 2
            promo = Promo.objects.create(
                name=f"Бенчмарк {index + 1}", supplier=supplier,
                mechanic=Promo.Mechanic.N_PLUS_M if nplusm else Promo.Mechanic.PERCENT,
                start=date(2027, 3, 1), end=date(2027, 3, 31),
                targeting={"chain": True} if index < CHAIN_PROMOS else {"branches": [big_branch.pk]},
                status=Promo.Status.APPROVED,
            )
            products = Product.objects.filter(supplier=supplier).order_by("article")[:LINES_PER_PROMO]
            PromoLine.objects.bulk_create([
                PromoLine(promo=promo, product=product, regular_price=product.regular_price,
                          discount_percent=None if nplusm else Decimal(10 + 5 * (n % 4)),
                          n=2 if nplusm else None, m=1 if nplusm else None,
                          decision=PromoLine.Decision.ACCEPTED)
                for n, product in enumerate(products)
            ])
            promo.approved_revision = revision_record(promo=promo)
            promo.save(update_fields=["approved_revision"])
            ids.append(promo.pk)
    return ids


# --- one case, in a child process -------------------------------------------------------------


def run_case(case: str, branch_code: str) -> dict:
    """Render the tags of ``branch_code`` one way and return the figures (JSON on stdout)."""
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pypdf import PdfReader

    from branches.models import Branch
    from promo.services.documents import price_tags_for, price_tags_pdf, price_tags_write
    from promo.services.price_tags import price_tag_job_create, price_tag_job_run

    branch = Branch.objects.get(code=branch_code)
    with CaptureQueriesContext(connection) as queries:
        tags = price_tags_for(branch=branch, day=DAY)
    cpu_started = time.process_time()
    with tempfile.TemporaryDirectory() as folder, timer() as wall:
        path = Path(folder) / "tags.pdf"
        if case == "one-shot":
            path.write_bytes(price_tags_pdf(branch=branch, day=DAY, tags=tags))
        elif case == "chunked":
            with path.open("wb") as out:
                price_tags_write(branch=branch, day=DAY, tags=tags, out=out)
        else:  # the worker's job, on the data as the worker reads it
            marketer = get_user_model().objects.get(username="marketer")
            job = price_tag_job_create(actor=marketer, branch=branch, day=DAY, tags_total=len(tags))
            price_tag_job_run(job)
            job.refresh_from_db()
            if job.status != job.Status.SUCCEEDED:
                raise SystemExit(f"the job ended {job.status}: {job.failure}")
            with job.file.open("rb") as stored:
                path.write_bytes(stored.read())
            job.file.delete(save=False)
            job.delete()
        cpu = time.process_time() - cpu_started
        pages = len(PdfReader(path).pages)
        size = path.stat().st_size
    return {"case": case, "tags": len(tags), "pages": pages, "seconds": wall["seconds"], "cpu": cpu,
            "queries": len(queries.captured_queries), "rss": peak_rss_mb(), "mb": size / 1024 / 1024}


def child(case: str, branch_code: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--case", case, branch_code],
                            capture_output=True, text=True, env=os.environ)
    if result.returncode != 0:
        raise RuntimeError(f"{case} on {branch_code} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the run ---------------------------------------------------------------------------------------


def main() -> int:
    setup_django()
    from django.conf import settings

    from branches.models import Branch
    from promo.models import Promo

    open_branches = Branch.objects.open_on(DAY).order_by("code")
    small, big = open_branches[0], open_branches.reverse()[0]
    promo_ids = create_running_lines(big)
    try:
        cases = [("one-shot", small), ("chunked", small), ("worker job", big)]
        if os.environ.get("BENCH_PDF_ONESHOT_LARGE") == "1":
            cases.append(("one-shot", big))
        print(f"{DAY:%d.%m.%Y}: {small.code} has {SMALL_TAGS} tags, {big.code} {LARGE_TAGS}; chunks of "
              f"{settings.PROMO_PRICE_TAGS_CHUNK_PAGES} pages", flush=True)
        print(f"{'case':<12} {'tags':>6} {'pages':>6} {'wall s':>7} {'CPU s':>6} {'pages/s':>8} "
              f"{'x base':>7} {'pages/CPU s':>12} {'x base':>7} {'SQL':>4} {'peak RSS MB':>12} {'PDF MB':>7}",
              flush=True)
        results = []
        for case, branch in cases:
            row = child(case, branch.code)
            results.append(row)
            base, base_cpu = (results[0]["pages"] / results[0][key] for key in ("seconds", "cpu"))
            speed, speed_cpu = (row["pages"] / row[key] for key in ("seconds", "cpu"))
            print(f"{row['case']:<12} {row['tags']:>6} {row['pages']:>6} {row['seconds']:>7.1f} "
                  f"{row['cpu']:>6.1f} {speed:>8.2f} {speed / base:>7.2f} {speed_cpu:>12.2f} "
                  f"{speed_cpu / base_cpu:>7.2f} {row['queries']:>4} {row['rss']:>12.0f} {row['mb']:>7.2f}",
                  flush=True)
        oneshot, chunked, job = results[:3]
        ok = (oneshot["tags"], chunked["tags"], job["tags"]) == (SMALL_TAGS, SMALL_TAGS, LARGE_TAGS)
        ok = ok and oneshot["pages"] == chunked["pages"]
        verdict = "met" if job["rss"] < TARGET_MB else "NOT met"
        print(f"target: {LARGE_TAGS} tags under {TARGET_MB} MB peak RSS: {verdict} ({job['rss']:.0f} MB; "
              f"the one-shot rendering of {SMALL_TAGS} took {oneshot['rss']:.0f} MB)")
        if not ok:
            print("!! unexpected tag or page counts", file=sys.stderr)
        return 0 if ok and job["rss"] < TARGET_MB else 1
    finally:
        Promo.objects.filter(pk__in=promo_ids).update(approved_revision=None)
        Promo.objects.filter(pk__in=promo_ids).delete()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--case"]:
        print(json.dumps(run_case(sys.argv[2], sys.argv[3])))
        raise SystemExit(0)
    raise SystemExit(main())
