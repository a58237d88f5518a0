"""The page offers exactly what the services allow: for every role, every status, with and
without a revision in force (and a successor waiting or rejected), the set of actions
``promo_actions`` gives (the promo page's buttons, the API's ``actions``) equals the set of
services that go through and change something, each run in a rolled-back savepoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from branches.models import Region
from branches.targeting import Targeting
from promo.models import Promo, PromoEvent, PromoLine
from promo.services import point_corrections, supplier_requests, transitions
from promo.services.actions import ACTIONS, promo_actions
from promo.services.comments import comment_add
from promo.services.errors import WorkflowError
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
            "rejected_in_force", "withdrawn", "cancelled")


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
