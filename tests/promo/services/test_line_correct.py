from decimal import Decimal

import pytest
from django.conf import settings

from promo.models import Promo, PromoEvent, PromoLine
from promo.services import actions, errors, point_corrections
from promo.services.corrections import FIELD_NOT_FOR_MECHANIC

Decision = PromoLine.Decision


def test_manager_corrects_a_discount_of_an_approved_promo(world):
    # given an approved promo
    promo = world.promo(Promo.Status.APPROVED)
    line = world.line(promo, "a")
    in_force = promo.approved_revision
    # when A's manager sets one line's discount to 20 % with a reason
    corrected = point_corrections.line_correct(line=line, actor=world.manager_a, reason="Согласовано с поставщиком",
                                      version=promo.version, discount_percent="20")
    # then the line has the new discount and waits for a decision; the promo went back to
    # approval with a new revision while the approved one stays in force
    assert (corrected.discount_percent, corrected.decision) == (Decimal("20.00"), Decision.PENDING)
    promo.refresh_from_db()
    assert (promo.status, promo.revision, promo.approved_revision) == (Promo.Status.SUBMITTED, 2, in_force)
    changed = promo.revisions.get(number=2).diff["changed"]
    assert changed[0]["fields"]["discount_percent"] == ["15", "20"]
    event = promo.events.get()
    assert (event.kind, event.reason) == (PromoEvent.Kind.PROMO_CORRECTED, "Согласовано с поставщиком")
    assert event.payload["changes"] == [{"field": "discount_percent", "old": "15.00", "new": "20.00",
                                         "line_id": line.pk, "article": line.product.article}]
    assert line.history.first().history_change_reason == "Согласовано с поставщиком"


def test_fixed_price_must_stay_below_the_regular_price(world):
    promo = world.promo(mechanic=Promo.Mechanic.FIXED_PRICE)
    line = world.line(promo)
    with pytest.raises(errors.InvalidError) as caught:
        point_corrections.line_correct(line=line, actor=world.marketer, reason="x", promo_price="100,00")
    # (the sheet's wording: the same rule says the same thing everywhere)
    assert caught.value.code == "price_not_below_regular"
    assert caught.value.message == ("Промо-цена 100,00 не ниже регулярной цены 100,00: цена по акции "
                                    "должна быть меньше.")
    point_corrections.line_correct(line=line, actor=world.marketer, reason="Новая цена", promo_price="69,90")
    assert PromoLine.objects.get(pk=line.pk).promo_price == Decimal("69.90")


def test_discount_out_of_range_is_refused(world):
    promo = world.promo()
    with pytest.raises(errors.InvalidError) as caught:
        point_corrections.line_correct(line=world.line(promo), actor=world.marketer, reason="x", discount_percent=95)
    assert caught.value.code == "discount_out_of_range"
    assert caught.value.message == (f"Скидка 95 % вне допустимого диапазона: от {settings.PROMO_DISCOUNT_MIN} "
                                    f"до {settings.PROMO_DISCOUNT_MAX} %.")
    assert PromoLine.objects.get(pk=world.line(promo).pk).discount_percent == Decimal("15.00")


def test_compensation_out_of_range_and_garbage_are_refused(world):
    promo = world.promo()
    with pytest.raises(errors.InvalidError) as caught:
        point_corrections.line_correct(line=world.line(promo), actor=world.marketer, reason="x", compensation_percent=101)
    assert caught.value.code == "compensation_out_of_range"
    assert caught.value.message == "Компенсация поставщика 101 % должна быть от 0 до 100 %."
    with pytest.raises(errors.InvalidError) as caught:
        point_corrections.line_correct(line=world.line(promo), actor=world.marketer, reason="x", compensation_percent="abc")
    assert caught.value.code == "price_invalid"
    assert caught.value.message.startswith("«abc» в колонке «Компенсация поставщика, %» не является числом.")


def test_discount_of_an_n_plus_m_line_is_refused(world):
    promo = world.promo(mechanic=Promo.Mechanic.N_PLUS_M)
    with pytest.raises(errors.InvalidError) as caught:
        point_corrections.line_correct(line=world.line(promo), actor=world.marketer, reason="x", discount_percent=10)
    assert caught.value.message == str(FIELD_NOT_FOR_MECHANIC % {"field": "скидка, %", "mechanic": "N+M"})


def test_manager_of_another_category_cannot_correct_the_line(world):
    promo = world.promo()
    with pytest.raises(errors.NotAllowedError) as caught:
        point_corrections.line_correct(line=world.line(promo, "a"), actor=world.manager_b, reason="x", discount_percent=20)
    assert caught.value.message == str(actions.LINE_CORRECTOR_ONLY)


def test_unchanged_value_changes_nothing(world):
    promo = world.promo()
    point_corrections.line_correct(line=world.line(promo), actor=world.marketer, reason="", discount_percent="15")
    assert (Promo.objects.get(pk=promo.pk).version, promo.events.count()) == (1, 0)
