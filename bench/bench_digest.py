"""Benchmark: the digest e-mail of a bulk import and of a mass correction, at 2,000 and 10,000 promos.

For each size it creates the promos (one line each, supplier S001) in a transaction that is rolled
back afterwards, then times recording the digest event (:func:`promo.services.events.event_record`:
recipients, one digest per language, the outbox rows; nothing is sent), with two readers, one
Russian and one English. In the same run it times a floor: loading the same promos and writing
one line of text per promo, the least any digest has to do. Each figure is the best of three.

Printed per size: seconds, milliseconds per promo, SQL statements; then the ratio of the time per
promo at 10,000 to that at 2,000 (linear ≈ 1.0; the old quadratic digest was ≈ 5) for the digest
and for the floor, and the digest / floor ratio at each size.

    config/bin/with-postgres .venv/bin/python bench/run.py digest
"""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import QueryCounter, setup_django, timer  # noqa: E402

SIZES = (2_000, 10_000)
REPEATS = 3
TARGET_SCALING = 1.3  # per-promo time at 10,000 / at 2,000: linear is about 1.0


class Rollback(Exception):
    pass


def make_promos(count: int):
    from promo.models import Promo, PromoLine
    from suppliers.models import Product, Supplier

    supplier = Supplier.objects.get(code="S001")
    products = list(Product.objects.filter(supplier=supplier).order_by("article")[:10])
    promos = Promo.objects.bulk_create([
        Promo(supplier=supplier, name=f"Неделя {index + 1}", mechanic=Promo.Mechanic.PERCENT,
              start=date(2027, 3, 1), end=date(2027, 3, 7), targeting={"chain": True})
        for index in range(count)
    ], batch_size=2000)
    PromoLine.objects.bulk_create([
        PromoLine(promo=promo, product=products[index % len(products)], discount_percent=Decimal("15.00"),
                  regular_price=products[index % len(products)].regular_price)
        for index, promo in enumerate(promos)
    ], batch_size=2000)
    return supplier, promos, products


def readers():
    """Readers besides the demo ones: an English-speaking marketer."""
    from django.contrib.auth import get_user_model

    from promo.models import NotificationSettings
    from suppliers.roles import Role, ensure_role_groups

    english = get_user_model().objects.create_user("bench-en-marketer", email="bench-en@example.com")
    ensure_role_groups()[Role.MARKETER].user_set.add(english)
    NotificationSettings.objects.create(user=english, language="en")


def run(kind: str, count: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.urls import reverse

    from promo.models import OutboxMessage, Promo, PromoEvent, PromoUpload
    from promo.services.events import event_record

    figures: dict = {}
    try:
        with transaction.atomic():
            supplier, promos, products = make_promos(count)
            readers()
            users = get_user_model().objects
            ids = [promo.pk for promo in promos]
            if kind == PromoEvent.Kind.UPLOAD_IMPORTED:
                actor = users.get(username="s001")
                upload = PromoUpload.objects.create(
                    file="bench.xlsx", original_name="bench.xlsx", sha256="0" * 64, size=1,
                    uploaded_by=actor, supplier=supplier, status=PromoUpload.Status.IMPORTED)
                arguments = {"upload": upload, "payload": {"promos": ids, "rows": count, "lines": count}}
            else:
                actor = users.get(username="admin")
                items = [{"promo_id": pk, "code": f"P{pk:06d}", "changes": [
                    {"field": "start", "old": "2027-03-01", "new": "2027-03-08"},
                    {"field": "end", "old": "2027-03-07", "new": "2027-03-14"},
                    {"field": "discount_percent", "article": products[index % len(products)].article,
                     "old": "15.00", "new": "20.00"},
                ]} for index, pk in enumerate(ids)]
                arguments = {"reason": "Сдвиг сезона", "payload": {"promos": items, "count": count}}

            # Best of REPEATS (the machine is shared): each round records a new event.
            figures["digest"] = figures["floor"] = float("inf")
            for _round in range(REPEATS):
                counter = QueryCounter()
                with timer() as digest, connection.execute_wrapper(counter):
                    event = event_record(kind=kind, actor=actor, **arguments)
                figures["digest"] = min(figures["digest"], digest["seconds"])
                figures["queries"] = counter.count

                # The floor: load the same promos and write one line of text each.
                with timer() as floor:
                    lines = [
                        f"{p.code} «{p.name}» · {p.supplier} · {p.start:%d.%m.%Y} – {p.end:%d.%m.%Y} · "
                        f"{p.get_status_display()} {reverse('promo:promo_detail', args=[p.pk])}"
                        for p in Promo.objects.filter(pk__in=ids).select_related("supplier").order_by("pk")
                    ]
                figures["floor"] = min(figures["floor"], floor["seconds"])
                assert len(lines) == count
            messages = list(OutboxMessage.objects.filter(event=event))
            figures["messages"] = len(messages)
            figures["chars"] = max(len(m.body_text) + len(m.body_html) for m in messages)
            raise Rollback
    except Rollback:
        pass
    return figures


def main() -> int:
    setup_django()
    from promo.models import PromoEvent

    met = True
    for kind in (PromoEvent.Kind.UPLOAD_IMPORTED, PromoEvent.Kind.MASS_CORRECTED):
        run(kind, 50)  # warm up: templates compiled, content types cached (not printed)
        results = {count: run(kind, count) for count in SIZES}
        print(f"\n{kind} digest (two readers, ru + en):")
        print(f"  {'promos':>7}  {'digest s':>9}  {'ms/promo':>8}  {'floor s':>8}  {'ms/promo':>8}  "
              f"{'digest/floor':>12}  {'SQL':>4}  {'mails':>5}  {'largest mail':>14}")
        for count, r in results.items():
            print(f"  {count:>7,}  {r['digest']:>9.2f}  {1000 * r['digest'] / count:>8.3f}  {r['floor']:>8.2f}  "
                  f"{1000 * r['floor'] / count:>8.3f}  {r['digest'] / r['floor']:>12.1f}  {r['queries']:>4}  "
                  f"{r['messages']:>5}  {r['chars'] / 1000:>6,.0f} k chars")
        small, large = (results[size] for size in SIZES)

        def per_promo(r: dict, key: str, count: int) -> float:
            return r[key] / count

        scaling = per_promo(large, "digest", SIZES[1]) / per_promo(small, "digest", SIZES[0])
        floor_scaling = per_promo(large, "floor", SIZES[1]) / per_promo(small, "floor", SIZES[0])
        print(f"  time per promo, {SIZES[1]:,} vs {SIZES[0]:,}: digest {scaling:.2f}, floor {floor_scaling:.2f} "
              f"(linear ≈ 1.0; target <= {TARGET_SCALING})")
        print(f"  SQL statements: {small['queries']} and {large['queries']} (do not grow with the promos)")
        met = met and scaling <= TARGET_SCALING and small["queries"] == large["queries"]
    print(f"\n  targets met: {'yes' if met else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
