"""Which promos leave on a business date, and their expansion to branch × product records
(shared/erp-formats.md §1). Plain values only; the byte formats live in ``exports/writers/``.

What is read is the approved revision in force (``Promo.approved_revision``): its name, mechanic,
period, targeting and frozen lines, never the promo's live fields or PromoLine rows, which may
already hold a newer revision waiting for approval. Lines decided "rejected" never leave.

Memory stays flat whatever the size of the night: the selection holds one small object per promo
and per line (thousands), while the branch × product records (millions) are generated one at a
time by the iterators of ``exports/records.py``, in the order each file needs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings

from branches.targeting import Targeting, resolve
from exports.wording import listed, message
from promo import mechanics, shelf
from promo.models import Promo
from promo.snapshots import LineSnapshot
from promo.timeline import first_approvals
from suppliers.models import Product

MECHANIC_CODES = {
    Promo.Mechanic.PERCENT: "PCT",
    Promo.Mechanic.FIXED_PRICE: "FIX",
    Promo.Mechanic.N_PLUS_M: "NM",
}
PCT, FIX, NM = "PCT", "FIX", "NM"
INSERT, DELETE = "insert", "delete"

# A promo whose approved revision is in force is wanted while it is alive. Once it is cancelled (or
# withdrawn after a correction) it is no longer wanted: the export ledger (exports/ledger/) turns
# what was sent of it into deletions, and a promo that never left produces none.
INSERT_STATUSES = tuple(sorted(Promo.Status.in_force()))
DELETE_STATUSES = (Promo.Status.CANCELLED, Promo.Status.WITHDRAWN)

PRODUCT_CHUNK = 2000

# Branch code field per system (a warning names the system: exports/wording.py).
CODE_FIELDS = {
    "sap": "sap_plant",
    "smarket": "smarket_id",
    "setretail": "setretail_shop",
}


@dataclass(frozen=True, slots=True, eq=False)
class BranchRef:
    """A targeted branch with its code in each system."""

    pk: int
    code: str
    sap_plant: str | None
    smarket_id: int | None
    setretail_shop: int | None
    closed: date | None


@dataclass(frozen=True, slots=True, eq=False)
class LineRecord:
    """One exported product of a promo (from the frozen revision). ``regular_price`` is the
    product's regular price at export; ``compensation`` the supplier's percent as entered."""

    product_id: int
    article: str
    ean: str
    name: str
    discount_percent: Decimal | None
    promo_price: Decimal | None
    n: int | None
    m: int | None
    regular_price: Decimal
    compensation: str

    @property
    def computed_price(self) -> Decimal | None:
        """PCT: ``mechanics.percent_price`` (half up to kopecks); FIX: the price; NM: none."""
        if self.discount_percent is not None:
            return mechanics.percent_price(self.regular_price, self.discount_percent)
        return self.promo_price


@dataclass(frozen=True, slots=True, eq=False)
class PromoRecord:
    """One promo as it leaves: the approved revision's terms, its lines (sorted by article,
    rejected ones dropped) and its branches (resolved on the business date, sorted by code)."""

    pk: int
    code: str
    revision: int
    name: str
    mechanic: str
    start: date
    end: date
    action: str
    supplier_inn: str
    sap_vendor: str
    lines: tuple[LineRecord, ...]
    branches: tuple[BranchRef, ...]

    @property
    def deleted(self) -> bool:
        return self.action == DELETE


@dataclass
class Coded:
    """The branches of each promo that have a code in one system: ``codes[promo.pk]`` is the
    sorted tuple of codes; branches without a code are reported in ``warnings``."""

    codes: dict[int, tuple]
    warnings: list[dict]


@dataclass
class Selection:
    """Everything one run exports, sorted by promo code."""

    business_date: date
    promos: list[PromoRecord]
    warnings: list[dict] = field(default_factory=list)
    last_start: date | None = None
    _beyond: dict[int, int | None] = field(default_factory=dict, repr=False)

    def beyond_horizon(self, pks: Iterable[int]) -> dict[int, int]:
        """``{promo pk: revision number in force}`` of the promos among ``pks`` that are left out
        of the night only because they start after its horizon: approved revision in force, not
        cancelled or withdrawn, not yet ended, starting after ``last_start``. Such a promo is still
        wanted; the export ledger keeps what a system was sent of it (exports/ledger/compare.py).
        One query per set of promos not asked about before (the files of a run share the answers)."""
        wanted = set(pks) - {None}
        missing = sorted(wanted - self._beyond.keys())
        for start in range(0, len(missing), PRODUCT_CHUNK):
            chunk = missing[start:start + PRODUCT_CHUNK]
            self._beyond.update(dict.fromkeys(chunk))
            if self.last_start is None:
                continue
            self._beyond.update(Promo.objects.filter(
                pk__in=chunk, status__in=INSERT_STATUSES, approved_revision__isnull=False,
                approved_revision__start__gt=self.last_start,
            ).values_list("pk", "approved_revision__number"))
        return {pk: self._beyond[pk] for pk in wanted if self._beyond.get(pk) is not None}

    def with_mechanics(self, *mechanics: str) -> list[PromoRecord]:
        return [promo for promo in self.promos if promo.mechanic in mechanics]

    def coded(self, system: str, promos: Iterable[PromoRecord] | None = None) -> Coded:
        """Branch codes of ``system`` per promo, and one warning per branch lacking that code
        (listing the promos it was left out of)."""
        attr = CODE_FIELDS[system]
        codes: dict[int, tuple] = {}
        by_branches: dict[int, tuple] = {}
        missing: dict[str, list[str]] = {}
        for promo in self.promos if promos is None else promos:
            key = id(promo.branches)
            if key not in by_branches:
                # Promos of one targeting and end share the same tuple: sort it once.
                present = [getattr(b, attr) for b in promo.branches if getattr(b, attr) is not None]
                by_branches[key] = tuple(sorted(present))
            codes[promo.pk] = by_branches[key]
            for branch in promo.branches:
                if getattr(branch, attr) is None:
                    missing.setdefault(branch.code, []).append(promo.code)
        warnings = [
            message("branch_without_code", branch=branch, label=system, promos=listed(promo_codes))
            for branch, promo_codes in sorted(missing.items())
        ]
        return Coded(codes=codes, warnings=warnings)




def as_entered(number: Decimal | None) -> str:
    """A percent as the person typed it: ``50`` stays ``50``, ``12.5`` becomes ``12.50``."""
    if number is None:
        return ""
    if number == number.to_integral_value():
        return str(mechanics.plain_decimal(number))
    return str(mechanics.money(number))


def _regular_prices(product_ids: set[int]) -> dict[int, Decimal]:
    prices: dict[int, Decimal] = {}
    ids = sorted(product_ids)
    for start in range(0, len(ids), PRODUCT_CHUNK):
        chunk = ids[start:start + PRODUCT_CHUNK]
        prices.update(Product.objects.filter(pk__in=chunk).values_list("pk", "regular_price"))
    return prices


class _BranchResolver:
    """Resolves each distinct targeting once (one query), then applies each promo's end: a
    branch closing on or before the end is left out (``branches.targeting.resolve``'s ``until``)."""

    def __init__(self, business_date: date):
        self.business_date = business_date
        self._by_targeting: dict[str, tuple[BranchRef, ...]] = {}
        self._by_end: dict[tuple[str, date], tuple[BranchRef, ...]] = {}

    def branches(self, targeting_json: dict | None, end: date) -> tuple[BranchRef, ...]:
        targeting = Targeting.from_json(targeting_json)
        key = json.dumps(targeting.to_json(), sort_keys=True)
        if key not in self._by_targeting:
            rows = resolve(targeting, on=self.business_date).values_list(
                "pk", "code", "sap_plant", "smarket_id", "setretail_shop", "closed")
            self._by_targeting[key] = tuple(BranchRef(*row) for row in rows)
        if (key, end) not in self._by_end:
            self._by_end[(key, end)] = tuple(
                b for b in self._by_targeting[key] if b.closed is None or b.closed > end)
        return self._by_end[(key, end)]


def select(*, business_date: date, horizon_days: int | None = None) -> Selection:
    """The promos of the night ``business_date``: approved revision in force, running on that
    date or starting within the horizon (cancelled and withdrawn promos are not wanted)."""
    horizon = settings.EXPORT_HORIZON_DAYS if horizon_days is None else horizon_days
    last_start = business_date + timedelta(days=horizon)
    promos = (
        Promo.objects.filter(
            approved_revision__isnull=False,
            approved_revision__end__gte=business_date,
            approved_revision__start__lte=last_start,
            status__in=INSERT_STATUSES,
        )
        .select_related("approved_revision", "supplier")
        .only("pk", "status", "supplier__inn", "supplier__sap_vendor", "approved_revision__number",
              "approved_revision__name", "approved_revision__mechanic", "approved_revision__start",
              "approved_revision__end", "approved_revision__targeting", "approved_revision__lines")
        .order_by("pk")
    )
    raw: list[tuple[Promo, list[dict]]] = []
    product_ids: set[int] = set()
    for promo in promos.iterator(chunk_size=500):
        lines = [line for line in promo.approved_revision.lines or []
                 if line.get("decision") != "rejected"]
        raw.append((promo, lines))
        product_ids.update(line["product_id"] for line in lines if line.get("product_id"))
    prices = _regular_prices(product_ids)

    resolver = _BranchResolver(business_date)
    selection = Selection(business_date=business_date, promos=[], last_start=last_start)
    for promo, lines in raw:
        revision = promo.approved_revision
        code = promo.code
        mechanic = MECHANIC_CODES.get(revision.mechanic)
        if mechanic is None:
            selection.warnings.append(message("unknown_mechanic", code=code, mechanic=revision.mechanic))
            continue
        if not lines:
            continue
        branches = resolver.branches(revision.targeting, revision.end)
        if not branches:
            selection.warnings.append(message("no_open_branches", code=code, date=business_date.isoformat()))
            continue
        records = tuple(sorted(
            (_line_record(line, prices) for line in lines), key=lambda line: line.article))
        selection.promos.append(PromoRecord(
            pk=promo.pk, code=code, revision=revision.number, name=revision.name, mechanic=mechanic,
            start=revision.start, end=revision.end,
            action=DELETE if promo.status in DELETE_STATUSES else INSERT,
            supplier_inn=promo.supplier.inn, sap_vendor=promo.supplier.sap_vendor or "",
            lines=records, branches=branches,
        ))
    selection.promos.sort(key=lambda promo: promo.code)
    return selection


def _line_record(line: dict, prices: dict[int, Decimal]) -> LineRecord:
    """A frozen revision row (``promo.snapshots.LineSnapshot``) with the product's regular price
    of today."""
    snapshot = LineSnapshot.from_json(line)
    regular = prices.get(snapshot.product_id) or snapshot.regular_price or Decimal("0.00")
    return LineRecord(
        product_id=snapshot.product_id,
        article=snapshot.article,
        ean=snapshot.ean,
        name=snapshot.name,
        discount_percent=snapshot.discount_percent,
        promo_price=snapshot.promo_price,
        n=snapshot.n,
        m=snapshot.m,
        regular_price=regular,
        compensation=as_entered(snapshot.compensation_percent),
    )


# The shelf -----------------------------------------------------------------------------------

PROMO_MECHANICS = {code: mechanic for mechanic, code in MECHANIC_CODES.items()}


def shelf_setters(selection: Selection, *, day: date | None = None) -> dict[tuple[int, int], str]:
    """``{(branch pk, product id): promo code}``: which of the selection's promos the shelf shows
    on ``day`` (the business date by default) where several run for the same product in the
    same branch, by the one precedence rule of promo/shelf.py (``PROMO_SHELF_PRECEDENCE``), the
    rule the shelf-price timeline and the price tags follow too. Deletions set no price."""
    day = day or selection.business_date
    running = [promo for promo in selection.promos if not promo.deleted and promo.start <= day <= promo.end]
    approved = first_approvals(promo.pk for promo in running)
    offers: dict[tuple[int, int], list[shelf.Offer]] = {}
    for promo in running:
        branches = frozenset(branch.pk for branch in promo.branches)
        for line in promo.lines:
            price = mechanics.unit_price(PROMO_MECHANICS[promo.mechanic], line.regular_price,
                                         discount_percent=line.discount_percent, price=line.promo_price,
                                         n=line.n, m=line.m)
            if price is None:
                continue
            offer = shelf.Offer(promo_id=promo.pk, code=promo.code, status=shelf.APPROVED, start=promo.start,
                                end=promo.end, unit_price=price, approved_at=approved.get(promo.pk), branches=branches)
            for branch in promo.branches:
                offers.setdefault((branch.pk, line.product_id), []).append(offer)
    rule = settings.PROMO_SHELF_PRECEDENCE
    return {key: shelf.winner(found, rule).code for key, found in offers.items()}
