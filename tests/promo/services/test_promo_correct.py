from datetime import timedelta

import pytest
from django.conf import settings

from promo.models import Promo, PromoEvent, PromoLine
from promo.services import actions, errors, point_corrections, workflow
from tests.promo.services.world import TODAY

Decision = PromoLine.Decision


def test_manager_corrects_the_dates_of_an_approved_promo(world):
    # given an approved promo with one line rejected
    promo = world.promo(Promo.Status.APPROVED)
    PromoLine.objects.filter(pk=world.line(promo, "b").pk).update(decision=Decision.REJECTED, decision_reason="Нет")
    in_force = promo.approved_revision
    new_start, new_end = promo.start + timedelta(days=7), promo.end + timedelta(days=7)
    # when A's manager moves the dates with a reason
    point_corrections.promo_correct(promo=promo, actor=world.manager_a, reason="Сдвиг по графику", start=new_start,
                           end=new_end, version=promo.version)
    # then a new revision waits for approval, accepted lines wait again, the rejected line
    # stays rejected, and the approved revision stays in force
    promo.refresh_from_db()
    assert (promo.start, promo.end, promo.status, promo.revision) == (new_start, new_end,
                                                                      Promo.Status.SUBMITTED, 2)
    assert promo.approved_revision == in_force
    assert promo.lines.filter(decision=Decision.PENDING).count() == 2
    assert world.line(promo, "b").decision == Decision.REJECTED
    event = promo.events.get()
    assert (event.kind, event.actor, event.reason) == (PromoEvent.Kind.PROMO_CORRECTED, world.manager_a,
                                                        "Сдвиг по графику")
    assert [change["field"] for change in event.payload["changes"]] == ["start", "end"]
    assert promo.history.first().history_change_reason == "Сдвиг по графику"


def test_correction_needs_a_reason(world):
    promo = world.promo()
    with pytest.raises(errors.InvalidError) as caught:
        point_corrections.promo_correct(promo=promo, actor=world.marketer, reason="", end=promo.end - timedelta(days=1))
    assert caught.value.message == str(workflow.REASON_REQUIRED)


def test_reversed_period_is_refused(world):
    promo = world.promo()
    with pytest.raises(errors.InvalidError) as caught:
        point_corrections.promo_correct(promo=promo, actor=world.marketer, reason="x", end=promo.start - timedelta(days=1))
    assert caught.value.code == "period_reversed"
    assert caught.value.message == (f"Дата окончания {promo.start - timedelta(days=1):%d.%m.%Y} раньше даты "
                                    f"начала {promo.start:%d.%m.%Y}.")
    assert Promo.objects.get(pk=promo.pk).end == promo.end


def test_start_keeps_the_lead_time_of_the_import(world):
    promo = world.promo()
    earliest = TODAY + timedelta(days=settings.PROMO_MIN_LEAD_DAYS)
    with pytest.raises(errors.InvalidError) as caught:
        point_corrections.promo_correct(promo=promo, actor=world.marketer, reason="x", start=TODAY + timedelta(days=2),
                                  today=TODAY)
    assert caught.value.code == "start_too_soon"
    assert caught.value.message == (f"Акция начинается {TODAY + timedelta(days=2):%d.%m.%Y}, а начать её можно "
                                    f"не раньше {earliest:%d.%m.%Y}: заявка подаётся не менее чем за "
                                    f"{settings.PROMO_MIN_LEAD_DAYS} дн. до старта.")


def test_same_dates_change_nothing(world):
    promo = world.promo()
    point_corrections.promo_correct(promo=promo, actor=world.marketer, reason="x", start=promo.start, end=promo.end)
    assert (Promo.objects.get(pk=promo.pk).version, promo.events.count()) == (1, 0)


@pytest.mark.parametrize("status", [Promo.Status.REJECTED, Promo.Status.WITHDRAWN, Promo.Status.CANCELLED])
def test_final_or_rejected_promo_is_not_corrected(world, status):
    promo = world.promo(status)
    with pytest.raises(errors.IllegalStateError) as caught:
        point_corrections.promo_correct(promo=promo, actor=world.marketer, reason="x", end=promo.end - timedelta(days=1))
    assert caught.value.message == str(actions.NOT_CORRECTABLE % {"status": Promo.Status(status).label})


def test_supplier_cannot_correct(world):
    promo = world.promo()
    with pytest.raises(errors.NotAllowedError) as caught:
        point_corrections.promo_correct(promo=promo, actor=world.supplier_user, reason="x", end=promo.end - timedelta(days=1))
    assert caught.value.message == str(actions.CORRECTOR_ONLY)
