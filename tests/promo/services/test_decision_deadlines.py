"""Decision deadlines: each revision sent for approval gets a due date; the daily task reminds
the managers whose lines still wait of what is due on the next working day and escalates what
is overdue to the marketers and the head of category, each once per revision (time-machine
moves the days; the task runs as beat would run it)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from promo.models import NotificationSettings, OutboxMessage, Promo, PromoEvent
from promo.services import point_corrections, transitions
from promo.tasks.workflow import promo_decision_deadlines
from tests.factories import UserFactory

Kind = PromoEvent.Kind
ZONE = ZoneInfo("Asia/Novosibirsk")
MON, TUE, WED, THU, FRI = (date(2026, 11, 23) + timedelta(days=n) for n in range(5))


@contextmanager
def on(day: date, hour: int = 8):
    with time_machine.travel(datetime(day.year, day.month, day.day, hour, 0, tzinfo=ZONE), tick=False):
        yield


def mailed(kind: str) -> dict[str, int]:
    """Who got mail of ``kind`` so far: username -> messages."""
    counts: dict[str, int] = {}
    for username in OutboxMessage.objects.filter(event__kind=kind).values_list("recipient__username", flat=True):
        counts[username] = counts.get(username, 0) + 1
    return counts


@pytest.fixture
def deadlines(settings, world):
    settings.PROMO_DECISION_WORKING_DAYS, settings.PROMO_DECISION_BUFFER_DAYS = 3, 7
    settings.PROMO_HEAD_OF_CATEGORY_GROUP = "head_of_category"
    head = UserFactory(username="head")
    Group.objects.get_or_create(name="head_of_category")[0].user_set.add(head)
    return head


def test_reminders_and_escalation_are_sent_once_per_revision(world, deadlines):
    a, b, marketer, head = (world.manager_a.username, world.manager_b.username, world.marketer.username,
                            deadlines.username)
    # given a promo with lines in A and B sent for approval on Monday: due on Thursday
    with on(MON, 11):
        promo = world.promo(Promo.Status.DRAFT)
        transitions.promo_submit(promo=promo, actor=world.supplier_user)
    promo.refresh_from_db()
    assert promo.decision_due == THU

    # when the task runs on Tuesday: nothing is due on the next working day yet
    with on(TUE):
        promo_decision_deadlines.delay()
    assert mailed(Kind.DECISION_DUE) == {}

    # when it runs on Wednesday (twice), then A's and B's managers are reminded once each
    with on(WED):
        promo_decision_deadlines.delay()
        promo_decision_deadlines.delay()
    assert mailed(Kind.DECISION_DUE) == {a: 1, b: 1}
    text = OutboxMessage.objects.get(event__kind=Kind.DECISION_DUE, recipient__username=a).body_text
    assert promo.code in text and "срок решения: 26.11.2026" in text

    # when A's manager decides his lines on Thursday, nobody is escalated on the due day itself
    with on(THU, 10):
        transitions.promo_approve(promo=promo, actor=world.manager_a)
        promo_decision_deadlines.delay()
    assert mailed(Kind.DECISION_OVERDUE) == {}

    # when it runs on Friday and again on Monday: B's manager, whose lines still wait, the
    # marketers and the head of category hear once that the decision is overdue; A's manager,
    # who decided, and the supplier do not
    with on(FRI):
        promo_decision_deadlines.delay()
    with on(MON + timedelta(days=7)):
        promo_decision_deadlines.delay()
    escalated = mailed(Kind.DECISION_OVERDUE)
    assert escalated.get(marketer) == 1 and escalated.get(head) == 1 and escalated.get(b) == 1
    assert set(escalated) & {a, world.supplier_user.username} == set()
    assert all(count == 1 for count in escalated.values())
    overdue = OutboxMessage.objects.get(event__kind=Kind.DECISION_OVERDUE, recipient__username=head).body_text
    assert "Срок решения по этим промо прошёл" in overdue or "Срок решения по промо прошёл" in overdue
    own = OutboxMessage.objects.get(event__kind=Kind.DECISION_OVERDUE, recipient__username=b).body_text
    assert promo.code in own and "Срок решения по этим промо прошёл, а решения нет." in own

    # when a new revision goes to approval (a correction on Monday 30.11), its clock starts
    # again: due Thursday 03.12, B and A reminded again on Wednesday 02.12
    with on(MON + timedelta(days=7), 12):
        point_corrections.promo_correct(promo=promo, actor=world.marketer, reason="Короче",
                                        end=promo.end - timedelta(days=1))
    promo.refresh_from_db()
    assert (promo.decision_due, timezone_date(promo.submitted_at)) == (date(2026, 12, 3), date(2026, 11, 30))
    with on(date(2026, 12, 2)):
        promo_decision_deadlines.delay()
    assert mailed(Kind.DECISION_DUE) == {a: 2, b: 2}


def timezone_date(moment: datetime) -> date:
    return moment.astimezone(ZONE).date()


def test_one_digest_per_person_for_many_promos(world, deadlines):
    # given three promos sent on Monday, two with a line of A
    with on(MON, 11):
        promos = [world.promo(Promo.Status.DRAFT, categories=cats) for cats in (("a",), ("a", "b"), ("b",))]
        for promo in promos:
            transitions.promo_submit(promo=promo, actor=world.supplier_user)

    # when the reminders go out on Wednesday
    with on(WED):
        promo_decision_deadlines.delay()

    # then A's manager gets one message naming his two promos, and B's his two
    mine = OutboxMessage.objects.get(event__kind=Kind.DECISION_DUE, recipient=world.manager_a)
    assert promos[0].code in mine.body_text and promos[1].code in mine.body_text
    assert promos[2].code not in mine.body_text
    assert OutboxMessage.objects.filter(event__kind=Kind.DECISION_DUE, recipient=world.manager_b).count() == 1
    # and each promo's own reminder is in its history
    assert PromoEvent.objects.filter(kind=Kind.DECISION_DUE, promo__in=promos).count() == 3


def test_a_promo_starting_too_soon_is_overdue_at_once(world, deadlines):
    # given a promo starting in 5 days sent on Monday: the buffer of 7 days has passed already
    with on(MON, 11):
        promo = world.promo(Promo.Status.DRAFT, start=MON + timedelta(days=5))
        transitions.promo_submit(promo=promo, actor=world.marketer)
    promo.refresh_from_db()
    assert promo.decision_due < MON
    # when the task runs on Tuesday, the marketers and the head of category hear it is overdue
    with on(TUE):
        promo_decision_deadlines.delay()
    escalated = mailed(Kind.DECISION_OVERDUE)
    assert {deadlines.username, world.marketer.username} <= set(escalated)


def test_a_friday_reminder_does_not_say_tomorrow_and_names_a_single_promo(world, deadlines):
    # given a promo of A sent on Tuesday 24.11: due on Friday 27.11; and two promos of B sent on
    # Wednesday: due on Monday 30.11; A's manager reads his mail in English
    NotificationSettings.objects.create(user=world.manager_a, language="en")
    with on(TUE, 11):
        alone = world.promo(Promo.Status.DRAFT, categories=("a",))
        transitions.promo_submit(promo=alone, actor=world.supplier_user)
    with on(WED, 11):
        pair = [world.promo(Promo.Status.DRAFT, categories=("b",)) for _ in range(2)]
        for promo in pair:
            transitions.promo_submit(promo=promo, actor=world.supplier_user)

    # when the reminders go out on Thursday and on Friday
    with on(THU):
        promo_decision_deadlines.delay()
    with on(FRI):
        promo_decision_deadlines.delay()

    # then no subject says «tomorrow» (B's promos are due on Monday): A's one reminder names
    # its promo, B's counts his two
    mine = OutboxMessage.objects.get(event__kind=Kind.DECISION_DUE, recipient=world.manager_a)
    assert mine.subject == f"[Promo Portal] Decision due soon: {alone.code} «{alone.name}»"
    theirs = OutboxMessage.objects.get(event__kind=Kind.DECISION_DUE, recipient=world.manager_b)
    assert theirs.subject == "[Промо-портал] Скоро срок решения: промо: 2"
    assert "30.11.2026" in theirs.body_text
    # and the history and the settings page call the reminder the same way
    assert str(PromoEvent.Kind.DECISION_DUE.label) == "Скоро срок решения"


def test_a_revision_sent_after_the_run_before_its_due_day_is_reminded_on_the_due_day(world, deadlines, settings):
    # given decisions due one working day after sending; one promo of A sent on Monday before
    # the 08:00 run (due on Tuesday), reminded by that run
    settings.PROMO_DECISION_WORKING_DAYS = 1
    with on(MON, 7):
        early = world.promo(Promo.Status.DRAFT, categories=("a",))
        transitions.promo_submit(promo=early, actor=world.supplier_user)
    with on(MON):
        promo_decision_deadlines.delay()
    assert mailed(Kind.DECISION_DUE) == {world.manager_a.username: 1}
    # and one sent on Monday at 11:00, after the run: due on Tuesday too
    with on(MON, 11):
        late = world.promo(Promo.Status.DRAFT, categories=("a",))
        transitions.promo_submit(promo=late, actor=world.supplier_user)
    late.refresh_from_db()
    assert late.decision_due == TUE

    # when the task runs on Tuesday, the due day (twice)
    with on(TUE):
        promo_decision_deadlines.delay()
        promo_decision_deadlines.delay()

    # then A's manager is reminded of the late one that morning, once; the early one, reminded
    # on Monday, is not repeated
    assert mailed(Kind.DECISION_DUE) == {world.manager_a.username: 2}
    today = OutboxMessage.objects.filter(event__kind=Kind.DECISION_DUE).latest("pk")
    assert late.code in today.body_text and early.code not in today.body_text
    assert "срок решения: 24.11.2026" in today.body_text
    assert "сегодня или в следующий рабочий день" in today.body_text
    assert PromoEvent.objects.filter(kind=Kind.DECISION_DUE, promo=late).count() == 1


def test_the_history_shows_the_due_date_and_revision_of_a_reminder_and_an_escalation(world, deadlines, client):
    # given a promo sent on Monday (due Thursday), reminded on Wednesday, escalated on Friday
    with on(MON, 11):
        promo = world.promo(Promo.Status.DRAFT)
        transitions.promo_submit(promo=promo, actor=world.supplier_user)
    with on(WED):
        promo_decision_deadlines.delay()
    with on(FRI):
        promo_decision_deadlines.delay()
    promo.refresh_from_db()

    # when a marketer opens its history
    client.force_login(world.marketer)
    page = client.get(reverse("promo:promo_history", args=[promo.pk])).content.decode()

    # then each deadline entry says which due date and which revision it is about
    assert f"Скоро срок решения: 26.11.2026, ревизия {promo.revision}" in page
    assert f"Срок решения прошёл: 26.11.2026, ревизия {promo.revision}" in page


def test_a_deciding_manager_who_switched_the_overdue_mail_off_is_not_sent_it(world, deadlines):
    # given a promo of A and B sent on Monday (due Thursday); B's manager switched «Срок решения
    # прошёл» off in his settings, A's did not
    NotificationSettings.objects.create(user=world.manager_b, disabled_kinds=[Kind.DECISION_OVERDUE])
    with on(MON, 11):
        promo = world.promo(Promo.Status.DRAFT)
        transitions.promo_submit(promo=promo, actor=world.supplier_user)

    # when the daily run passes the due date, on Friday (twice) and on Monday
    with on(FRI):
        promo_decision_deadlines.delay()
        promo_decision_deadlines.delay()
    with on(MON + timedelta(days=7)):
        promo_decision_deadlines.delay()

    # then A's manager is told once that his decision is overdue, B's not at all, the marketer once
    escalated = mailed(Kind.DECISION_OVERDUE)
    assert escalated.get(world.manager_a.username) == 1 and escalated.get(world.marketer.username) == 1
    assert world.manager_b.username not in escalated
