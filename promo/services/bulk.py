"""Bulk actions: submit, withdraw, approve, reject or cancel many promos at once, from the
promo list, the approval queue, an upload's result page or ``POST /api/v1/promos/bulk/``.

Each promo goes through its own service (:mod:`promo.services.transitions`) with the version the
caller saw, so every rule, permission and optimistic lock holds exactly as for one promo; what a
service refuses is reported for that promo (its ``code`` and message) and the others go on. The
whole batch is one transaction, each promo a savepoint inside it, so what was done and its mail
commit together.

A bulk «Принять» has no «согласовать ниже порога»: a promo with lines below the price floor is
refused with the bulk wording (:class:`promo.services.floor.BelowFloorError`), and the
confirmation counts such promos up front (:func:`floor_refused`).

Nobody gets a mail per promo: the promos' own events are recorded without notifications and,
per event kind they produced, ONE digest event (no promo of its own, ``payload.promos``) is
mailed, each person seeing the promos they may see. A kind produced for a single promo is
mailed as that promo's own event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from config.parsing import parse_id
from promo.models import Promo, PromoEvent, PromoLine
from promo.services import floor, transitions
from promo.services.actions import BULK_ACTIONS
from promo.services.errors import InvalidError, WorkflowError
from promo.services.events import event_notify, event_record
from promo.services.workflow import NOT_VISIBLE, REASON_REQUIRED, as_version, require_reason
from suppliers.models import Category
from suppliers.querysets import DECIDE

Kind = PromoEvent.Kind

# The most promos one request may carry (a bulk import makes a few hundred).
BULK_MAX = 5000

ACTION_INVALID = _("Неизвестное действие: %(action)s.")
NOTHING_SELECTED = _("Не выбрано ни одного промо.")
TOO_MANY = _("За один раз можно обработать не больше %(max)s промо.")
ID_INVALID = _("Неверный номер промо: %(value)s.")

ACTION_LABELS = {
    "submit": _("Отправить на согласование"),
    "withdraw": _("Отозвать"),
    "approve": _("Принять"),
    "reject": _("Отклонить"),
    "cancel": _("Отменить"),
}
# The event kinds each action's service records (the digests are made per kind).
ACTION_KINDS = {
    "submit": {Kind.PROMO_SUBMITTED},
    "withdraw": {Kind.PROMO_WITHDRAWN},
    "approve": {Kind.PROMO_APPROVED, Kind.PROMO_REJECTED, Kind.LINE_DECIDED},
    "reject": {Kind.PROMO_APPROVED, Kind.PROMO_REJECTED, Kind.LINE_DECIDED},
    "cancel": {Kind.PROMO_CANCELLED},
}
# Actions whose services require a reason (with the services' messages): asked once for the batch.
REASON_MESSAGES = {"reject": transitions.REJECT_REASON_REQUIRED, "cancel": REASON_REQUIRED}


@dataclass(frozen=True)
class BulkRefusal:
    """One promo the service refused, and why."""

    id: int
    code: str
    message: str


@dataclass
class BulkResult:
    """What a bulk action did: the promos it went through for, the refused ones with the
    service's code and message, and the digest events it mailed."""

    action: str
    done: list[int] = field(default_factory=list)
    refused: list[BulkRefusal] = field(default_factory=list)
    events: list[PromoEvent] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"done": self.done,
                "refused": [{"id": r.id, "code": r.code, "message": r.message} for r in self.refused]}


def _run(action: str, promo: Promo, *, actor, version, reason: str, today: date | None) -> None:
    common = {"promo": promo, "actor": actor, "version": version, "notify": False}
    if action == "submit":
        transitions.promo_submit(comment=reason, **common)
    elif action == "withdraw":
        transitions.promo_withdraw(reason=reason, **common)
    elif action == "approve":
        transitions.promo_approve(comment=reason, **common)
    elif action == "reject":
        transitions.promo_reject(reason=reason, **common)
    else:
        transitions.promo_cancel(reason=reason, today=today, **common)


def bulk_clean(*, action: str, items: Iterable[tuple[object, object]], reason: str = "") -> tuple[
        list[tuple[int, int | None]], str]:
    """Check what every bulk action needs before any promo is touched: a known action, at
    least one and at most :data:`BULK_MAX` promos, versions that are numbers, and the reason
    a reject or a cancel requires (the services' own check, asked once for the batch)."""
    if action not in BULK_ACTIONS:
        raise InvalidError(ACTION_INVALID % {"action": action}, code="action_invalid")
    cleaned: dict[int, int | None] = {}
    for pk, version in items:
        number = parse_id(pk)
        if number is None:
            raise InvalidError(ID_INVALID % {"value": str(pk)[:20]}, code="id_invalid")
        pk = number
        cleaned.setdefault(pk, as_version(version))
    if not cleaned:
        raise InvalidError(NOTHING_SELECTED, code="nothing_selected")
    if len(cleaned) > BULK_MAX:
        raise InvalidError(TOO_MANY % {"max": BULK_MAX}, code="too_many")
    reason = (reason or "").strip()
    if action in REASON_MESSAGES:
        reason = require_reason(reason, REASON_MESSAGES[action])
    return sorted(cleaned.items()), reason


def promos_bulk(*, actor, action: str, items: Iterable[tuple[object, object]], reason: str = "",
                today: date | None = None) -> BulkResult:
    """Run ``action`` on each promo of ``items`` (``(id, version)`` pairs, in id order so two
    batches lock their rows in the same order) and report per promo. A promo the actor cannot
    see is refused as not found, as its service would."""
    pairs, reason = bulk_clean(action=action, items=items, reason=reason)
    result = BulkResult(action=action)
    with transaction.atomic():
        promos = Promo.objects.in_bulk([pk for pk, _version in pairs])
        marker = PromoEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for pk, version in pairs:
            promo = promos.get(pk)
            if promo is None:
                result.refused.append(BulkRefusal(pk, "not_found", str(NOT_VISIBLE)))
                continue
            try:
                _run(action, promo, actor=actor, version=version, reason=reason, today=today)
            except floor.BelowFloorError as exc:
                result.refused.append(BulkRefusal(pk, exc.code, exc.bulk_message()))
            except WorkflowError as exc:
                result.refused.append(BulkRefusal(pk, exc.code, exc.message))
            else:
                result.done.append(pk)
        result.events = _announce(action, actor=actor, done=result.done, marker=marker, reason=reason)
    return result


def floor_refused(*, actor, promos: Iterable[Promo]) -> set[int]:
    """The ids of ``promos`` a bulk «Принять» by ``actor`` would be refused for the price floor:
    some pending line he decides (his categories, as :func:`transitions.promo_approve` takes
    them) is below its floor (:func:`floor.line_problem`, the service's check), and a bulk action
    carries no override. One query for the lines, whatever the number of promos."""
    mechanic_of = {promo.pk: promo.mechanic for promo in promos}
    if not mechanic_of or actor is None or not actor.is_authenticated:
        return set()
    lines = (PromoLine.objects.filter(promo_id__in=mechanic_of, decision=PromoLine.Decision.PENDING,
                                      product__category__in=Category.objects.restrict(actor, DECIDE))
             .select_related("product__category").order_by("promo_id", "pk"))
    refused: set[int] = set()
    for line in lines.iterator(chunk_size=2000):
        if line.promo_id not in refused and floor.line_problem(line, mechanic_of[line.promo_id]) is not None:
            refused.add(line.promo_id)
    return refused


def _announce(action: str, *, actor, done: list[int], marker: int, reason: str) -> list[PromoEvent]:
    """One mail per person and kind: the events the batch recorded (newer than ``marker``;
    its promos stay locked until the commit, so no one else's), grouped by kind."""
    if not done:
        return []
    recorded = (PromoEvent.objects.filter(pk__gt=marker, promo_id__in=done, actor=actor, kind__in=ACTION_KINDS[action])
                .order_by("pk"))
    by_kind: dict[str, list[PromoEvent]] = defaultdict(list)
    for event in recorded:
        by_kind[event.kind].append(event)
    announced = []
    for kind, events in sorted(by_kind.items()):
        if len(events) == 1:
            event_notify(events[0])
            announced.append(events[0])
            continue
        ids = list(dict.fromkeys(event.promo_id for event in events))
        announced.append(event_record(kind=kind, actor=actor, reason=reason,
                                      payload={"bulk": action, "promos": ids, "count": len(ids)}))
    return announced
