"""The price floor: a line whose margin after the supplier's compensation is below the floor
(``settings.PROMO_MARGIN_FLOOR_PERCENT``, or its category's ``margin_floor_percent``) is a
warning at upload and cannot be accepted unless the manager agrees to it «ниже порога» with a
reason (promo.services.transitions records it in the line's history and the decision event).

The rule itself is :func:`promo.rules.margin_floor_problem`, over the economics of
:mod:`promo.mechanics`; this module reads the floors and words the refusals
(:class:`BelowFloorError`: on one promo's page, or for a bulk action, which has no override).

An accepted override is stored as facts, not words: the line keeps the reason as typed and
``PromoLine.below_floor`` the margin and the floor (:func:`override_facts`); each reader's
language words them at display time (:func:`promo.changes.below_floor_note`). Decisions made
before kept the note in the actor's language: promo migrations 0012 (lines and their history)
and 0013 (the decision events' lines and the history's change reasons) turned those that read
back exactly into their facts into the reason as typed."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy

from promo import economics, mechanics, rules
from promo.changes import margin_percent_text
from promo.models import PromoLine
from promo.services.errors import InvalidError
from suppliers.models import Category, Product

PRODUCT_CHUNK = 2000

BELOW_FLOOR = gettext_lazy(
    "Строки ниже порога маржи: {lines}. Чтобы принять их, отметьте «согласовать ниже порога» "
    "и укажите причину."
)
BELOW_FLOOR_LINE = gettext_lazy(
    "{article}: маржа после компенсации {margin} % при пороге {floor} % — не хватает {shortfall} п.п. "
    "({shortfall_rub} ₽ за шт.)"
)
# A bulk action carries no override: the promo is accepted on its own page.
BELOW_FLOOR_BULK = gettext_lazy(
    "Строки ниже порога маржи: {lines}. Списком такое промо не принять: откройте промо, чтобы "
    "согласовать эти строки ниже порога с причиной."
)
OVERRIDE_REASON_REQUIRED = gettext_lazy("Укажите причину согласования ниже порога.")


def default_floor() -> Decimal | None:
    value = settings.PROMO_MARGIN_FLOOR_PERCENT
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def floor_of(category: Category | None) -> Decimal | None:
    """The floor of a category: its own, else the setting."""
    if category is not None and category.margin_floor_percent is not None:
        return category.margin_floor_percent
    return default_floor()


def line_problem(line: PromoLine, mechanic: str, *, figures: mechanics.Economics | None = None
                 ) -> rules.RuleProblem | None:
    """The floor problem of a saved line (its product and category loaded), or None;
    ``figures``: its economics when the caller has them already (``economics.of_line``)."""
    figures = figures if figures is not None else economics.of_line(line, mechanic)
    return rules.margin_floor_problem(figures, floor_of(line.product.category))


def problems_of(lines: Iterable[PromoLine], mechanic: str) -> dict[int, rules.RuleProblem]:
    """``{line id: problem}`` of the lines below their floor."""
    found = {}
    for line in lines:
        problem = line_problem(line, mechanic)
        if problem is not None:
            found[line.pk] = problem
    return found


def describe(article: str, problem: rules.RuleProblem) -> str:
    """One line's shortfall in words (the active language)."""
    params = problem.params
    return str(BELOW_FLOOR_LINE).format(
        article=article, margin=margin_percent_text(params["margin"]), floor=margin_percent_text(params["floor"]),
        shortfall=margin_percent_text(params["shortfall"]), shortfall_rub=number_format(params["shortfall_rub"], 2))


def refusal(items: list[tuple[str, rules.RuleProblem]], *, bulk: bool = False) -> str:
    """The refusal of accepting ``(article, problem)`` lines without an override; ``bulk``:
    worded for a bulk action, which has no «согласовать ниже порога» to tick."""
    text = BELOW_FLOOR_BULK if bulk else BELOW_FLOOR
    return str(text).format(lines="; ".join(describe(article, problem) for article, problem in items))


class BelowFloorError(InvalidError):
    """Accepting lines below the floor without an override (``items``: ``(article, problem)``);
    the message is the promo page's, :meth:`bulk_message` the bulk action's."""

    default_code = "below_floor"

    def __init__(self, items: list[tuple[str, rules.RuleProblem]]):
        self.items = items
        super().__init__(refusal(items))

    def bulk_message(self) -> str:
        return refusal(self.items, bulk=True)


def override_facts(params) -> dict[str, str]:
    """What ``PromoLine.below_floor`` keeps of an accepted override (``params``: the floor
    problem's): the margin and the floor (%, two decimals, as decimal strings), worded when read
    (promo.changes.below_floor_text)."""
    return {key: f"{Decimal(str(params[key])).quantize(Decimal('0.01'))}" for key in ("margin", "floor")}


def candidate_problems(promos) -> list[tuple[int, str, rules.RuleProblem]]:
    """``(sheet row, article, problem)`` of the validated sheet lines (``PromoCandidate``s) below
    their floor: one query per chunk of products for the purchase prices and category floors."""
    product_ids = sorted({pk for promo in promos for pk in promo.lines})
    facts: dict[int, tuple] = {}
    for index in range(0, len(product_ids), PRODUCT_CHUNK):
        facts.update({
            pk: (purchase, floor)
            for pk, purchase, floor in Product.objects.filter(pk__in=product_ids[index:index + PRODUCT_CHUNK])
            .values_list("pk", "purchase_price", "category__margin_floor_percent")
        })
    fallback = default_floor()
    found = []
    for promo in promos:
        for line in promo.lines.values():
            purchase, floor = facts.get(line.product_id, (None, None))
            if purchase is None:
                continue
            unit = mechanics.unit_price(promo.mechanic, line.regular_price, discount_percent=line.discount_percent,
                                        price=line.promo_price, n=line.n, m=line.m)
            if unit is None:
                continue
            figures = mechanics.line_economics(regular=line.regular_price, unit_price=unit, purchase_price=purchase,
                                               compensation_percent=line.compensation_percent)
            problem = rules.margin_floor_problem(figures, floor if floor is not None else fallback)
            if problem is not None:
                found.append((line.row, line.article, problem))
    return found
