"""The lines table of the promo page, built to stay cheap at 300 lines and more (issue 12).

:func:`line_rows` computes once per line, in Python, what each cell shows: prices by the
mechanic (promo/mechanics.py), the margin after compensation (promo/economics.py), the price
floor, the revision's changes (promo/changes.py), conflicts, the numbers as text (Django's own
``floatformat``, so they read exactly as the template filter would write them; money as
``floatformat:"2g"``, thousands grouped, as everywhere in the UI) and, for the
lines the manager decides, the state of the decision inputs
(:meth:`promo.forms.workflow.LineDecisionsForm.cell`) and their markup
(:class:`DecisionInputs`), and the markup of the conflict cells (:class:`ConflictMarkup`).
The template then only puts texts in places: no form field, filter, ``{% url %}`` or
translation per line."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from promo import economics, mechanics
from promo.changes import ChangeFormatter, below_floor_note, line_changes, percent_value
from promo.forms.workflow import BELOW_FLOOR_LABEL, DecisionCell, LineDecisionsForm
from promo.models import Promo, PromoLine
from promo.services import floor
from promo.views.row_texts import pk_url

EMPTY = "—"
_QUANTUM = {1: Decimal("0.1"), 2: Decimal("0.01")}


class Numbers:
    """Numbers written exactly as the template filter ``floatformat:places`` writes them in the
    active language ("" for None), without its cost per call (a page of 300 lines writes about
    3,000): a finite ``Decimal`` with 1 or 2 places (``-2``: none when whole), ungrouped, is
    rounded half up and written with the language's decimal separator; anything else is
    handed to ``floatformat`` itself. tests/promo/views/test_promo_lines.py holds both to the
    same output."""

    def __init__(self) -> None:
        self.separator = get_format("DECIMAL_SEPARATOR")
        # floatformat groups thousands only with "g" or USE_THOUSAND_SEPARATOR.
        self.fast = not settings.USE_THOUSAND_SEPARATOR
        self.thousands = get_format("THOUSAND_SEPARATOR")
        # Groups of three (every language the portal speaks): Python's own «,» grouping fits.
        self.fast_grouping = get_format("NUMBER_GROUPING") == 3

    def __call__(self, value, places: int) -> str:
        if value is None:
            return ""
        if (not self.fast or type(value) is not Decimal or abs(places) not in _QUANTUM or not value.is_finite()
                or value.adjusted() > 20):
            return floatformat(value, places)
        if places < 0 and value == value.to_integral_value():
            return str(int(value))
        rounded = value.quantize(_QUANTUM[abs(places)], ROUND_HALF_UP)
        text = f"{rounded:f}"
        if not rounded:
            text = text.removeprefix("-")  # floatformat never writes «-0,00»
        return text.replace(".", self.separator)

    def percent(self, value) -> str:
        """A percent as every page reads it (:func:`promo.changes.percent_value`: ``15``,
        ``12,50``), with its sign: ``15 %``; "" for None."""
        if value is None:
            return ""
        return f"{self(percent_value(value), -2)} %"

    def money(self, value) -> str:
        """Roubles as the rest of the UI writes them, ``floatformat:"2g"``: two places and the
        thousands grouped (``1 281,90``, ``1,281.90``); "" for None."""
        if value is None:
            return ""
        if type(value) is not Decimal or not value.is_finite() or value.adjusted() > 20 or not self.fast_grouping:
            return floatformat(value, "2g")
        rounded = value.quantize(_QUANTUM[2], ROUND_HALF_UP)
        text = f"{rounded:,f}"
        if not rounded:
            text = text.removeprefix("-")
        return text.replace(",", "\0").replace(".", self.separator).replace("\0", self.thousands)


@dataclass(frozen=True, slots=True)
class OtherPromo:
    """What a conflict cell shows of the other promo: the same for each of its lines, so
    written once per other promo. A promo the user may not see shows only that it conflicts
    (``visible`` False, nothing else filled in)."""

    visible: bool
    code: str = ""
    url: str = ""
    name: str = ""
    status: str = ""
    status_label: str = ""
    terms: str = ""  # supplier · mechanic · period
    overlap: str = ""  # the days both run
    days: str = ""
    branch_count: str = ""
    branch_codes: str = ""  # the branches both target, comma-separated


@dataclass(frozen=True, slots=True)
class ConflictCell:
    """One conflict of a line (:class:`promo.services.conflicts.Conflict`) as the page shows it."""

    other: OtherPromo
    unit_text: str
    other_unit_text: str


def _other_promo(conflict, statuses: dict, mechanics_: dict, url) -> OtherPromo:
    other = conflict.other
    if not conflict.visible:
        return OtherPromo(visible=False)
    start, end = conflict.other_start or other.start, conflict.other_end or other.end
    if conflict.other_revision is not None:
        # Its approved revision is at the tills while a newer one waits or was rejected.
        status, status_label = Promo.Status.APPROVED, gettext("действует ревизия %(n)s") % {"n": conflict.other_revision}
    else:
        status, status_label = other.status, str(statuses.get(other.status, other.status))
    return OtherPromo(
        visible=True, code=other.code, url=url(other.pk), name=other.name, status=status,
        status_label=status_label,
        terms=(f"{other.supplier.code} {other.supplier.name} · {mechanics_.get(other.mechanic, other.mechanic)} · "
               f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"),
        overlap=f"{conflict.start:%d.%m.%Y} – {conflict.end:%d.%m.%Y}", days=str(conflict.days),
        branch_count=str(conflict.branch_count), branch_codes=", ".join(conflict.branch_codes),
    )


def conflict_cells(conflicts, number: Numbers) -> dict[int, list[ConflictCell]]:
    """``{line id: its conflict cells}``; what depends on the other promo only (its terms, the
    overlap, the shared branches) is written once per other promo."""
    statuses, mechanics_ = dict(Promo.Status.choices), {key: str(label) for key, label in Promo.Mechanic.choices}
    url = pk_url("promo:promo_detail")
    others: dict[tuple[int, int | None], OtherPromo] = {}
    by_line: dict[int, list[ConflictCell]] = {}
    for conflict in conflicts:
        key = (conflict.other.pk, conflict.other_revision)
        other = others.get(key)
        if other is None:
            other = others[key] = _other_promo(conflict, statuses, mechanics_, url)
        by_line.setdefault(conflict.line.pk, []).append(ConflictCell(
            other=other, unit_text=number.money(conflict.unit_price) or EMPTY,
            other_unit_text=number.money(conflict.other_unit_price) or EMPTY))
    return by_line


class ConflictMarkup:
    """Writes a line's conflict cells (:class:`ConflictCell`) in one pass of Python: for each
    other promo its link, status, terms, the days both run and the branches both target
    (written once per other promo, however many lines it meets), then the two unit prices of
    the line; a promo the user may not see only as «пересекается с промо другого поставщика».
    The phrases are translated once for the table, every text escaped. A supplier's promo among
    many competitors has a hundred and more of them; as template loops they were most of the
    page's rendering."""

    def __init__(self) -> None:
        self.together = escape(gettext("вместе"))
        self.days = escape(gettext("дней"))
        self.unit_price = escape(gettext("цена за шт."))
        self.here = escape(gettext("здесь"))
        self.there = escape(gettext("там"))
        self.branches = escape(gettext("филиалов"))
        self.hidden = (f'<div class="conflict-detail" data-conflict="">\n<span class="badge rejected">'
                       f'{escape(gettext("пересекается с промо другого поставщика"))}</span>\n</div>')
        self._written: dict[int, tuple[str, str]] = {}

    def _other(self, other: OtherPromo) -> tuple[str, str]:
        """The markup before and after the line's prices, for one other promo."""
        written = self._written.get(id(other))
        if written is None:
            code = escape(other.code)
            written = self._written[id(other)] = (
                f'<div class="conflict-detail" data-conflict="{code}">\n'
                f'  <a class="conflict" href="{escape(other.url)}" title="{escape(other.name)}">{code}</a>\n'
                f'  <span class="badge {escape(other.status)}">{escape(other.status_label)}</span>\n'
                f'  <small class="muted">{escape(other.terms)}</small>\n'
                f'  <div class="overlap">{self.together}: {escape(other.overlap)} '
                f'<small>({self.days}: {escape(other.days)})</small></div>\n',
                f'  <details class="overlap-branches"><summary>{self.branches}: {escape(other.branch_count)}</summary>'
                f'<span class="mono small">{escape(other.branch_codes)}</span></details>\n</div>',
            )
        return written

    def __call__(self, cells: list[ConflictCell]) -> SafeString:
        parts = []
        for cell in cells:
            if not cell.other.visible:
                parts.append(self.hidden)
                continue
            before, after = self._other(cell.other)
            parts.append(f'{before}  <div class="prices">{self.unit_price}: {escape(cell.unit_text)} {self.here} / '
                         f'{escape(cell.other_unit_text)} {self.there}</div>\n{after}')
        return mark_safe("".join(parts))  # noqa: S308 - every text above was escaped


class DecisionInputs:
    """Writes the decision inputs of a line the user decides (three choices, the reason box,
    «согласовать ниже порога» for a line under the price floor) in one pass of Python: the
    names, ids and labels :class:`~promo.forms.workflow.LineDecisionsForm` reads back, the
    phrases translated once for the table, every value escaped. A 300-line promo renders 300
    of them; as template loops they were most of the page's rendering."""

    def __init__(self) -> None:
        form = LineDecisionsForm
        self.form_id = escape(form.HTML_ID)
        self.choices = [(escape(value), escape(str(label)), index) for index, (value, label) in enumerate(form.CHOICES)]
        self.raw_values = [value for value, _label in form.CHOICES]
        self.decide = escape(gettext("Ваше решение"))
        self.placeholder = escape(gettext("причина отклонения"))
        self.below_floor = escape(str(BELOW_FLOOR_LABEL))
        self.below_floor_hint = escape(gettext("причину — в поле выше"))
        self.max_length = form.REASON_MAX_LENGTH

    def __call__(self, cell: DecisionCell, *, article: str, below_floor: bool) -> SafeString:
        pk, form, article = cell.line_id, self.form_id, escape(article)
        radios = "".join(
            f'<div><label for="id_lines_decision_{pk}_{index}"><input type="radio" name="decision_{pk}" '
            f'value="{value}" class="decision" form="{form}" id="id_lines_decision_{pk}_{index}"'
            f'{" checked" if raw == cell.checked else ""}> {label}</label></div>'
            for (value, label, index), raw in zip(self.choices, self.raw_values, strict=True))
        reason = f' value="{escape(cell.reason)}"' if cell.reason else ""
        html = (f'<div class="decision-choice"><div id="id_lines_decision_{pk}" class="decision" role="radiogroup" '
                f'aria-label="{self.decide}: {article}">{radios}</div></div>'
                f'<input type="text" name="reason_{pk}"{reason} size="24" placeholder="{self.placeholder}" '
                f'aria-label="{self.placeholder}: {article}" form="{form}" maxlength="{self.max_length}" '
                f'id="id_lines_reason_{pk}">')
        html += "".join(f'<small class="error">{escape(error)}</small>' for error in cell.errors)
        if below_floor:
            html += (f'<label class="checkbox below-floor-override"><input type="checkbox" name="below_floor_{pk}" '
                     f'form="{form}" id="id_lines_below_floor_{pk}"{" checked" if cell.below_floor else ""}> '
                     f'{self.below_floor}</label><small class="muted">{self.below_floor_hint}</small>')
        return mark_safe(html)  # noqa: S308 - every value above was escaped


@dataclass
class LineRow:
    """One line as the promo page shows it: prices by the mechanic, margin, diff, conflicts,
    and every number already written out (``*_text``)."""

    line: PromoLine
    id: str = ""  # the line's id as text (an integer in a template is localised, each time)
    unit_price: Decimal | None = None
    discount: Decimal | None = None
    purchase_price: Decimal | None = None
    margin: Decimal | None = None
    margin_percent: Decimal | None = None
    economics: object = None
    floor: object = None  # the price floor's problem (promo.rules.margin_floor_problem)
    diff_class: str = ""
    changes: list = field(default_factory=list)
    conflicts: list[ConflictCell] = field(default_factory=list)
    conflicts_html: str = ""  # those conflicts written out (:class:`ConflictMarkup`)
    decidable: bool = False
    decision: DecisionCell | None = None  # the inputs of a line the user decides now
    decision_html: str = ""  # those inputs written out (:class:`DecisionInputs`)
    shelf_url: str = ""
    terms_text: str = ""
    regular_text: str = ""
    unit_text: str = EMPTY
    discount_text: str = EMPTY
    compensation_text: str = EMPTY
    decision_label: str = ""
    reason_text: str = ""  # the decision's reason, an accept below the floor worded (promo.changes)
    decided_text: str = ""  # who decided and when (staff only)
    margin_text: str = ""
    margin_percent_text: str = ""
    purchase_text: str = EMPTY
    compensation_unit_text: str = ""

    @property
    def below_cost(self) -> bool:
        return self.margin is not None and self.margin < 0


def _terms_text(number: Numbers, mechanic: str, line: PromoLine) -> str:
    if mechanic == Promo.Mechanic.PERCENT:
        return number.percent(line.discount_percent)
    if mechanic == Promo.Mechanic.FIXED_PRICE:
        return number.money(line.promo_price)
    return f"{line.n}+{line.m}"


def _decided_text(line: PromoLine) -> str:
    user = line.decided_by
    if user is None:
        return ""
    when = date_format(timezone.localtime(line.decided_at), "d.m.Y H:i") if line.decided_at else ""
    return f"{user.get_full_name() or user.username}, {when}"


def line_rows(promo: Promo, lines, *, show_purchase: bool, diff: dict, conflicts, decidable: set[int],
              formatter: ChangeFormatter | None = None, decisions: LineDecisionsForm | None = None):
    """Compute what the page shows for each line (prices through promo/mechanics.py; the
    revision's changes worded by promo/changes.py, as the history and the e-mails word them;
    the decision inputs of the ``decidable`` lines from ``decisions``)."""
    formatter = formatter or ChangeFormatter()
    changed = {row["product_id"]: row.get("fields", {}) for row in diff.get("changed", [])}
    added = {row["product_id"] for row in diff.get("added", [])}
    labels = dict(PromoLine.Decision.choices)
    number = Numbers()
    decision_inputs = DecisionInputs()
    conflict_markup = ConflictMarkup()
    by_line = conflict_cells(conflicts, number)
    period = f"?from={promo.start:%Y-%m-%d}&to={promo.end:%Y-%m-%d}"
    rows = []
    for line in lines:
        row = LineRow(line=line, id=str(line.pk), conflicts=by_line.get(line.pk, []), decidable=line.pk in decidable)
        if row.conflicts:
            row.conflicts_html = conflict_markup(row.conflicts)
        row.shelf_url = reverse("promo:product_timeline", args=[line.product_id]) + period
        row.terms_text = _terms_text(number, promo.mechanic, line)
        row.regular_text = number.money(line.regular_price)
        if line.compensation_percent is not None:
            row.compensation_text = number.percent(line.compensation_percent)
        row.decision_label = str(labels.get(line.decision, line.decision))
        if line.decision_reason or line.below_floor:
            row.reason_text = below_floor_note(line.below_floor, line.decision_reason)
        try:
            row.unit_price = mechanics.promo_price(
                promo.mechanic, line.regular_price, discount_percent=line.discount_percent,
                price=line.promo_price, n=line.n, m=line.m,
            )
            row.discount = mechanics.effective_discount_percent(line.regular_price, row.unit_price)
        except (TypeError, ValueError, ArithmeticError, InvalidOperation):
            # An incomplete line (e.g. a fixed price without a price) shows dashes.
            row.unit_price = None
        row.unit_text = number.money(row.unit_price) or EMPTY
        if row.discount is not None:
            row.discount_text = number.percent(row.discount)
        if show_purchase:
            # The chain's margin after the supplier's compensation (promo/economics.py).
            row.purchase_price = line.product.purchase_price
            row.purchase_text = number.money(row.purchase_price) or EMPTY
            row.decided_text = _decided_text(line)
            row.economics = economics.of_line(line, promo.mechanic)
            if row.economics is not None:
                row.margin, row.margin_percent = row.economics.margin, row.economics.margin_percent
                row.margin_text = number.money(row.margin)
                row.margin_percent_text = number(row.margin_percent, 2)  # promo.changes.margin_percent_text
                row.compensation_unit_text = number.money(row.economics.compensation or None)
                row.floor = floor.line_problem(line, promo.mechanic, figures=row.economics)
        if line.product_id in added:
            row.diff_class = "diff-added"
        elif line.product_id in changed:
            row.diff_class = "diff-changed"
            row.changes = formatter.rows(line_changes(changed[line.product_id]))
        if row.decidable and decisions is not None:
            row.decision = decisions.cell(line)
            row.decision_html = decision_inputs(row.decision, article=line.product.article, below_floor=bool(row.floor))
        rows.append(row)
    return rows
