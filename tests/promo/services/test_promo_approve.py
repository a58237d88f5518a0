import pytest

from promo.models import Promo, PromoEvent, PromoLine
from promo.services import actions, errors, transitions

Decision = PromoLine.Decision


def test_manager_accepts_only_the_lines_of_his_categories(world):
    # given a submitted promo with two lines in category A and one in B
    promo = world.promo()
    # when the manager of A approves it
    transitions.promo_approve(promo=promo, actor=world.manager_a, version=promo.version, comment="ок")
    # then his two lines are accepted by him, B's line still waits and the promo stays submitted
    assert promo.lines.filter(product__category=world.cat_a, decision=Decision.ACCEPTED,
                              decided_by=world.manager_a).count() == 2
    assert world.line(promo, "b").decision == Decision.PENDING
    assert promo.status == Promo.Status.SUBMITTED
    event = promo.events.get()
    assert (event.kind, event.actor, event.reason) == (PromoEvent.Kind.LINE_DECIDED, world.manager_a, "ок")
    assert event.payload["accepted"] == 2


def test_last_manager_approves_and_the_revision_goes_in_force(world):
    # given A's lines accepted
    promo = world.promo()
    transitions.promo_approve(promo=promo, actor=world.manager_a)
    # when B's manager approves
    transitions.promo_approve(promo=promo, actor=world.manager_b, comment="Согласовано")
    # then the promo is approved, its current revision frozen with the decisions and in force
    promo.refresh_from_db()
    assert promo.status == Promo.Status.APPROVED
    assert promo.approved_revision.number == promo.revision
    assert {row["decision"] for row in promo.approved_revision.lines} == {Decision.ACCEPTED}
    event = promo.events.order_by("-pk").first()
    assert (event.kind, event.from_status, event.to_status) == (
        PromoEvent.Kind.PROMO_APPROVED, Promo.Status.SUBMITTED, Promo.Status.APPROVED)
    assert promo.phase(promo.start) == "running"


def test_approve_twice_decides_once(world):
    # given the manager of A approved
    promo = world.promo()
    transitions.promo_approve(promo=promo, actor=world.manager_a, version=1)
    # when the second click comes with the same version, or without one
    transitions.promo_approve(promo=Promo.objects.get(pk=promo.pk), actor=world.manager_a, version=1)
    transitions.promo_approve(promo=Promo.objects.get(pk=promo.pk), actor=world.manager_a)
    # then nothing more happened
    assert promo.events.count() == 1
    assert Promo.objects.get(pk=promo.pk).version == 2


def test_stale_approve_is_refused_and_writes_nothing(world):
    # given B's manager decided after A's manager loaded the page (version 1)
    promo = world.promo()
    transitions.promo_reject(promo=promo, actor=world.manager_b, reason="Дорого", version=1)
    # when A's manager approves with version 1
    with pytest.raises(errors.StaleVersionError) as caught:
        transitions.promo_approve(promo=Promo.objects.get(pk=promo.pk), actor=world.manager_a, version=1)
    # then he is told and none of his lines changed
    assert "обновите страницу" in caught.value.message
    assert not promo.lines.filter(decision=Decision.ACCEPTED).exists()


@pytest.mark.parametrize("status", [Promo.Status.DRAFT, Promo.Status.APPROVED, Promo.Status.WITHDRAWN])
def test_only_a_submitted_promo_is_approved(world, status):
    promo = world.promo(status)
    with pytest.raises(errors.IllegalStateError) as caught:
        transitions.promo_approve(promo=promo, actor=world.manager_a)
    assert caught.value.message == str(actions.NOT_SUBMITTED % {"status": Promo.Status(status).label})


def test_manager_of_no_line_may_not_approve(world):
    # given a promo with lines in A only, when B's manager (he sees nothing of it) approves
    promo = world.promo(categories=("a",))
    with pytest.raises(errors.NotFoundError) as caught:
        transitions.promo_approve(promo=promo, actor=world.manager_b)
    # then the promo is not found for him; a marketer sees it but decides nothing
    assert caught.value.code == "not_found"
    with pytest.raises(errors.NotAllowedError) as caught:
        transitions.promo_approve(promo=promo, actor=world.marketer)
    assert caught.value.message == str(actions.NOT_CATEGORY_MANAGER)
