"""Who may do what to a promo, now: one predicate per action, asked by the service that
performs it, by the promo page that offers its button and by the API's ``actions`` list, so a
page never offers what the service refuses.

Each action has a *role* predicate (who: the promo's supplier, a manager of its lines'
categories, a marketer) and a *state* predicate (when: status, revision in force, finished).
A service checks the role first (:func:`require_role`: a promo the actor cannot see is
:class:`~promo.services.errors.NotFoundError`, a visible one he may not act on
:class:`~promo.services.errors.NotAllowedError`), then the version (a double click returns
quietly), then whether anything would change, then the state (:func:`require_state`:
:class:`~promo.services.errors.IllegalStateError`). :func:`promo_actions` is the set of actions
whose predicates pass and that have something to do (approving when none of the manager's
lines is pending changes nothing, so it is not offered).

Rules that read the same for a supplier's request and the marketer's action: a supplier may
ask for an extension when a marketer could extend (submitted or approved), and for a
cancellation when a marketer could cancel (a revision in force that has not finished).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import cached_property

from django.utils.translation import gettext_lazy as _

from promo.models import Promo, PromoEvent, PromoLine
from promo.services.errors import IllegalStateError, NotAllowedError, NotFoundError, WorkflowError
from promo.services.workflow import NOT_VISIBLE, in_force, status_label, today_or
from suppliers.models import Category, Supplier
from suppliers.querysets import CHANGE, DECIDE
from suppliers.roles import is_category_manager, is_marketer, is_supplier_user

Status = Promo.Status
Decision = PromoLine.Decision

# Every action of a promo, as the promo page and the API name them.
ACTIONS = (
    "submit", "withdraw", "approve", "reject", "lines", "cancel", "extend", "request_extension",
    "request_cancellation", "correct", "line_correct", "targeting", "comment",
)

NOT_SUPPLIER_OR_MARKETER = _("Это может сделать только поставщик этого промо или маркетолог.")
SUPPLIER_ONLY = _("Это может сделать только поставщик этого промо.")
MARKETER_ONLY = _("Это может сделать только маркетолог.")
NOT_CATEGORY_MANAGER = _("Вы не согласуете категории товаров этого промо.")
NOT_LINE_MANAGER = _("Решение по этой строке принимает менеджер её категории.")
CORRECTOR_ONLY = _("Корректировать промо может менеджер его категорий или маркетолог.")
LINE_CORRECTOR_ONLY = _("Корректировать строку может менеджер её категории или маркетолог.")
ILLEGAL_MOVE = _("Нельзя перевести промо из статуса «%(from)s» в статус «%(to)s».")
NOT_SUBMITTED = _("Промо не на согласовании (статус «%(status)s»).")
NOT_CORRECTABLE = _("Промо в статусе «%(status)s» нельзя корректировать.")
RESUBMIT_NEEDS_REVISION = _("Отклонённое промо можно отправить снова только после загрузки "
                            "исправленной версии.")
WITHDRAW_IN_FORCE = _("Промо уже согласовано и действует: отозвать его нельзя, запросите отмену.")
NOT_IN_FORCE = _("Отменить или продлить можно только согласованное промо.")
ALREADY_FINISHED = _("Промо уже завершилось.")
NO_LINES = _("В промо нет ни одной строки.")
NO_TARGETING = _("Не выбран ни один филиал.")

# Statuses whose terms a manager or a marketer may correct (a rejected promo's way on is a
# corrected sheet; withdrawn and cancelled are final).
CORRECTABLE_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.APPROVED)
EXTENDABLE_STATUSES = (Status.SUBMITTED, Status.APPROVED)


class Standing:
    """What ``actor`` is to ``promo``: the facts every predicate reads, each fetched once and
    only when asked. ``visible`` may be passed by a caller that found the promo through
    ``Promo.objects.restrict(actor)`` already."""

    def __init__(self, actor, promo: Promo, *, visible: bool | None = None):
        self.actor = actor
        self.promo = promo
        if visible is not None:
            self.visible = visible

    @cached_property
    def visible(self) -> bool:
        return Promo.objects.restrict(self.actor).filter(pk=self.promo.pk).exists()

    @cached_property
    def marketer(self) -> bool:
        return is_marketer(self.actor)

    @cached_property
    def own_supplier(self) -> bool:
        """A user of the promo's supplier (marketers act on behalf, they are not it)."""
        return is_supplier_user(self.actor) and Supplier.objects.restrict(self.actor, CHANGE).filter(
            pk=self.promo.supplier_id).exists()

    @cached_property
    def decidable(self) -> dict[int, str]:
        """The promo's lines the actor decides (lines of his categories): id -> decision."""
        actor = self.actor
        if actor is None or not actor.is_authenticated or not (is_category_manager(actor) or actor.is_superuser):
            return {}
        return dict(PromoLine.objects.filter(
            promo_id=self.promo.pk, product__category__in=Category.objects.restrict(actor, DECIDE),
        ).values_list("pk", "decision"))

    @property
    def decides(self) -> bool:
        return bool(self.decidable)

    @property
    def pending(self) -> bool:
        """Some of the actor's lines wait for his decision."""
        return Decision.PENDING in self.decidable.values()

    def refusal(self, message) -> WorkflowError:
        """A promo the actor cannot see is «not found» (as if it did not exist); a visible one
        is refused with ``message``."""
        if not self.visible:
            return NotFoundError(NOT_VISIBLE)
        return NotAllowedError(message)


# --- role predicates -----------------------------------------------------------------------

def _supplier_or_marketer(s: Standing) -> bool:
    return s.marketer or s.own_supplier


def _marketer(s: Standing) -> bool:
    return s.marketer


def _supplier(s: Standing) -> bool:
    return s.own_supplier


def _decider(s: Standing) -> bool:
    return s.decides


def _corrector(s: Standing) -> bool:
    return s.marketer or s.decides


def _visible(s: Standing) -> bool:
    return s.visible


ROLES: dict[str, tuple[Callable[[Standing], bool], object]] = {
    "submit": (_supplier_or_marketer, NOT_SUPPLIER_OR_MARKETER),
    "withdraw": (_supplier_or_marketer, NOT_SUPPLIER_OR_MARKETER),
    "approve": (_decider, NOT_CATEGORY_MANAGER),
    "reject": (_decider, NOT_CATEGORY_MANAGER),
    "lines": (_decider, NOT_LINE_MANAGER),
    "cancel": (_marketer, MARKETER_ONLY),
    "extend": (_marketer, MARKETER_ONLY),
    "request_extension": (_supplier, SUPPLIER_ONLY),
    "request_cancellation": (_supplier, SUPPLIER_ONLY),
    "correct": (_corrector, CORRECTOR_ONLY),
    "line_correct": (_corrector, LINE_CORRECTOR_ONLY),
    "targeting": (_marketer, MARKETER_ONLY),
    "comment": (_visible, NOT_VISIBLE),
}


def _lines_allowed(action: str, s: Standing, line_ids: Iterable[int]) -> bool:
    """Line-level role: a line is decided by a manager of its category; a marketer corrects
    any line, a manager only his."""
    ids = set(line_ids)
    if action == "line_correct" and s.marketer:
        return True
    return ids <= s.decidable.keys()


# --- state predicates ----------------------------------------------------------------------

def _illegal_move(promo: Promo, to: str) -> IllegalStateError:
    return IllegalStateError(ILLEGAL_MOVE % {"from": status_label(promo.status), "to": status_label(to)},
                             code="illegal_move")


def _submit_state(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    # Approved -> submitted is for new revisions (corrections, uploads), not a resubmit.
    if promo.status not in (Status.DRAFT, Status.REJECTED):
        return _illegal_move(promo, Status.SUBMITTED)
    if promo.status == Status.REJECTED:
        rejected = promo.events.filter(kind=PromoEvent.Kind.PROMO_REJECTED).order_by("-created_at", "-pk").first()
        if rejected is not None and rejected.payload.get("revision", 0) >= promo.revision:
            return IllegalStateError(RESUBMIT_NEEDS_REVISION, code="needs_revision")
    if not promo.lines.exists():
        return IllegalStateError(NO_LINES, code="no_lines")
    if promo.rules.is_empty:
        return IllegalStateError(NO_TARGETING, code="no_targeting")
    return None


def _withdraw_state(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    # A revision in force leaves only through a marketer's cancellation (on request).
    if promo.approved_revision_id is not None:
        return IllegalStateError(WITHDRAW_IN_FORCE, code="in_force")
    if not promo.can_transition_to(Status.WITHDRAWN):
        return _illegal_move(promo, Status.WITHDRAWN)
    return None


def _submitted_state(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    if promo.status != Status.SUBMITTED:
        return IllegalStateError(NOT_SUBMITTED % {"status": status_label(promo.status)}, code="not_submitted")
    return None


def _cancel_state(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    if not in_force(promo):
        return IllegalStateError(NOT_IN_FORCE, code="not_in_force")
    if promo.phase(today) == "finished":
        return IllegalStateError(ALREADY_FINISHED, code="finished")
    return None


def _extend_state(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    if promo.status not in EXTENDABLE_STATUSES:
        return IllegalStateError(NOT_IN_FORCE, code="not_in_force")
    return None


def _correct_state(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    if promo.status not in CORRECTABLE_STATUSES:
        return IllegalStateError(NOT_CORRECTABLE % {"status": status_label(promo.status)}, code="not_correctable")
    return None


def _targeting_state(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    if promo.is_final:
        return IllegalStateError(NOT_CORRECTABLE % {"status": status_label(promo.status)}, code="not_correctable")
    return None


def _always(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    return None


STATES: dict[str, Callable[[Promo, Standing, date], WorkflowError | None]] = {
    "submit": _submit_state,
    "withdraw": _withdraw_state,
    "approve": _submitted_state,
    "reject": _submitted_state,
    "lines": _submitted_state,
    "cancel": _cancel_state,
    "extend": _extend_state,
    "request_extension": _extend_state,
    "request_cancellation": _cancel_state,
    "correct": _correct_state,
    "line_correct": _correct_state,
    "targeting": _targeting_state,
    "comment": _always,
}

# Allowed, yet nothing to do: accepting or rejecting «all my pending lines» when none is pending.
WORK: dict[str, Callable[[Standing], bool]] = {
    "approve": lambda s: s.pending,
    "reject": lambda s: s.pending,
}


# --- the surface ---------------------------------------------------------------------------

def require_role(action: str, *, promo: Promo, actor, line_ids: Iterable[int] | None = None) -> Standing:
    """Refuse unless ``actor``'s role allows ``action`` on ``promo`` (and on the lines
    ``line_ids``, for line actions); returns the standing for the state check."""
    standing = Standing(actor, promo)
    allowed, message = ROLES[action]
    if not allowed(standing) or (line_ids is not None and not _lines_allowed(action, standing, line_ids)):
        raise standing.refusal(message)
    return standing


def require_visible(*, promo: Promo, actor) -> Standing:
    """Refuse a promo ``actor`` cannot see as not found."""
    standing = Standing(actor, promo)
    if not standing.visible:
        raise NotFoundError(NOT_VISIBLE)
    return standing


def state_refusal(action: str, *, promo: Promo, standing: Standing, today: date | None = None) -> WorkflowError | None:
    """Why the promo's current state does not allow ``action``, or None."""
    return STATES[action](promo, standing, today_or(today))


def require_state(action: str, *, promo: Promo, standing: Standing, today: date | None = None) -> None:
    """Refuse if the promo's current state does not allow ``action``."""
    error = state_refusal(action, promo=promo, standing=standing, today=today)
    if error is not None:
        raise error


def action_allowed(action: str, *, promo: Promo, standing: Standing, today: date | None = None) -> bool:
    """Would ``action`` go through now (role, state, and something to do)?"""
    allowed, _message = ROLES[action]
    if not allowed(standing):
        return False
    if STATES[action](promo, standing, today_or(today)) is not None:
        return False
    work = WORK.get(action)
    return work is None or work(standing)


def promo_actions(actor, promo: Promo, today: date | None = None, *, standing: Standing | None = None) -> set[str]:
    """The actions ``actor`` may take on ``promo`` now (names of :data:`ACTIONS`): what the
    promo page offers and the API lists; each service refuses exactly the others."""
    standing = standing or Standing(actor, promo)
    today = today_or(today)
    return {action for action in ACTIONS if action_allowed(action, promo=promo, standing=standing, today=today)}


def extension_is_request(actor, promo: Promo) -> bool:
    """A supplier's «extend» is a request to the marketers (only a marketer extends)."""
    standing = Standing(actor, promo)
    return not standing.marketer and standing.own_supplier
