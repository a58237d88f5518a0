import pytest

from promo.models import Promo, PromoEvent, PromoLine
from promo.services import actions, errors, transitions, workflow

Decision = PromoLine.Decision


def test_manager_decides_a_single_line(world):
    # given a submitted promo
    promo = world.promo()
    line = world.line(promo, "a")
    # when A's manager rejects one of his lines with a reason
    decided = transitions.line_decide(line=line, actor=world.manager_a, decision="rejected",
                                   reason="Цена ниже закупки", version=promo.version)
    # then the line carries the decision, the reason and who decided; one event records it
    assert (decided.decision, decided.decision_reason, decided.decided_by) == (
        Decision.REJECTED, "Цена ниже закупки", world.manager_a)
    event = PromoEvent.objects.get(promo=promo)
    assert event.kind == PromoEvent.Kind.LINE_DECIDED
    assert event.payload["lines"][0]["decision"] == Decision.REJECTED
    assert event.payload["lines"][0]["reason"] == "Цена ниже закупки"
    assert line.history.first().history_change_reason == "Цена ниже закупки"


def test_reject_of_a_line_needs_a_reason(world):
    promo = world.promo()
    with pytest.raises(errors.InvalidError) as caught:
        transitions.line_decide(line=world.line(promo), actor=world.manager_a, decision="rejected")
    assert caught.value.message == str(transitions.REJECT_REASON_REQUIRED)


def test_unknown_decision_is_refused(world):
    promo = world.promo()
    with pytest.raises(errors.InvalidError) as caught:
        transitions.line_decide(line=world.line(promo), actor=world.manager_a, decision="pending")
    assert caught.value.message == str(transitions.DECISION_INVALID)


def test_line_of_another_category_is_not_his(world):
    # given a promo B's manager sees (it has a line of B), when he decides a line of A
    promo = world.promo()
    with pytest.raises(errors.NotAllowedError) as caught:
        transitions.line_decide(line=world.line(promo, "a"), actor=world.manager_b, decision="accepted")
    # then he is refused and the line waits
    assert caught.value.message == str(actions.NOT_LINE_MANAGER)
    assert world.line(promo, "a").decision == Decision.PENDING


def test_same_decision_again_changes_nothing(world):
    promo = world.promo()
    line = world.line(promo)
    transitions.line_decide(line=line, actor=world.manager_a, decision="accepted", version=1)
    transitions.line_decide(line=line, actor=world.manager_a, decision="accepted", version=1)
    transitions.line_decide(line=line, actor=world.manager_a, decision="accepted")
    assert promo.events.count() == 1


def test_manager_may_change_his_mind_while_submitted(world):
    promo = world.promo()
    line = world.line(promo)
    transitions.line_decide(line=line, actor=world.manager_a, decision="accepted")
    transitions.line_decide(line=line, actor=world.manager_a, decision="rejected", reason="Передумал")
    assert PromoLine.objects.get(pk=line.pk).decision == Decision.REJECTED


def test_last_line_decided_settles_the_promo(world):
    # given a promo with one line per category
    promo = world.promo(categories=("a", "b"))
    transitions.line_decide(line=world.line(promo, "a"), actor=world.manager_a, decision="accepted")
    # when the last line is rejected
    transitions.line_decide(line=world.line(promo, "b"), actor=world.manager_b, decision="rejected",
                         reason="Нет места на полке")
    # then the promo is approved with one rejected line
    promo.refresh_from_db()
    assert promo.status == Promo.Status.APPROVED
    assert promo.lines.filter(decision=Decision.REJECTED).count() == 1


def test_a_version_that_is_not_a_number_is_refused(world):
    promo = world.promo()
    with pytest.raises(errors.InvalidError) as caught:
        transitions.line_decide(line=world.line(promo), actor=world.manager_a, decision="accepted", version="abc")
    assert caught.value.message == str(workflow.VERSION_INVALID)
    assert world.line(promo).decision == Decision.PENDING
