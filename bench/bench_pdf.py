"""Benchmark: price tags («Ценники») of one branch with 2,000 running promo lines.

Creates 40 approved promos of 50 lines each (the products of suppliers S001..S040, every
third one an N+M promo, the rest percent), all in force on the day and targeting the whole
chain, then renders the branch's A4 tag PDF through the same service the page and the
``price_tags`` command use, and prints the tag count, pages, pages/s, wall and CPU time (the
CPU time is the steadier figure on a busy machine), the SQL statements of reading the tags
and the peak RSS. The data is removed again afterwards.

    config/bin/with-postgres .venv/bin/python bench/run.py pdf
"""

from __future__ import annotations

import sys
import time
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import peak_rss_mb, setup_django, timer  # noqa: E402

PROMOS = 40
LINES_PER_PROMO = 50
DAY = date(2027, 3, 15)


def create_running_lines() -> list[int]:
    """40 approved promos × 50 lines in force on DAY for the whole chain; returns their ids."""
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
                start=date(2027, 3, 1), end=date(2027, 3, 31), targeting={"chain": True},
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


def main() -> int:
    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pypdf import PdfReader

    from branches.models import Branch
    from promo.models import Promo
    from promo.services.documents import price_tags_for, price_tags_pdf

    promo_ids = create_running_lines()
    try:
        branch = Branch.objects.open_on(DAY).order_by("code").first()
        with CaptureQueriesContext(connection) as queries:
            tags = price_tags_for(branch=branch, day=DAY)
        cpu_started = time.process_time()
        with timer() as wall:
            content = price_tags_pdf(branch=branch, day=DAY)
        cpu = time.process_time() - cpu_started
        pages = len(PdfReader(BytesIO(content)).pages)
        seconds = wall["seconds"]
        print(f"branch {branch.code}, {DAY:%d.%m.%Y}: {len(tags)} tags on {pages} A4 pages, "
              f"{len(content) / 1024 / 1024:.1f} MB PDF")
        print(f"wall time: {seconds:.1f} s, CPU {cpu:.1f} s (reading the tags: "
              f"{len(queries.captured_queries)} SQL statements)")
        print(f"pages/s: {pages / seconds:.2f}   tags/s: {len(tags) / seconds:.0f}")
        print(f"peak RSS: {peak_rss_mb():.0f} MB")
        ok = len(tags) >= PROMOS * LINES_PER_PROMO
        if not ok:
            print(f"!! expected {PROMOS * LINES_PER_PROMO} tags", file=sys.stderr)
        return 0 if ok else 1
    finally:
        Promo.objects.filter(pk__in=promo_ids).update(approved_revision=None)
        Promo.objects.filter(pk__in=promo_ids).delete()


if __name__ == "__main__":
    raise SystemExit(main())
