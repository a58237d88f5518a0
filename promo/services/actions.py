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
cancellation when a marketer could cancel (a revision in force that has not finished), one
open request of each kind at a time. Answering one: a marketer accepts it (the extension or the
cancellation is his), a marketer or a manager of the promo's categories declines it.

:func:`standings_for` reads the facts of many promos in a fixed number of queries, so a list
(the promo list, the queue, an upload's promos) offers the bulk actions each row allows
(:func:`bulk_offers`) with the same predicates and a flat query count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import cached_property, lru_cache

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from promo import rules
from promo.models import Promo, PromoEvent, PromoLine, SupplierRequest
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
    "request_cancellation", "accept_extension", "accept_cancellation", "decline_request", "correct",
    "line_correct", "targeting", "comment",
)
# The actions a list offers for many promos at once (promo/services/bulk.py).
BULK_ACTIONS = ("submit", "withdraw", "approve", "reject", "cancel")

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
AT_LONGEST = _("Промо уже идёт самый долгий срок, который допускают правила (%(days)s дней): продлить его нельзя.")
NO_LINES = _("В промо нет ни одной строки.")
NO_TARGETING = _("Не выбран ни один филиал.")
REQUEST_OPEN = {
    SupplierRequest.Kind.EXTENSION: _("Запрос на продление уже отправлен %(when)s и ждёт ответа: "
                                      "второй такой же запрос не нужен."),
    SupplierRequest.Kind.CANCELLATION: _("Запрос на отмену уже отправлен %(when)s и ждёт ответа: "
                                         "второй такой же запрос не нужен."),
}
NO_OPEN_REQUEST = _("Открытого запроса поставщика нет: на него уже ответили.")
ANSWER_NOT_ALLOWED = _("Ответить на запрос может маркетолог или менеджер категорий этого промо.")

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
    def has_lines(self) -> bool:
        return self.promo.lines.exists()

    @cached_property
    def rejected_revision(self) -> int | None:
        """The revision the promo's last rejection was about (None: never rejected)."""
        rejected = self.promo.events.filter(kind=PromoEvent.Kind.PROMO_REJECTED).order_by("-created_at", "-pk").first()
        return None if rejected is None else rejected.payload.get("revision", 0)

    @cached_property
    def open_requests(self) -> dict[str, SupplierRequest]:
        """The supplier's open requests of the promo, by kind."""
        return {request.kind: request for request in SupplierRequest.objects.open().filter(promo_id=self.promo.pk)}

    @cached_property
    def decidable(self) -> dict[int, str]:
        """The promo's lines the actor decides (lines of his categories): id -> decision."""
        actor = self.actor
        if actor is None or not actor.is_authenticated or not (is_category_manager(actor) or actor.is_superuser):
            return {}
        return dict(PromoLine.objects.filter(
            promo_id=self.promo.pk, product__category__in=Category.objects.restrict(actor, DECIDE),
        ).values_list("pk", "decision"))

    @cached_property
    def decides(self) -> bool:
        return bool(self.decidable)

    @cached_property
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


def _answerer(s: Standing) -> bool:
    return s.marketer or s.decides


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
    "accept_extension": (_marketer, MARKETER_ONLY),
    "accept_cancellation": (_marketer, MARKETER_ONLY),
    "decline_request": (_answerer, ANSWER_NOT_ALLOWED),
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

@lru_cache(maxsize=256)
def _move_message(language: str | None, from_status: str, to: str) -> str:
    """The words of a refused move, written once per language and pair of statuses: a list's
    bulk offers ask the state predicates of every row for every action, and translating the
    labels was most of their cost."""
    return ILLEGAL_MOVE % {"from": status_label(from_status), "to": status_label(to)}


def _illegal_move(promo: Promo, to: str) -> IllegalStateError:
    return IllegalStateError(_move_message(get_language(), promo.status, to), code="illegal_move")


def _submit_state(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    # Approved -> submitted is for new revisions (corrections, uploads), not a resubmit.
    if promo.status not in (Status.DRAFT, Status.REJECTED):
        return _illegal_move(promo, Status.SUBMITTED)
    # A rejected promo goes back only with a newer revision than the one rejected.
    if (promo.status == Status.REJECTED and s.rejected_revision is not None
            and s.rejected_revision >= promo.revision):
        return IllegalStateError(RESUBMIT_NEEDS_REVISION, code="needs_revision")
    if not s.has_lines:
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
    if rules.latest_extension_end(promo.start, promo.end, today=today) is None:
        # Every later end breaks the period's length: offering the form could only lead to a refusal.
        return IllegalStateError(AT_LONGEST % {"days": rules.Limits.from_settings().max_days}, code="period_too_long")
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


def _request_open(kind: str, s: Standing) -> WorkflowError | None:
    request = s.open_requests.get(kind)
    if request is None:
        return None
    when = timezone.localtime(request.created_at).strftime("%d.%m.%Y %H:%M")
    return IllegalStateError(REQUEST_OPEN[kind] % {"when": when}, code="request_open")


def _request_extension_state(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    return _extend_state(promo, s, today) or _request_open(SupplierRequest.Kind.EXTENSION, s)


def _request_cancellation_state(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    return _cancel_state(promo, s, today) or _request_open(SupplierRequest.Kind.CANCELLATION, s)


def _no_request(kind: str | None, s: Standing) -> WorkflowError | None:
    found = s.open_requests if kind is None else s.open_requests.get(kind)
    return None if found else IllegalStateError(NO_OPEN_REQUEST, code="no_open_request")


def _accept_extension_state(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    return _no_request(SupplierRequest.Kind.EXTENSION, s) or _extend_state(promo, s, today)


def _accept_cancellation_state(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    return _no_request(SupplierRequest.Kind.CANCELLATION, s) or _cancel_state(promo, s, today)


def _decline_state(promo: Promo, s: Standing, today: date) -> WorkflowError | None:
    return _no_request(None, s)


STATES: dict[str, Callable[[Promo, Standing, date], WorkflowError | None]] = {
    "submit": _submit_state,
    "withdraw": _withdraw_state,
    "approve": _submitted_state,
    "reject": _submitted_state,
    "lines": _submitted_state,
    "cancel": _cancel_state,
    "extend": _extend_state,
    "request_extension": _request_extension_state,
    "request_cancellation": _request_cancellation_state,
    "accept_extension": _accept_extension_state,
    "accept_cancellation": _accept_cancellation_state,
    "decline_request": _decline_state,
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


# --- many promos at once --------------------------------------------------------------------

def standings_for(actor, promos: Iterable[Promo]) -> dict[int, Standing]:
    """The standing of ``actor`` to each of ``promos`` (found through
    ``Promo.objects.restrict(actor)``, so visible), with the facts the bulk actions read filled
    in a fixed number of queries whatever the number of promos (and only those the actor's
    role can use: a manager never submits, a supplier never decides). Facts not filled (the
    open requests) are fetched one by one when asked, as for a single promo."""
    promos = list(promos)
    ids = [promo.pk for promo in promos]
    standings = {promo.pk: Standing(actor, promo, visible=True) for promo in promos}
    if not promos:
        return standings
    marketer = is_marketer(actor)
    supplier = not marketer and is_supplier_user(actor)
    own: set[int] = set()
    if supplier:
        own = set(Supplier.objects.restrict(actor, CHANGE).filter(
            pk__in={promo.supplier_id for promo in promos}).values_list("pk", flat=True))
    decides = actor is not None and actor.is_authenticated and (is_category_manager(actor) or actor.is_superuser)
    # Whether he decides a line of each promo and whether one waits for him: the approval
    # queue knows already (its rows are promos with a line of his categories, annotated with
    # how many of them wait for him, ``my_pending``); another list counts his lines of its
    # promos in one grouped query (not a row per line, nor the lines' default order, which
    # joins every promo to sort them).
    mine: dict[int, tuple[bool, bool]] = {}
    if decides and all(hasattr(promo, "my_pending") for promo in promos):
        mine = {promo.pk: (True, promo.my_pending > 0) for promo in promos}
    elif decides:
        mine = {promo_id: (total > 0, pending > 0) for promo_id, total, pending in PromoLine.objects.filter(
            promo_id__in=ids, product__category__in=Category.objects.restrict(actor, DECIDE),
        ).order_by().values("promo_id").annotate(
            total=Count("pk"), pending=Count("pk", filter=Q(decision=Decision.PENDING)),
        ).values_list("promo_id", "total", "pending")}
    submit_facts: dict[int, tuple[bool, int | None]] = {}
    if marketer or (supplier and own):
        rejections = PromoEvent.objects.filter(promo=OuterRef("pk"), kind=PromoEvent.Kind.PROMO_REJECTED)
        for pk, has_lines, was_rejected, revision in Promo.objects.filter(pk__in=ids).annotate(
                has_lines=Exists(PromoLine.objects.filter(promo=OuterRef("pk"))),
                was_rejected=Exists(rejections),
                # The key as text cast to a number: a JSON value through a subquery comes back
                # as text on PostgreSQL but as a number on SQLite (Django decodes neither).
                rejected_revision=Subquery(rejections.order_by("-created_at", "-pk").values(
                    revision=Cast(KeyTextTransform("revision", "payload"), IntegerField()))[:1]),
        ).values_list("pk", "has_lines", "was_rejected", "rejected_revision"):
            submit_facts[pk] = (has_lines, (revision or 0) if was_rejected else None)
    for promo in promos:
        facts = standings[promo.pk].__dict__
        facts["marketer"] = marketer
        facts["own_supplier"] = promo.supplier_id in own
        if decides:
            facts["decides"], facts["pending"] = mine.get(promo.pk, (False, False))
        else:
            facts["decidable"] = {}
        if promo.pk in submit_facts:
            facts["has_lines"], facts["rejected_revision"] = submit_facts[promo.pk]
    return standings


def bulk_offers(actor, promos: Iterable[Promo], today: date | None = None) -> dict[int, set[str]]:
    """Which of :data:`BULK_ACTIONS` each promo allows ``actor`` now (promo id -> names)."""
    today = today_or(today)
    promos = list(promos)
    standings = standings_for(actor, promos)
    return {promo.pk: {action for action in BULK_ACTIONS
                       if action_allowed(action, promo=promo, standing=standings[promo.pk], today=today)}
            for promo in promos}
