"""Representations of promos for the API, and the bodies of the workflow actions.

Action bodies only parse input; the rules (who may, which status, reasons, dates, values)
are checked by the services, so the API answers with the same messages as the pages."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api_exceptions import ApiError
from config.api_fields import (
    NOT_BLANK_PATTERN,
    StrictBodyMixin,
    StrictBodySerializer,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictIntegerField,
)
from promo import economics, mechanics
from promo.models import Promo, PromoComment, PromoLine, SupplierRequest
from promo.rules import REASON_MAX_LENGTH
from promo.services.actions import ACTIONS, BULK_ACTIONS, Standing, promo_actions
from promo.services.bulk import BULK_MAX
from promo.services.comments import COMMENT_MAX_LENGTH
from suppliers.models import Category, Product, Supplier
from suppliers.roles import is_staff_role

DUPLICATE_PROMO = _("Промо %(id)s указано дважды.")


class _SupplierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = ["id", "code", "name"]


class _CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name"]


class _ProductSerializer(serializers.ModelSerializer):
    category = _CategorySerializer(read_only=True)

    class Meta:
        model = Product
        fields = ["id", "article", "ean", "name", "category"]


def line_unit_price(line: PromoLine, mechanic: str) -> Decimal | None:
    """The effective unit price of a line under its promo's mechanic (None if incomplete)."""
    try:
        return mechanics.promo_price(mechanic, line.regular_price, discount_percent=line.discount_percent,
                                     price=line.promo_price, n=line.n, m=line.m)
    except (TypeError, ValueError, ArithmeticError):
        return None


class _BelowFloorSerializer(serializers.Serializer):
    margin = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True,
                                      help_text="The line's margin after compensation when accepted, %.")
    floor = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True,
                                     help_text="The price floor it was accepted under, %.")


class PromoLineSerializer(serializers.ModelSerializer):
    """A line with its terms, the effective price and discount (promo/mechanics.py) and the
    category manager's decision. The economics after the supplier's compensation
    (``compensation_per_unit``, ``net_price``, ``margin``, ``margin_percent``, ``planned_margin``)
    are the chain's internal figures: ``null`` for supplier users."""

    product = _ProductSerializer(read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True,
                                              help_text="Who decided the line; null while it is pending.")
    effective_price = serializers.SerializerMethodField(help_text="Unit price under the mechanic.")
    effective_discount_percent = serializers.SerializerMethodField(help_text="Discount off the regular price, %.")
    compensation_per_unit = serializers.SerializerMethodField(
        help_text="What the supplier pays back per unit: the discount × compensation % (staff only).")
    net_price = serializers.SerializerMethodField(
        help_text="What the chain receives per unit: effective price + compensation (staff only).")
    margin = serializers.SerializerMethodField(
        help_text="The chain's margin per unit after compensation: net price − purchase price (staff only).")
    margin_percent = serializers.SerializerMethodField(help_text="The margin as a share of the net price, % (staff only).")
    planned_margin = serializers.SerializerMethodField(help_text="margin × planned_quantity (staff only).")
    below_floor = _BelowFloorSerializer(
        read_only=True, allow_null=True,
        help_text="Accepted below the price floor: the margin and the floor then (null otherwise); "
                  "decision_reason is the manager's reason for it, as typed.")

    class Meta:
        model = PromoLine
        fields = ["id", "product", "regular_price", "discount_percent", "promo_price", "n", "m",
                  "compensation_percent", "planned_quantity", "comment", "decision", "decision_reason",
                  "below_floor", "decided_by", "decided_at", "effective_price", "effective_discount_percent",
                  "compensation_per_unit", "net_price", "margin", "margin_percent", "planned_margin"]

    def _price(self, line: PromoLine) -> Decimal | None:
        return line_unit_price(line, self.context["mechanics"][line.promo_id])

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_effective_price(self, line: PromoLine):
        price = self._price(line)
        return None if price is None else f"{price:.2f}"

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True))
    def get_effective_discount_percent(self, line: PromoLine):
        price = self._price(line)
        return None if price is None else f"{mechanics.effective_discount_percent(line.regular_price, price):.2f}"

    def _economics(self, line: PromoLine, name: str):
        """One figure of the line's economics (promo/economics.py), for staff only."""
        if not is_staff_role(self.context["request"].user):
            return None
        figures = economics.of_line(line, self.context["mechanics"][line.promo_id])
        value = None if figures is None else getattr(figures, name)
        return None if value is None else f"{value:.2f}"

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_compensation_per_unit(self, line: PromoLine):
        return self._economics(line, "compensation")

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_net_price(self, line: PromoLine):
        return self._economics(line, "net_price")

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_margin(self, line: PromoLine):
        return self._economics(line, "margin")

    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True))
    def get_margin_percent(self, line: PromoLine):
        return self._economics(line, "margin_percent")

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True))
    def get_planned_margin(self, line: PromoLine):
        return self._economics(line, "planned_margin")


class _Listed:
    """What every listed promo of one request shares: the labels in the request's language,
    today, and the date and time fields that write the values."""

    def __init__(self) -> None:
        self.mechanics = {key: str(label) for key, label in Promo.Mechanic.choices}
        self.statuses = {key: str(label) for key, label in Promo.Status.choices}
        self.today = timezone.localdate()
        self.date = serializers.DateField().to_representation
        self.datetime = serializers.DateTimeField().to_representation


class PromoSerializer(serializers.ModelSerializer):
    """A promo as listed: its newest terms, status, the revision in force and line counts.
    ``version`` must come back with every action (optimistic locking)."""

    code = serializers.CharField(read_only=True)
    supplier = _SupplierSerializer(read_only=True)
    mechanic_display = serializers.CharField(source="get_mechanic_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    phase = serializers.SerializerMethodField(help_text="upcoming / running / finished for a promo in force.")
    approved_revision = serializers.IntegerField(source="approved_revision.number", read_only=True,
                                                 allow_null=True, default=None,
                                                 help_text="Number of the revision in force (exports read it).")
    lines_total = serializers.IntegerField(read_only=True)
    lines_pending = serializers.IntegerField(read_only=True)
    lines_accepted = serializers.IntegerField(read_only=True)
    lines_rejected = serializers.IntegerField(read_only=True)
    submitted_at = serializers.SerializerMethodField(
        help_text="When the revision waiting for approval was sent (null unless submitted).")
    decision_due = serializers.SerializerMethodField(
        help_text="The day a decision on the revision waiting for approval is due (null unless submitted).")
    overdue = serializers.SerializerMethodField(help_text="Submitted and past its decision due date.")

    class Meta:
        model = Promo
        fields = ["id", "code", "name", "supplier", "mechanic", "mechanic_display", "start", "end", "targeting",
                  "status", "status_display", "phase", "revision", "version", "approved_revision",
                  "lines_total", "lines_pending", "lines_accepted", "lines_rejected", "submitted_at", "decision_due",
                  "overdue", "created_at", "updated_at"]

    def to_representation(self, promo: Promo) -> dict:
        """A listed promo written field by field (issue 12): the same JSON as DRF's generic
        ``to_representation`` (tests/promo/api/test_promo_representation.py holds the two to
        it), without its per-field attribute lookup (``is_simple_callable`` and friends were
        half of the API list's CPU), the choices' labels translated once per request, dates
        and times through the declared fields' own ``to_representation``. The detail
        (:class:`PromoDetailSerializer`) adds its lines and actions the generic way."""
        if type(self) is not PromoSerializer:
            return super().to_representation(promo)
        listed = self.__dict__.get("_listed")
        if listed is None:
            listed = self.__dict__["_listed"] = _Listed()
        supplier, approved = promo.supplier, promo.approved_revision
        return {
            "id": promo.pk, "code": promo.code, "name": promo.name,
            "supplier": {"id": supplier.pk, "code": supplier.code, "name": supplier.name},
            "mechanic": promo.mechanic, "mechanic_display": listed.mechanics.get(promo.mechanic, promo.mechanic),
            "start": listed.date(promo.start), "end": listed.date(promo.end), "targeting": promo.targeting,
            "status": promo.status, "status_display": listed.statuses.get(promo.status, promo.status),
            "phase": promo.phase(listed.today), "revision": promo.revision, "version": promo.version,
            "approved_revision": approved.number if approved is not None else None,
            "lines_total": promo.lines_total, "lines_pending": promo.lines_pending,
            "lines_accepted": promo.lines_accepted, "lines_rejected": promo.lines_rejected,
            "submitted_at": self.get_submitted_at(promo), "decision_due": self.get_decision_due(promo),
            "overdue": promo.is_overdue(listed.today),
            "created_at": listed.datetime(promo.created_at), "updated_at": listed.datetime(promo.updated_at),
        }

    @extend_schema_field(serializers.ChoiceField(choices=["upcoming", "running", "finished"], allow_null=True))
    def get_phase(self, promo: Promo):
        return promo.phase(timezone.localdate())

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_submitted_at(self, promo: Promo):
        waiting = promo.status == Promo.Status.SUBMITTED and promo.submitted_at is not None
        return serializers.DateTimeField().to_representation(promo.submitted_at) if waiting else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_decision_due(self, promo: Promo):
        waiting = promo.status == Promo.Status.SUBMITTED and promo.decision_due is not None
        return promo.decision_due.isoformat() if waiting else None

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, promo: Promo) -> bool:
        return promo.is_overdue(timezone.localdate())


class PromoDetailSerializer(PromoSerializer):
    """A promo with its lines and the actions the caller may take on it now."""

    lines = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(
        help_text="What the caller may do with the promo now (the promo page offers the same): "
                  "`submit`, `withdraw`, `approve`, `reject`, `lines` (decide lines), `cancel`, `extend`, "
                  "`request_extension`, `request_cancellation`, `accept_extension` / `accept_cancellation` "
                  "(a supplier's open request), `decline_request`, `correct` (dates), `line_correct`, "
                  "`targeting`, `comment`. An action not listed is refused.")

    class Meta(PromoSerializer.Meta):
        fields = [*PromoSerializer.Meta.fields, "lines", "actions"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=list(ACTIONS))))
    def get_actions(self, promo: Promo):
        return sorted(promo_actions(self.context["request"].user, promo, timezone.localdate(),
                                    standing=Standing(self.context["request"].user, promo, visible=True)))

    @extend_schema_field(PromoLineSerializer(many=True))
    def get_lines(self, promo: Promo):
        context = {**self.context, "mechanics": {promo.pk: promo.mechanic}}
        return PromoLineSerializer(promo.lines.all(), many=True, context=context).data


class VersionSerializer(StrictBodySerializer):
    version = StrictIntegerField(min_value=1, help_text="The promo version the caller saw.")


class CommentBodySerializer(VersionSerializer):
    comment = StrictCharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")


class ReasonBodySerializer(VersionSerializer):
    reason = StrictCharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="",
                             help_text="Required to reject, cancel, ask for a cancellation or an extension, "
                                       "and to reject a line.")


class ExtendBodySerializer(ReasonBodySerializer):
    new_end = StrictDateField(help_text="The new last day (YYYY-MM-DD).")


BELOW_FLOOR_HELP = ("Accept lines under the price floor anyway, for this reason («согласовать ниже порога»); "
                    "without it such lines are refused (400, code below_floor), saying by how much.")


class DecideBodySerializer(ReasonBodySerializer):
    decision = StrictChoiceField(choices=[PromoLine.Decision.ACCEPTED, PromoLine.Decision.REJECTED])
    below_floor_reason = StrictCharField(max_length=REASON_MAX_LENGTH, required=False, allow_null=True, default=None,
                                         help_text=BELOW_FLOOR_HELP)


class ApproveBodySerializer(CommentBodySerializer):
    below_floor_reason = StrictCharField(max_length=REASON_MAX_LENGTH, required=False, allow_null=True, default=None,
                                         help_text=BELOW_FLOOR_HELP)


class NoticeSerializer(serializers.Serializer):
    """A request recorded for someone else to decide (202): what happened, for programs and people."""

    code = serializers.CharField(help_text="What was recorded, for programs (`extension_requested`...).")
    message = serializers.CharField(help_text="What was recorded, for people (Russian by default).")
    detail = serializers.CharField(help_text="Deprecated: the same text as `message`, until API v2.")


def notice_body(code: str, message) -> dict:
    return {"code": code, "message": str(message), "detail": str(message)}


class RequestBodySerializer(VersionSerializer):
    reason = StrictCharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="",
                             help_text="Why the supplier asks (required).")


class RequestExtensionBodySerializer(RequestBodySerializer):
    new_end = StrictDateField(help_text="The last day asked for (YYYY-MM-DD).")


class AnswerBodySerializer(StrictBodySerializer):
    reason = StrictCharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="",
                             help_text="The answer to the supplier (required to decline).")


class SupplierRequestSerializer(serializers.ModelSerializer):
    """A supplier's request to extend or cancel a promo, and its answer."""

    promo_code = serializers.CharField(source="promo.code", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True,
                                                help_text="Who asked; null if that user was deleted.")
    answered_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True,
                                               help_text="Who answered; null while the request is open.")
    requested_at = serializers.DateTimeField(source="created_at", read_only=True)
    answer = serializers.CharField(source="answer_text", read_only=True,
                                   help_text="The answer as typed; one the portal wrote (the promo became final) "
                                             "in the request's language.")

    class Meta:
        model = SupplierRequest
        fields = ["id", "promo", "promo_code", "kind", "status", "new_end", "reason", "requested_by",
                  "requested_at", "answered_by", "answer", "answered_at"]
        read_only_fields = fields


class RequestCreatedSerializer(NoticeSerializer):
    request = SupplierRequestSerializer()


class BulkItemSerializer(StrictBodySerializer):
    id = StrictIntegerField(min_value=1, help_text="The promo's id.")
    version = StrictIntegerField(min_value=1, help_text="The promo version the caller saw.")


class BulkBodySerializer(StrictBodySerializer):
    action = StrictChoiceField(choices=list(BULK_ACTIONS))
    promos = BulkItemSerializer(many=True, allow_empty=False, max_length=BULK_MAX,
                                help_text="Each promo once (a promo named twice is a 400 `promo_duplicate`).")
    reason = StrictCharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="",
                             help_text="Required to reject or cancel; a comment for the others.")

    def validate_promos(self, value):
        # Well-formed, but the batch names a promo twice: a rule of the bulk action the schema
        # cannot state (items unique by id), so it has its own code, not ``invalid``.
        seen = set()
        for item in value:
            if item["id"] in seen:
                message = DUPLICATE_PROMO % {"id": item["id"]}
                raise ApiError(message, code="promo_duplicate", fields={"promos": [message]})
            seen.add(item["id"])
        return value


class BulkRefusalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text="The service's refusal code (`stale_version`, `not_found`, ...).")
    message = serializers.CharField(help_text="Why, for people (Russian by default).")


class BulkResultSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.IntegerField(), help_text="Promos the action went through for.")
    refused = BulkRefusalSerializer(many=True)


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class HistoryEntrySerializer(serializers.Serializer):
    """One entry of a promo's timeline (promo.selectors.promo_history)."""

    kind = serializers.CharField()
    kind_display = serializers.CharField()
    actor = serializers.SerializerMethodField()
    actor_name = serializers.CharField()
    when = serializers.DateTimeField()
    summary = serializers.CharField()
    reason = serializers.CharField()
    changes = serializers.SerializerMethodField()
    internal = serializers.BooleanField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, entry: dict):
        return entry["actor"].get_username() if entry["actor"] else None

    @extend_schema_field(HistoryChangeSerializer(many=True))
    def get_changes(self, entry: dict):
        return [{"field": change.title, "old": change.old, "new": change.new} for change in entry["changes"]]


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": COMMENT_MAX_LENGTH, "pattern": NOT_BLANK_PATTERN})
class CommentTextField(StrictCharField):
    """The schema says what the comment rule (promo/services/comments.py) requires: some text, at
    most COMMENT_MAX_LENGTH characters; the service checks it and answers in its own words."""


class CommentSerializer(StrictBodyMixin, serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    text = CommentTextField(allow_blank=True, help_text="The comment (not empty).")
    internal = StrictBooleanField(required=False, default=False,
                                        help_text="For chain staff only; never shown to suppliers.")
    # Integrators send the version with every action, as the promo's actions say; a comment
    # changes no term of the promo, so it is read (a whole number) and not compared.
    version = StrictIntegerField(min_value=1, required=False, write_only=True,
                                 help_text="The promo version the caller saw (optional; a comment is added "
                                           "whatever the promo's version: it changes none of its terms).")

    class Meta:
        model = PromoComment
        fields = ["id", "author", "text", "internal", "version", "created_at"]
        read_only_fields = ["id", "author", "created_at"]
