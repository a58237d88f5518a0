"""One shape for a promo line on its way: from a validated sheet row (``LineCandidate``) or a
saved ``PromoLine`` into a frozen revision (``PromoRevision.lines``, JSON), and from there into
the revision diff, the exports and the price tags (STYLE.md §13, "one shape per thing that
travels").

``LineSnapshot.to_json`` writes the form every revision has been stored in since revision 1
(the keys below; decimals as plain strings such as ``"20"`` or ``"12.50"``; ``n``/``m`` as
numbers); ``from_json`` reads any row ever stored, including the older exponent forms of
integral decimals (``"2E+1"`` for 20) and rows without ``decision_reason``. Values compare as
numbers, so ``"20"`` and ``"2E+1"`` are the same discount.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NamedTuple

from promo.mechanics import plain_decimal
from promo.models import PromoLine

if TYPE_CHECKING:
    from promo.services.imports.validation import LineCandidate

# The line terms a supplier or a correction can change: what a corrected upload updates and
# what the revision diff compares.
LINE_TERMS = ("discount_percent", "promo_price", "n", "m", "regular_price", "compensation_percent", "comment",
              "planned_quantity")

PENDING = PromoLine.Decision.PENDING.value


def _decimal(value: Any) -> Decimal | None:
    """A stored decimal (a string, a number or None); None when it is empty or not a finite
    number."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _int(value: Any) -> int | None:
    """A stored whole number (2, "2", 2.0); None when it is empty or not a whole number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = _decimal(value)
    return int(number) if number is not None and number == number.to_integral_value() else None


def json_value(value: Any) -> Any:
    """A snapshot value as stored in JSON: a decimal as its plain string, the rest as is."""
    return str(plain_decimal(value)) if isinstance(value, Decimal) else value


class LineSnapshot(NamedTuple):
    """One line of a promo as a revision freezes it: the product (id, article, EAN, name as
    they were), the terms and the category manager's decision. Decimals compare by value (20.00,
    20 and 2E+1 are equal) and are written in their plain form (``to_json``).

    Immutable and typed. A NamedTuple rather than a frozen dataclass: an import freezes 100,000
    new lines at once, and a frozen dataclass's ``__init__`` costs four times as much."""

    product_id: int
    article: str
    ean: str
    name: str
    discount_percent: Decimal | None
    promo_price: Decimal | None
    n: int | None
    m: int | None
    regular_price: Decimal | None
    compensation_percent: Decimal | None
    comment: str
    decision: str = PENDING
    decision_reason: str = ""
    planned_quantity: int | None = None

    @classmethod
    def from_line(cls, line: PromoLine) -> LineSnapshot:
        """A saved line (with its product loaded: ``select_related("product")``)."""
        product = line.product
        return cls(
            line.product_id, product.article, product.ean, product.name,
            line.discount_percent, line.promo_price, line.n, line.m,
            line.regular_price, line.compensation_percent, line.comment,
            str(line.decision), line.decision_reason, line.planned_quantity,
        )

    @classmethod
    def from_candidate(cls, candidate: LineCandidate) -> LineSnapshot:
        """A validated sheet row about to become a new line: no decision yet."""
        return cls(
            candidate.product_id, candidate.article, candidate.ean, candidate.name,
            candidate.discount_percent, candidate.promo_price, candidate.n, candidate.m,
            candidate.regular_price, candidate.compensation_percent, candidate.comment,
            planned_quantity=candidate.planned_quantity,
        )

    @classmethod
    def from_json(cls, data: dict) -> LineSnapshot:
        """A row of ``PromoRevision.lines`` as stored, in any form ever written (see the module
        docstring). A value that cannot be read is None rather than an error."""
        return cls(
            product_id=_int(data.get("product_id")),
            article=str(data.get("article") or ""),
            ean=str(data.get("ean") or ""),
            name=str(data.get("name") or ""),
            discount_percent=_decimal(data.get("discount_percent")),
            promo_price=_decimal(data.get("promo_price")),
            n=_int(data.get("n")),
            m=_int(data.get("m")),
            regular_price=_decimal(data.get("regular_price")),
            compensation_percent=_decimal(data.get("compensation_percent")),
            comment=str(data.get("comment") or ""),
            decision=str(data.get("decision") or PENDING),
            decision_reason=str(data.get("decision_reason") or ""),
            planned_quantity=_int(data.get("planned_quantity")),
        )

    def to_json(self) -> dict:
        """The row as ``PromoRevision.lines`` stores it."""
        return {
            "product_id": self.product_id,
            "article": self.article,
            "ean": self.ean,
            "name": self.name,
            "discount_percent": json_value(self.discount_percent),
            "promo_price": json_value(self.promo_price),
            "n": self.n,
            "m": self.m,
            "regular_price": json_value(self.regular_price),
            "compensation_percent": json_value(self.compensation_percent),
            "comment": self.comment,
            "decision": self.decision,
            "decision_reason": self.decision_reason,
            "planned_quantity": self.planned_quantity,
        }

    def changes_from(self, old: LineSnapshot) -> dict[str, list]:
        """The terms that differ from ``old``: ``{name: [old, new]}`` in their JSON form."""
        changed = {}
        for name in LINE_TERMS:
            before, after = getattr(old, name), getattr(self, name)
            if before != after:
                changed[name] = [json_value(before), json_value(after)]
        return changed
