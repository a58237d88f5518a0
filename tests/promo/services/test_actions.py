"""The page offers exactly what the services allow: for every role, every status, with and
without a revision in force (and a successor waiting or rejected), with and without a
supplier's open request, the set of actions ``promo_actions`` gives (the promo page's buttons,
the API's ``actions``) equals the set of services that go through and change something, each
run in a rolled-back savepoint. A list's per-row offers (``bulk_offers``, the facts of many
promos read at once) are the same answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from branches.models import Region
from branches.targeting import Targeting
from promo.models import Promo, PromoEvent, PromoLine, SupplierRequest
from promo.services import point_corrections, supplier_requests, transitions
from promo.services.actions import ACTIONS, BULK_ACTIONS, bulk_offers, promo_actions
from promo.services.comments import comment_add
from promo.services.errors import IllegalStateError, WorkflowError
from tests.promo.services.world import TODAY

Status = Promo.Status
Decision = PromoLine.Decision
ROLES = ("supplier", "other_supplier", "manager", "other_manager", "marketer")


def build(world, variant: str) -> Promo:
    """A promo in the state ``variant`` names, reached through the services where it matters
    (a rejection leaves its event, a successor its revision)."""
    if variant == "draft":
        return world.promo(Status.DRAFT)
    if variant == "submitted":
        return world.promo(Status.SUBMITTED)
    if variant == "submitted_partly_decided":
        # A's manager accepted his lines; B's line waits.
        promo = world.promo(Status.SUBMITTED)
        transitions.promo_approve(promo=promo, actor=world.manager_a)
        return promo
    if variant == "withdrawn":
        return world.promo(Status.WITHDRAWN)
    if variant == "cancelled":
        return world.promo(Status.CANCELLED)
    if variant == "approved":
        return world.promo(Status.APPROVED)
    if variant == "approved_finished":
        return world.promo(Status.APPROVED, start=TODAY - timedelta(days=30))
    if variant in ("approved_extension_asked", "approved_cancellation_asked", "approved_request_declined"):
        promo = world.promo(Status.APPROVED)
        if variant == "approved_cancellation_asked":
            supplier_requests.promo_request_cancellation(promo=promo, actor=world.supplier_user, reason="Нет товара")
            return promo
        asked = supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user,
                                                          new_end=promo.end + timedelta(days=5), reason="Спрос")
        if variant == "approved_request_declined":
            supplier_requests.request_decline(request=asked, actor=world.marketer, reason="Нет")
        return promo
    if variant == "submitted_in_force_extension_asked":
        promo = world.promo(Status.APPROVED)
        point_corrections.promo_correct(promo=promo, actor=world.marketer, reason="Короче",
                                        end=promo.end - timedelta(days=2))
        supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user,
                                                  new_end=promo.end + timedelta(days=5), reason="Спрос")
        return promo
    if variant == "rejected":
        promo = world.promo(Status.SUBMITTED)
    else:
        # A revision in force with a successor waiting for approval (a correction made it).
        promo = world.promo(Status.APPROVED)
        point_corrections.promo_correct(promo=promo, actor=world.marketer, reason="Короче",
                                  end=promo.end - timedelta(days=2))
        if variant == "submitted_in_force":
            return promo
    # Every line rejected: rejected (its revision in force, if any, stays in force).
    transitions.promo_reject(promo=promo, actor=world.manager_a, reason="Дорого")
    transitions.promo_reject(promo=promo, actor=world.manager_b, reason="Дорого")
    promo.refresh_from_db()
    assert promo.status == Status.REJECTED
    return promo


VARIANTS = ("draft", "submitted", "submitted_partly_decided", "submitted_in_force", "approved", "approved_finished", "rejected",
            "rejected_in_force", "withdrawn", "cancelled", "approved_extension_asked", "approved_cancellation_asked",
            "approved_request_declined", "submitted_in_force_extension_asked")


def open_request(promo: Promo, kind: str) -> SupplierRequest:
    """The promo's open request of ``kind`` (or its last answered one: the service refuses it);
    without any, there is nothing a page could post, which counts as refused."""
    found = (promo.requests.filter(kind=kind, status=SupplierRequest.Status.OPEN).first()
             or promo.requests.filter(kind=kind).order_by("-pk").first())
    if found is None:
        raise IllegalStateError("no request", code="no_open_request")
    return found


def call(action: str, world, promo: Promo, actor) -> None:
    """Run the service behind ``action`` with input that is valid whatever the promo's dates."""
    version = promo.version
    line = world.line(promo, "a")
    new_end = max(promo.end, TODAY) + timedelta(days=7)
    if action == "lines":
        mine = PromoLine.objects.filter(pk=line.pk).values_list("decision", flat=True).get()
        decision = Decision.REJECTED if mine == Decision.ACCEPTED else Decision.ACCEPTED
        transitions.lines_decide(promo=promo, actor=actor, version=version,
                                 decisions={line.pk: (decision, "Дорого")})
        return
    services = {
        "submit": lambda: transitions.promo_submit(promo=promo, actor=actor, version=version),
        "withdraw": lambda: transitions.promo_withdraw(promo=promo, actor=actor, version=version),
        "approve": lambda: transitions.promo_approve(promo=promo, actor=actor, version=version),
        "reject": lambda: transitions.promo_reject(promo=promo, actor=actor, reason="Нет", version=version),
        "cancel": lambda: transitions.promo_cancel(promo=promo, actor=actor, reason="Нет", version=version),
        "extend": lambda: point_corrections.promo_extend(promo=promo, actor=actor, new_end=new_end, reason="Спрос",
                                                   version=version),
        "request_extension": lambda: supplier_requests.promo_request_extension(
            promo=promo, actor=actor, new_end=new_end, reason="Спрос", version=version),
        "request_cancellation": lambda: supplier_requests.promo_request_cancellation(
            promo=promo, actor=actor, reason="Нет товара", version=version),
        "correct": lambda: point_corrections.promo_correct(
            promo=promo, actor=actor, reason="Сдвиг", version=version, start=TODAY + timedelta(days=40),
            end=TODAY + timedelta(days=50)),
        "line_correct": lambda: point_corrections.line_correct(line=line, actor=actor, reason="Торг",
                                                         discount_percent="20", version=version),
        "targeting": lambda: point_corrections.promo_set_targeting(
            promo=promo, actor=actor, targeting=Targeting(regions=(Region.objects.order_by("pk").first().pk,)),
            version=version),
        "comment": lambda: comment_add(promo=promo, actor=actor, text="Вопрос"),
        "accept_extension": lambda: supplier_requests.request_accept(
            request=open_request(promo, SupplierRequest.Kind.EXTENSION), actor=actor),
        "accept_cancellation": lambda: supplier_requests.request_accept(
            request=open_request(promo, SupplierRequest.Kind.CANCELLATION), actor=actor),
        "decline_request": lambda: supplier_requests.request_decline(
            request=(promo.requests.filter(status=SupplierRequest.Status.OPEN).first()
                     or open_request(promo, SupplierRequest.Kind.EXTENSION)), actor=actor, reason="Нет"),
    }
    services[action]()


def goes_through(action: str, world, pk: int, actor) -> bool:
    """Did the service accept the action and change something? Rolled back either way."""
    savepoint = transaction.savepoint()
    try:
        promo = Promo.objects.get(pk=pk)
        version, events = promo.version, PromoEvent.objects.filter(promo_id=pk).count()
        try:
            call(action, world, promo, actor)
        except WorkflowError:
            return False
        return (Promo.objects.get(pk=pk).version != version
                or PromoEvent.objects.filter(promo_id=pk).count() != events)
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_offered_actions_are_exactly_the_services_that_succeed(world, variant):
    # given a promo in this state
    pk = build(world, variant).pk
    mismatches = {}
    for role in ROLES:
        actor = world.actor(role)
        # when the role's page (or API detail) lists the actions, and each service is tried
        offered = promo_actions(actor, Promo.objects.get(pk=pk), TODAY)
        succeeded = {action for action in ACTIONS if goes_through(action, world, pk, actor)}
        # then they are the same set
        if offered != succeeded:
            mismatches[role] = {"offered, refused": offered - succeeded, "allowed, not offered": succeeded - offered}
    assert not mismatches


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_list_offers_each_row_what_its_page_offers(world, variant):
    # given a promo in this state among others in other states
    pks = [build(world, variant).pk, build(world, "draft").pk, build(world, "approved").pk]
    for role in ROLES:
        actor = world.actor(role)
        promos = list(Promo.objects.restrict(actor).filter(pk__in=pks).select_related("approved_revision"))
        # when a list asks for the bulk actions of its rows at once
        offers = bulk_offers(actor, promos, TODAY)
        # then each row gets what its own page offers of them
        for promo in promos:
            assert offers[promo.pk] == promo_actions(actor, promo, TODAY) & set(BULK_ACTIONS), (role, promo.status)


def test_the_known_mismatches_are_gone(world):
    # given a promo in force whose corrected successor waits for approval
    promo = build(world, "submitted_in_force")
    # then its supplier is not offered «Отозвать» (the service refuses: ask for a cancellation),
    # but may ask for one; a marketer may cancel it and extend it
    supplier = promo_actions(world.supplier_user, promo, TODAY)
    assert "withdraw" not in supplier and "request_cancellation" in supplier
    assert {"cancel", "extend"} <= promo_actions(world.marketer, promo, TODAY)
    # and a finished promo offers no cancellation to anybody
    finished = build(world, "approved_finished")
    assert "cancel" not in promo_actions(world.marketer, finished, TODAY)
    assert "request_cancellation" not in promo_actions(world.supplier_user, finished, TODAY)
