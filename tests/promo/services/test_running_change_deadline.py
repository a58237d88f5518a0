"""The decision due date of a change to a promo already running (promo.deadlines.running_change_due
via promo.services.workflow.decision_clock). Before, the due date was counted back from the
promo's start, which had passed: a price correction or an extension of a running promo was
«просрочено» the moment it was sent (due 24.11 for a revision sent on 02.12) and the marketers
and the head of the category group were told so the next morning."""

from __future__ import annotations

from datetime import timedelta

from promo.models import Promo
from promo.services import point_corrections
from tests.promo.services.world import TODAY

# TODAY (tests/promo/services/world.py) is Monday 23.11.2026; three working days later is Thursday.
THURSDAY = TODAY + timedelta(days=3)


def test_a_line_correction_of_a_running_promo_is_due_in_three_working_days(world, settings):
    # given an approved promo that started a week ago and runs for a month
    settings.PROMO_DECISION_WORKING_DAYS, settings.PROMO_DECISION_BUFFER_DAYS = 3, 7
    promo = world.promo(Promo.Status.APPROVED, start=TODAY - timedelta(days=7), days=30)

    # when the marketer corrects the discount of a line
    point_corrections.line_correct(line=world.line(promo), actor=world.marketer, reason="Скидка по договору",
                                   discount_percent="20")

    # then the new revision is due on Thursday, not before it was sent
    promo.refresh_from_db()
    assert promo.status == Promo.Status.SUBMITTED and promo.approved_revision.number == 1
    assert promo.decision_due == THURSDAY


def test_an_extension_of_a_running_promo_ending_soon_is_due_before_its_first_new_day(world, settings):
    # given an approved promo running since last week and ending on Friday 27.11
    settings.PROMO_DECISION_WORKING_DAYS, settings.PROMO_DECISION_BUFFER_DAYS = 3, 2
    promo = world.promo(Promo.Status.APPROVED, start=TODAY - timedelta(days=7), days=12)
    assert promo.end == TODAY + timedelta(days=4)

    # when the marketer extends it by two weeks
    point_corrections.promo_extend(promo=promo, actor=world.marketer, new_end=promo.end + timedelta(days=14),
                                   reason="Продлить", today=TODAY)

    # then the decision is due two days before the first new day (Saturday 28.11): Thursday 26.11
    promo.refresh_from_db()
    assert promo.decision_due == THURSDAY
    # and a longer buffer brings it to the day it was sent, not before
    settings.PROMO_DECISION_BUFFER_DAYS = 7
    point_corrections.promo_extend(promo=promo, actor=world.marketer, new_end=promo.end + timedelta(days=7),
                                   reason="Ещё неделю", today=TODAY)
    promo.refresh_from_db()
    assert promo.decision_due == TODAY


def test_a_promo_not_started_yet_keeps_the_buffer_before_its_start(world, settings):
    # given an approved promo starting in 9 days
    settings.PROMO_DECISION_WORKING_DAYS, settings.PROMO_DECISION_BUFFER_DAYS = 3, 7
    promo = world.promo(Promo.Status.APPROVED, start=TODAY + timedelta(days=9), days=14)

    # when a line is corrected, then it is due 7 days before the start (Tuesday 25.11), as before
    point_corrections.line_correct(line=world.line(promo), actor=world.marketer, reason="Скидка",
                                   discount_percent="20")
    promo.refresh_from_db()
    assert promo.decision_due == TODAY + timedelta(days=2)
