"""PDF documents (STYLE.md §7): a promo's approval sheet («Лист согласования») and a branch's
price tags («Ценники») for a date.

Both are HTML templates under templates/promo/pdf/ rendered by weasyprint. The fonts are the
DejaVu Sans files shipped in static/fonts/, declared with ``@font-face`` and embedded in the
PDF, so Cyrillic renders the same on any machine; the renderer may read local files only (no
network, no system fonts by name). Data is read in a fixed number of queries, never one per
line: the sheet reads the promo's lines and events once, the tags read the frozen lines of
the approved revisions in force (``PromoRevision.lines``). Price tags are laid out a bounded
number of pages at a time and merged (:func:`price_tags_write`), so a branch of any size fits in
flat memory; promo/services/price_tags.py decides between answering at once and the worker.
Price tags face the shops' customers, so they are printed in the portal's language
(``LANGUAGE_CODE``: words, prices «292,43 ₽») whatever language the person who asks reads; the
approval sheet is for that person and follows the page's language."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import barcode
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from branches.models import Branch
from branches.targeting import Targeting, resolve
from promo import economics, mechanics, shelf
from promo.changes import below_floor_note
from promo.models import Promo, PromoEvent, PromoLine
from promo.services.revisions import stored_lines
from promo.timeline import first_approvals
from suppliers.models import Product
from suppliers.roles import is_staff_role
from suppliers.validators import is_valid_ean

FONT_FAMILY = "PortalSans"  # a name of our own: never matched against the system's fonts
FONT_FILES = {"normal": "fonts/DejaVuSans.ttf", "bold": "fonts/DejaVuSans-Bold.ttf"}

# Kinds that are decisions on the sheet («who decided what, when»).
DECISION_KINDS = frozenset({
    PromoEvent.Kind.PROMO_SUBMITTED, PromoEvent.Kind.LINE_DECIDED, PromoEvent.Kind.PROMO_APPROVED,
    PromoEvent.Kind.PROMO_REJECTED, PromoEvent.Kind.PROMO_WITHDRAWN, PromoEvent.Kind.PROMO_CANCELLED,
    PromoEvent.Kind.PROMO_EXTENDED,
})
TAGS_PER_ROW = 3
ROWS_PER_PAGE = 7


# --- rendering ---------------------------------------------------------------------------


def _static_file(relative: str) -> Path:
    found = finders.find(relative)
    if not found:
        raise FileNotFoundError(f"static file {relative} is missing")
    return Path(found).resolve()


@lru_cache(maxsize=1)
def font_face_css() -> str:
    """``@font-face`` rules pointing at the shipped TTF files (file:// URLs)."""
    rules = []
    for weight, relative in FONT_FILES.items():
        rules.append(
            f"@font-face {{ font-family: '{FONT_FAMILY}'; font-weight: {weight}; "
            f"src: url('{_static_file(relative).as_uri()}') format('truetype'); }}"
        )
    return "\n".join(rules)


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a template of templates/promo/pdf/ to PDF bytes with the embedded fonts."""
    # Imported on first use: weasyprint parses its stylesheets on import, which every web
    # and worker process would otherwise pay at start-up.
    from weasyprint import HTML, URLFetcher
    from weasyprint.text.fonts import FontConfiguration

    html = render_to_string(template_name, {
        **context, "font_face_css": mark_safe(font_face_css()), "font_family": FONT_FAMILY,
    })
    static_root = _static_file(FONT_FILES["normal"]).parent.parent
    fetcher = URLFetcher(allowed_protocols={"file", "data"})
    document = HTML(string=html, base_url=static_root.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(font_config=FontConfiguration())


# --- prices ------------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def line_prices(mechanic: str, *, regular, discount_percent=None, promo_price=None, n=None,
                m=None) -> tuple[Decimal | None, Decimal | None]:
    """(effective unit price, effective discount %) of a line by promo/mechanics.py; (None,
    None) when the line lacks what its mechanic needs."""
    regular = _decimal(regular)
    if regular is None:
        return None, None
    try:
        unit = mechanics.promo_price(mechanic, regular, discount_percent=_decimal(discount_percent),
                                     price=_decimal(promo_price), n=n, m=m)
    except (TypeError, ValueError, ZeroDivisionError, InvalidOperation):
        return None, None
    return unit, mechanics.effective_discount_percent(regular, unit)


# --- the approval sheet ------------------------------------------------------------------


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def promo_sheet_context(*, promo: Promo, user) -> dict:
    """Everything «Лист согласования» shows. A supplier user never sees internal events."""
    promo = (Promo.objects.select_related("supplier", "approved_revision", "created_by")
             .get(pk=promo.pk))
    lines = list(promo.lines.select_related("product__category", "decided_by").order_by("product__article"))
    staff = is_staff_role(user)
    rows = []
    for line in lines:
        unit, discount = line_prices(promo.mechanic, regular=line.regular_price,
                                     discount_percent=line.discount_percent, promo_price=line.promo_price,
                                     n=line.n, m=line.m)
        rows.append({"line": line, "unit_price": unit, "discount": discount,
                     "economics": economics.of_line(line, promo.mechanic) if staff else None,
                     "decided_by": _name(line.decided_by),
                     "reason": below_floor_note(line.below_floor, line.decision_reason)})
    events = promo.events.select_related("actor").order_by("created_at", "pk")
    if not staff:
        events = events.filter(internal=False)
    events = list(events)
    labels = dict(Promo.Status.choices)
    for event in events:
        # The status a decision led to, as people read it («На согласовании», not «submitted»).
        event.to_status_label = labels.get(event.to_status, event.to_status)
    revisions = list(promo.revisions.select_related("created_by").order_by("number")
                     .only("number", "reason", "created_at", "diff", "created_by"))
    counts = {decision: sum(1 for line in lines if line.decision == decision) for decision in PromoLine.Decision}
    return {
        "promo": promo,
        "targeting_text": Targeting.from_json(promo.targeting).describe(),
        "rows": rows,
        "counts": {str(PromoLine.Decision(k).label): v for k, v in counts.items()},
        "decisions": [e for e in events if e.kind in DECISION_KINDS],
        "events": events,
        "revisions": revisions,
        "printed_by": _name(user),
        # The chain's margin after compensation is for staff only (the supplier prints the sheet too).
        "show_margin": staff,
        "plan": economics.plan_totals((row["line"], row["economics"]) for row in rows) if staff else None,
    }


def promo_sheet_pdf(*, promo: Promo, user) -> bytes:
    """«Лист согласования» of ``promo`` as PDF: terms, lines with regular price, promo price
    and effective discount, decisions with who and when, the history summary. The caller has
    already checked that ``user`` may see the promo (``Promo.objects.restrict``)."""
    return render_pdf("promo/pdf/promo_sheet.html", promo_sheet_context(promo=promo, user=user))


# --- price tags --------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceTag:
    """One shelf tag: a product of a promo line running in a branch on a day."""

    name: str
    article: str
    ean: str
    regular_price: Decimal
    unit_price: Decimal | None
    mechanic: str
    n: int | None
    m: int | None
    start: date
    end: date
    promo_code: str
    shown_discount: Decimal | None = None

    @property
    def barcode_svg(self) -> str:
        return ean_svg(self.ean)


def shown_discount(mechanic: str, *, discount_percent, effective: Decimal | None) -> Decimal | None:
    """The «−15%» of a tag: the promised percent of a percent promo, the effective discount
    rounded down to whole percent for a fixed price (never promise more than is given), none
    for N+M (the tag says «2+1»)."""
    if mechanic == mechanics.PERCENT:
        return _decimal(discount_percent)
    if mechanic == mechanics.FIXED_PRICE and effective:
        return effective.to_integral_value(rounding=ROUND_DOWN)
    return None


@lru_cache(maxsize=8192)
def ean_svg(ean: str) -> str:
    """The EAN-13 / EAN-8 bars of ``ean`` as one inline SVG path (python-barcode encodes,
    we draw: one path per code keeps thousands of tags light). Empty for a bad code."""
    kind = {13: barcode.EAN13, 8: barcode.EAN8}.get(len(ean or ""))
    # python-barcode would quietly draw a corrected check digit: a wrong code gets no bars.
    if kind is None or not is_valid_ean(ean):
        return ""
    pattern = kind(ean).build()[0]
    quiet = 7
    parts = []
    x = 0
    while x < len(pattern):
        if pattern[x] == "1":
            width = len(pattern[x:]) - len(pattern[x:].lstrip("1"))
            parts.append(f"M{x + quiet} 0h{width}v40h-{width}z")
            x += width
        else:
            x += 1
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" viewBox="0 0 {len(pattern) + 2 * quiet} 40" '
        f'preserveAspectRatio="none"><path d="{"".join(parts)}" fill="#000"/></svg>'
    )


def running_promos(*, branch: Branch, day: date, user=None) -> list[Promo]:
    """Promos whose approved revision is in force on ``day`` and targets ``branch`` on that
    day (the revision's own rules, resolved by branches.targeting). With ``user``, only the
    promos that person may see. One query per distinct rule set, not per promo."""
    promos = (Promo.objects.in_force_on(day).exclude(status__in=Promo.Status.final())
              .select_related("approved_revision").order_by("pk"))
    if user is not None:
        promos = promos.filter(pk__in=Promo.objects.restrict(user).values("pk"))
    covers: dict[str, bool] = {}
    running = []
    for promo in promos:
        rules = Targeting.from_json(promo.approved_revision.targeting)
        key = repr(rules)
        if key not in covers:
            covers[key] = resolve(rules, on=day).filter(pk=branch.pk).exists()
        if covers[key]:
            running.append(promo)
    return running


def _shelf_winners(candidates: list[tuple[Promo, object]]) -> dict[int, int]:
    """``{product id: promo id}`` for the products of several running promos: the one the shelf
    shows by the rule of promo/shelf.py (what the timeline and the exports say too). Two queries
    (today's regular prices, first approvals), and none when no product is contested."""
    count = Counter(line.product_id for _promo, line in candidates)
    contested = {product_id for product_id, n in count.items() if n > 1}
    if not contested:
        return {}
    prices = dict(Product.objects.filter(pk__in=contested).values_list("pk", "regular_price"))
    approved = first_approvals({promo.pk for promo, line in candidates if line.product_id in contested})
    offers: dict[int, list[shelf.Offer]] = {}
    for promo, line in candidates:
        if line.product_id not in contested:
            continue
        revision = promo.approved_revision
        price = mechanics.unit_price(revision.mechanic, prices.get(line.product_id) or line.regular_price,
                                     discount_percent=line.discount_percent, price=line.promo_price, n=line.n, m=line.m)
        if price is not None:
            offers.setdefault(line.product_id, []).append(shelf.Offer(
                promo_id=promo.pk, code=promo.code, status=shelf.APPROVED, start=revision.start, end=revision.end,
                unit_price=price, approved_at=approved.get(promo.pk), branches=frozenset()))
    rule = settings.PROMO_SHELF_PRECEDENCE
    return {product_id: shelf.winner(found, rule).promo_id for product_id, found in offers.items()}


def price_tags_for(*, branch: Branch, day: date, user=None) -> list[PriceTag]:
    """The tags of the not-rejected lines of the promos running in ``branch`` on ``day``, one per
    product: where several promos run for a product, the one the shelf shows (promo/shelf.py).
    With ``user``, only the tags of the promos that person may see. Sorted by product name."""
    running = running_promos(branch=branch, day=day)
    candidates = [(promo, line) for promo in running for line in stored_lines(promo.approved_revision)
                  if line.decision != PromoLine.Decision.REJECTED]
    winners = _shelf_winners(candidates)
    visible = None
    if user is not None:
        visible = set(Promo.objects.restrict(user).filter(pk__in=[p.pk for p in running]).values_list("pk", flat=True))
    tags = []
    for promo, line in candidates:
        if winners.get(line.product_id, promo.pk) != promo.pk or (visible is not None and promo.pk not in visible):
            continue
        revision = promo.approved_revision
        unit, discount = line_prices(
            revision.mechanic, regular=line.regular_price, discount_percent=line.discount_percent,
            promo_price=line.promo_price, n=line.n, m=line.m,
        )
        tags.append(PriceTag(
            name=line.name, article=line.article, ean=line.ean,
            regular_price=line.regular_price or Decimal("0"), unit_price=unit,
            mechanic=revision.mechanic, n=line.n, m=line.m,
            start=revision.start, end=revision.end, promo_code=promo.code,
            shown_discount=shown_discount(revision.mechanic, discount_percent=line.discount_percent,
                                          effective=discount),
        ))
    tags.sort(key=lambda tag: (tag.name.casefold(), tag.article))
    return tags


def _pages(tags: list[PriceTag]) -> list[list[list[PriceTag]]]:
    """Pages of rows of tags (the template places each by its row and column)."""
    per_page = TAGS_PER_ROW * ROWS_PER_PAGE
    pages = []
    for start in range(0, len(tags), per_page):
        page = tags[start:start + per_page]
        pages.append([page[i:i + TAGS_PER_ROW] for i in range(0, len(page), TAGS_PER_ROW)])
    return pages


def price_tags_pdf(*, branch: Branch, day: date, user=None, tags: list[PriceTag] | None = None) -> bytes:
    """«Ценники»: an A4 PDF of shelf tags (3 × 7 a page) for every promo line running in
    ``branch`` on ``day``: product, old price struck through, promo price or «2+1», period,
    EAN barcode. An empty day gives one page saying there is nothing to print. ``tags``, if
    the caller has already listed them (:func:`price_tags_for`), saves reading them again."""
    if tags is None:
        tags = price_tags_for(branch=branch, day=day, user=user)
    return _render_price_tags(branch=branch, day=day, tags=tags)


def _render_price_tags(*, branch: Branch, day: date, tags: list[PriceTag]) -> bytes:
    """The tags' PDF in the shops' language (the module's docstring), not the asker's."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_pdf("promo/pdf/price_tags.html", _price_tags_context(branch=branch, day=day, tags=tags))


def _price_tags_context(*, branch: Branch, day: date, tags: list[PriceTag]) -> dict:
    return {"branch": branch, "day": day, "pages": _pages(tags), "count": len(tags),
            "nplusm": mechanics.N_PLUS_M}


def price_tag_chunks(tags: list[PriceTag]) -> list[list[PriceTag]]:
    """``tags`` cut into runs of PROMO_PRICE_TAGS_CHUNK_PAGES whole pages: a chunk always
    starts a page, so the chunks' pages are the one-shot document's pages, in order."""
    size = max(1, settings.PROMO_PRICE_TAGS_CHUNK_PAGES) * TAGS_PER_ROW * ROWS_PER_PAGE
    return [tags[start:start + size] for start in range(0, len(tags), size)] or [[]]


def price_tags_write(*, branch: Branch, day: date, tags: list[PriceTag], out: BinaryIO,
                     progress: Callable[[int, int], None] | None = None) -> int:
    """Write «Ценники» of ``tags`` to the binary file ``out`` in bounded memory and return the
    page count. weasyprint keeps a whole document's layout in memory (1.1 GB for 5,000 tags in
    one go), so the tags are laid out in chunks of whole pages (:func:`price_tag_chunks`), each
    written to a temp file, and pypdf then copies the pages, in order, into one file. Up to one
    chunk the bytes are exactly :func:`price_tags_pdf`'s. ``progress(done, total)`` is called
    with the tags rendered so far after each chunk."""
    from pypdf import PdfReader, PdfWriter

    chunks = price_tag_chunks(tags)
    if len(chunks) == 1:
        content = price_tags_pdf(branch=branch, day=day, tags=tags)
        out.write(content)
        if progress is not None:
            progress(len(tags), len(tags))
        return len(_pages(tags)) or 1  # one sheet a page; an empty day prints one page
    with tempfile.TemporaryDirectory(prefix="price-tags-") as folder:
        paths, done = [], 0
        for number, chunk in enumerate(chunks):
            path = Path(folder) / f"{number:05d}.pdf"
            path.write_bytes(_render_price_tags(branch=branch, day=day, tags=chunk))
            paths.append(path)
            done += len(chunk)
            if progress is not None:
                progress(done, len(tags))
        writer = PdfWriter()
        for number, path in enumerate(paths):
            reader = PdfReader(path)
            if number == 0 and reader.metadata:
                # The one-shot document's title and producer, not pypdf's.
                writer.add_metadata(dict(reader.metadata))
            writer.append(reader, import_outline=False)
        writer.write(out)
        return len(writer.pages)


def branch_by_code(code: str) -> Branch | None:
    return Branch.objects.filter(code__iexact=(code or "").strip()).first()

