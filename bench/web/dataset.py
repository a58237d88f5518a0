"""The data set of `make bench-web`: about a year of a 300-store chain, on top of the demo
reference set (seed_demo): 10,000 promos with 100,000 lines by default.

A realistic spread: start dates over the nine months before the build day and the three after
it; statuses along the workflow (past promos mostly approved, some rejected, withdrawn,
cancelled; upcoming ones submitted — the managers' queues —, approved or still drafts); per-line
decisions by the category managers; the frozen revisions (some promos have a second one with a
diff); the events of each step, comments, and the uploads that created the promos; simple_history
rows for promos and lines. Suppliers differ in size (a few have many promos), three big
suppliers get 400 more products each, and three promos have 300 lines (the big promo page).

Everything is written with bulk inserts (a few minutes at full size); it is deterministic for a
given size, build day and GENERATOR_VERSION. Bump GENERATOR_VERSION whenever the output
changes: the cached dump (bench/web/__main__.py) is keyed by it.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

GENERATOR_VERSION = 1
BIG_PROMO_LINES = 300
BIG_SUPPLIER_PRODUCTS = 400
MARK = "bench-web"


@dataclass(frozen=True)
class Size:
    promos: int = 10_000
    lines: int = 100_000

    @property
    def big_promos(self) -> int:
        return 3 if self.promos >= 1000 else 1


def _ean13(number: int) -> str:
    body = f"29{number:010d}"  # 2x: in-store numbering, never a real product's code
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


@contextmanager
def _own_timestamps(*models):
    """Let bulk_create write created_at / updated_at as given (a year of history), not now."""
    saved = []
    for model in models:
        for name in ("created_at", "updated_at"):
            try:
                field = model._meta.get_field(name)
            except Exception:  # noqa: BLE001 - the model has no such field
                continue
            saved.append((field, field.auto_now, field.auto_now_add))
            field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _plain(value):
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal(1))) if value == value.to_integral() else str(value)
    return value


def build(size: Size = Size(), *, today: date | None = None, seed: int = 12) -> dict:
    """Write the data set into the current database (migrated, demo reference set and users
    loaded). Returns counts."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone
    from simple_history.utils import bulk_create_with_history

    from promo.models import Promo, PromoComment, PromoEvent, PromoLine, PromoRevision, PromoUpload
    from suppliers.models import Category, Product, Supplier

    rng = random.Random(seed)
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    User = get_user_model()
    Status, Decision, Kind = Promo.Status, PromoLine.Decision, PromoEvent.Kind

    def moment(day: date, hour: int = 10) -> datetime:
        return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=tz)

    suppliers = list(Supplier.objects.order_by("code"))
    categories = list(Category.objects.order_by("code"))
    users = {u.username: u for u in User.objects.all()}
    supplier_user = {}
    for username, user in users.items():
        if username.startswith("s") and username[1:].isdigit():
            supplier_user[f"S{username[1:]}"] = user
    managers = [users[f"manager{i}"] for i in (1, 2, 3)]
    third = -(-len(categories) // 3)
    manager_of = {c.pk: managers[i // third] for i, c in enumerate(categories)}
    marketer = users["marketer"]

    with transaction.atomic(), _own_timestamps(Promo, PromoLine, PromoEvent, PromoUpload, PromoComment):
        # Three big suppliers with 400 more products each (the 300-line promos are theirs).
        big_suppliers = suppliers[-3:]
        next_number = Product.objects.count() + 1
        extra = []
        for supplier in big_suppliers:
            for i in range(BIG_SUPPLIER_PRODUCTS):
                price = Decimal(rng.randrange(4_900, 99_900)) / 100
                extra.append(Product(
                    article=f"BW{next_number:06d}", ean=_ean13(next_number), name=f"Товар {supplier.code}-{i + 1:03d}",
                    category=categories[(next_number + i) % len(categories)], supplier=supplier,
                    regular_price=price, purchase_price=(price * Decimal("0.62")).quantize(Decimal("0.01")),
                ))
                next_number += 1
        Product.objects.bulk_create(extra, batch_size=2000)
        products_of: dict[int, list[Product]] = {}
        for product in Product.objects.filter(active=True).order_by("article"):
            products_of.setdefault(product.supplier_id, []).append(product)

        # Promo sizes: three big ones, the rest about 10 lines (1..50) adding up to size.lines.
        small = size.promos - size.big_promos
        target = size.lines - size.big_promos * BIG_PROMO_LINES
        lines_of = [min(50, 1 + int(rng.expovariate(1 / max(1.0, target / small - 1)))) for _ in range(small)]
        while sum(lines_of) != target:
            i = rng.randrange(small)
            if sum(lines_of) < target and lines_of[i] < 50:
                lines_of[i] += 1
            elif sum(lines_of) > target and lines_of[i] > 1:
                lines_of[i] -= 1
        # A few suppliers run many promos (Zipf-like weights).
        weights = [1 / (rank + 1) ** 0.7 for rank in range(len(suppliers))]
        rng.shuffle(weights)

        promos, plan = [], []
        first_day = today - timedelta(days=270)
        for index in range(size.promos):
            big = index < size.big_promos
            supplier = big_suppliers[index] if big else rng.choices(suppliers, weights)[0]
            pool = products_of[supplier.pk]
            count = BIG_PROMO_LINES if big else min(lines_of[index - size.big_promos], len(pool))
            start = first_day + timedelta(days=rng.randrange(360))
            if big:
                start = today + timedelta(days=20 + 7 * index)
            end = start + timedelta(days=rng.choice((6, 13, 13, 20, 27)))
            upcoming = start >= today + timedelta(days=14)
            if big:
                status = Status.SUBMITTED
            elif upcoming:
                status = rng.choices([Status.SUBMITTED, Status.APPROVED, Status.DRAFT, Status.REJECTED,
                                      Status.WITHDRAWN], [45, 30, 15, 5, 5])[0]
            else:
                status = rng.choices([Status.APPROVED, Status.REJECTED, Status.WITHDRAWN, Status.CANCELLED,
                                      Status.DRAFT], [75, 10, 6, 6, 3])[0]
            created = moment(max(first_day - timedelta(days=30), start - timedelta(days=rng.randrange(15, 45))))
            revisions = 1 if status == Status.DRAFT else (2 if rng.random() < 0.15 else 1)
            mechanic = rng.choices([Promo.Mechanic.PERCENT, Promo.Mechanic.FIXED_PRICE, Promo.Mechanic.N_PLUS_M],
                                   [60, 25, 15])[0]
            targeting = rng.choices([{"chain": True}, {"regions": [rng.randrange(1, 8)]}], [70, 30])[0]
            promos.append(Promo(
                name=f"{MARK} {index + 1:05d} «{rng.choice(['Скидки недели', 'Весна', 'Красота', 'Здоровье', 'Акция месяца'])}»",
                supplier=supplier, mechanic=mechanic, start=start, end=end, targeting=targeting, status=status,
                revision=revisions, version=1 + revisions + (status != Status.DRAFT), created_by=supplier_user.get(supplier.code),
                created_at=created, updated_at=created + timedelta(days=rng.randrange(1, 10)),
            ))
            plan.append((rng.sample(pool, count), created))
        bulk_create_with_history(promos, Promo, batch_size=1000, default_change_reason="bench-web")

        lines, revisions, events, comments = [], [], [], []
        for promo, (products, created) in zip(promos, plan, strict=True):
            author = supplier_user.get(promo.supplier.code)
            submitted = created + timedelta(days=1, hours=rng.randrange(8))
            decided = submitted + timedelta(days=rng.randrange(1, 6))
            promo_lines = []
            for product in sorted(products, key=lambda p: p.article):
                terms = {"discount_percent": None, "promo_price": None, "n": None, "m": None}
                if promo.mechanic == Promo.Mechanic.PERCENT:
                    terms["discount_percent"] = Decimal(rng.choice((10, 15, 20, 25, 30)))
                elif promo.mechanic == Promo.Mechanic.FIXED_PRICE:
                    terms["promo_price"] = (product.regular_price * Decimal("0.8")).quantize(Decimal("0.01"))
                else:
                    terms["n"], terms["m"] = rng.choice(((2, 1), (3, 1), (1, 1)))
                decision, reason = Decision.PENDING, ""
                roll = rng.random()
                if promo.status in (Status.APPROVED, Status.CANCELLED):
                    decision = Decision.REJECTED if roll < 0.05 else Decision.ACCEPTED
                elif promo.status == Status.SUBMITTED:
                    decision = (Decision.ACCEPTED if roll < 0.25 else Decision.REJECTED if roll < 0.3
                                else Decision.PENDING)
                elif promo.status == Status.REJECTED:
                    decision = Decision.REJECTED if roll < 0.6 else Decision.ACCEPTED
                if decision == Decision.REJECTED:
                    reason = rng.choice(["Цена ниже закупочной", "Пересечение с другой акцией", "Нет на складе"])
                decided_by = manager_of[product.category_id] if decision != Decision.PENDING else None
                promo_lines.append(PromoLine(
                    promo=promo, product=product, regular_price=product.regular_price,
                    compensation_percent=Decimal(rng.choice((30, 50, 70))), decision=decision,
                    decision_reason=reason, decided_by=decided_by,
                    decided_at=decided if decided_by else None, source_row=len(promo_lines) + 2,
                    created_at=created, updated_at=decided if decided_by else created, **terms,
                ))
            lines.extend(promo_lines)
            snapshot = [{
                "product_id": line.product.pk, "article": line.product.article, "ean": line.product.ean,
                "name": line.product.name,
                **{name: _plain(getattr(line, name)) for name in
                   ("discount_percent", "promo_price", "n", "m", "regular_price", "compensation_percent", "comment")},
                "decision": line.decision, "decision_reason": line.decision_reason,
            } for line in promo_lines]
            if promo.status != Status.DRAFT:
                for number in range(1, promo.revision + 1):
                    diff = {}
                    if number > 1:
                        row = snapshot[0]
                        diff = {"added": [], "removed": [], "changed": [{
                            "product_id": row["product_id"], "article": row["article"],
                            "fields": {"compensation_percent": ["20", row["compensation_percent"]]}}]}
                    revisions.append(PromoRevision(
                        promo=promo, number=number, name=promo.name, mechanic=promo.mechanic, start=promo.start,
                        end=promo.end, targeting=promo.targeting, lines=snapshot, diff=diff, created_by=author))

            def event(kind, when, actor, from_status="", to_status="", reason="", payload=None, internal=False,
                      promo=promo):
                events.append(PromoEvent(kind=kind, promo=promo, actor=actor, from_status=from_status,
                                         to_status=to_status, reason=reason, internal=internal,
                                         payload=payload or {}, created_at=when))

            event(Kind.PROMO_CREATED, created, author, to_status=Status.DRAFT, payload={"revision": 1})
            if promo.status == Status.DRAFT:
                continue
            if promo.revision > 1:
                event(Kind.REVISION_CREATED, created + timedelta(hours=5), author, payload={"revision": 2})
            event(Kind.PROMO_SUBMITTED, submitted, author, Status.DRAFT, Status.SUBMITTED,
                  payload={"revision": promo.revision, "version": 2})
            details = [{"line_id": None, "article": line.product.article, "name": line.product.name,
                        "decision": line.decision, "old_decision": Decision.PENDING, "reason": line.decision_reason}
                       for line in promo_lines if line.decision != Decision.PENDING]
            decider = next((line.decided_by for line in promo_lines if line.decided_by), managers[0])
            outcome = {Status.APPROVED: Kind.PROMO_APPROVED, Status.CANCELLED: Kind.PROMO_APPROVED,
                       Status.REJECTED: Kind.PROMO_REJECTED}.get(promo.status)
            if details:
                event(outcome or Kind.LINE_DECIDED, decided, decider, Status.SUBMITTED,
                      {Kind.PROMO_APPROVED: Status.APPROVED, Kind.PROMO_REJECTED: Status.REJECTED}.get(
                          outcome, Status.SUBMITTED),
                      reason="; ".join(sorted({d["reason"] for d in details if d["reason"]})),
                      payload={"lines": details, "accepted": sum(d["decision"] == "accepted" for d in details),
                               "rejected": sum(d["decision"] == "rejected" for d in details)})
            if promo.status == Status.WITHDRAWN:
                event(Kind.PROMO_WITHDRAWN, decided, author, Status.SUBMITTED, Status.WITHDRAWN)
            if promo.status == Status.CANCELLED:
                event(Kind.PROMO_CANCELLED, decided + timedelta(days=2), marketer, Status.APPROVED,
                      Status.CANCELLED, reason="Отмена по просьбе поставщика")
            if rng.random() < 0.2:
                internal = rng.random() < 0.5
                text = "Проверьте цены, пожалуйста" if not internal else "Внутреннее: согласовать с маркетингом"
                who = decider if internal else author
                comments.append(PromoComment(promo=promo, author=who or marketer, text=text, internal=internal,
                                             created_at=submitted + timedelta(hours=3)))
                event(Kind.COMMENT_ADDED, submitted + timedelta(hours=3), who, reason=text, internal=internal)
        bulk_create_with_history(lines, PromoLine, batch_size=5000, default_change_reason="bench-web")
        PromoRevision.objects.bulk_create(revisions, batch_size=2000)
        latest = {}
        for revision in revisions:
            latest[revision.promo_id] = revision
        in_force = [promo for promo in promos if promo.status in (Status.APPROVED, Status.CANCELLED)
                    or (promo.status == Status.SUBMITTED and promo.revision > 1)]
        for promo in in_force:
            promo.approved_revision = latest[promo.pk]
        Promo.objects.bulk_update(in_force, ["approved_revision"], batch_size=2000)

        # The uploads that brought the promos in: one file per supplier and week.
        uploads, members = [], []
        by_week: dict[tuple[int, date], list[Promo]] = {}
        for promo, (_products, created) in zip(promos, plan, strict=True):
            week = created.date() - timedelta(days=created.weekday())
            by_week.setdefault((promo.supplier_id, week), []).append(promo)
        for (supplier_id, week), group in by_week.items():
            when = moment(week, 9)
            uploaded_by = supplier_user.get(group[0].supplier.code) or marketer
            uploads.append(PromoUpload(
                file=f"uploads/{week:%Y/%m}/{MARK}-{supplier_id}-{week:%Y%m%d}.xlsx",
                original_name=f"акции {week:%d.%m.%Y}.xlsx", sha256=f"{supplier_id:032x}{week.toordinal():032x}",
                size=20_000 + 2_000 * len(group), uploaded_by=uploaded_by,
                supplier_id=supplier_id, status=PromoUpload.Status.IMPORTED, rows_total=len(group) * 10,
                rows_done=len(group) * 10, summary={"promos": len(group), "sheet": "Акции"},
                started_at=when, finished_at=when + timedelta(seconds=3), created_at=when, updated_at=when,
            ))
            members.append(group)
        PromoUpload.objects.bulk_create(uploads, batch_size=2000)
        through = PromoUpload.promos.through
        through.objects.bulk_create(
            [through(promoupload_id=upload.pk, promo_id=promo.pk) for upload, group in zip(uploads, members, strict=True)
             for promo in group], batch_size=5000)
        for upload, group in zip(uploads, members, strict=True):
            events.append(PromoEvent(kind=Kind.UPLOAD_IMPORTED, upload=upload, actor=upload.uploaded_by,
                                     payload={"promos": [p.pk for p in group], "rows": upload.rows_total,
                                              "lines": upload.rows_total, "created": len(group), "revisions": []},
                                     created_at=upload.created_at))
        PromoEvent.objects.bulk_create(events, batch_size=5000)
        PromoComment.objects.bulk_create(comments, batch_size=2000)

    return {"promos": len(promos), "lines": len(lines), "revisions": len(revisions), "events": len(events),
            "uploads": len(uploads), "comments": len(comments), "products added": len(extra)}
