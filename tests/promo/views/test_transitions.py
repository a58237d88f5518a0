"""The transitions posted from the promo page do what the user asked, record it, and send
the user back to the promo with a message (POST-redirect-GET)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from promo.models import Promo, PromoEvent, PromoLine


def post(client, name, promo, **data):
    return client.post(reverse(f"promo:{name}", args=[promo.pk]), {"version": promo.version, **data}, follow=True)


def test_supplier_submits_its_draft(client_for, make_promo):
    # given a draft of S001
    promo = make_promo(status=Promo.Status.DRAFT)

    # when s001 submits it with a comment
    response = post(client_for("s001"), "promo_submit", promo, comment="Согласуйте до пятницы")

    # then it waits for approval, the event keeps the comment, the page says so
    promo.refresh_from_db()
    assert promo.status == Promo.Status.SUBMITTED
    event = promo.events.get(kind=PromoEvent.Kind.PROMO_SUBMITTED)
    assert event.reason == "Согласуйте до пятницы" and event.actor.username == "s001"
    assert "Промо отправлено на согласование." in response.content.decode()
    assert response.redirect_chain[-1][0] == promo.get_absolute_url()


def test_supplier_withdraws_a_submitted_promo(client_for, make_promo):
    # given a submitted promo of S001
    promo = make_promo()

    # when s001 withdraws it
    post(client_for("s001"), "promo_withdraw", promo, reason="Передумали")

    # then it is withdrawn with the reason recorded
    promo.refresh_from_db()
    assert promo.status == Promo.Status.WITHDRAWN
    assert promo.events.get(kind=PromoEvent.Kind.PROMO_WITHDRAWN).reason == "Передумали"


def test_supplier_requests_extension_and_cancellation(client_for, make_promo):
    # given an approved promo of S001
    promo = make_promo(status=Promo.Status.APPROVED)
    client = client_for("s001")
    new_end = promo.end + timedelta(days=10)

    # when s001 asks to extend it and to cancel it
    post(client, "promo_request_extension", promo, new_end=new_end.isoformat(), reason="Хорошо продаётся")
    promo.refresh_from_db()
    post(client, "promo_request_cancellation", promo, reason="Нет товара на складе")

    # then both requests are recorded for the marketers and the promo itself is unchanged
    promo.refresh_from_db()
    assert promo.status == Promo.Status.APPROVED and promo.end == new_end - timedelta(days=10)
    extension = promo.events.get(kind=PromoEvent.Kind.EXTENSION_REQUESTED)
    assert extension.reason == "Хорошо продаётся"
    assert extension.payload["request"] == {"new_end": new_end.isoformat()}
    assert promo.events.get(kind=PromoEvent.Kind.CANCELLATION_REQUESTED).reason == "Нет товара на складе"


def test_marketer_cancels_and_extends(client_for, make_promo):
    # given two approved promos
    cancelled, extended = make_promo(status=Promo.Status.APPROVED), make_promo(status=Promo.Status.APPROVED)
    client = client_for("marketer")
    new_end = extended.end + timedelta(days=7)

    # when the marketer cancels one and extends the other
    post(client, "promo_cancel", cancelled, reason="Поставщик отказался")
    post(client, "promo_extend", extended, new_end=new_end.isoformat(), reason="Продлеваем")

    # then the first is cancelled, the second has its new end and goes back to approval
    cancelled.refresh_from_db()
    extended.refresh_from_db()
    assert cancelled.status == Promo.Status.CANCELLED
    assert extended.end == new_end and extended.status == Promo.Status.SUBMITTED
    assert extended.revision == 2


def test_manager_corrects_a_line(client_for, make_promo):
    # given a submitted promo
    promo = make_promo(lines=2)
    line = promo.lines.order_by("product__article").first()

    # when the manager sets a new discount on one line
    response = post(client_for("manager3"), "line_correct", promo, line=line.pk, discount_percent="20,5",
                    reason="Договорились")

    # then the line has it, and the promo a new revision whose diff shows the change
    line.refresh_from_db()
    promo.refresh_from_db()
    assert line.discount_percent == Decimal("20.50")
    assert promo.revision == 2
    assert "Строка исправлена." in response.content.decode()
    assert "diff-changed" in response.content.decode()


def test_correct_dates_with_an_invalid_period_shows_the_rule(client_for, make_promo):
    # given a submitted promo
    promo = make_promo()

    # when the marketer sets the end before the start
    response = client_for("marketer").post(
        reverse("promo:promo_correct", args=[promo.pk]),
        {"version": promo.version, "start": promo.start.isoformat(),
         "end": (promo.start - timedelta(days=1)).isoformat(), "reason": "Ошибка"})

    # then the page explains it and the dates are unchanged
    assert response.status_code == 400
    assert "раньше даты начала" in response.content.decode()
    old_end = promo.end
    promo.refresh_from_db()
    assert promo.end == old_end


@pytest.mark.parametrize(("start", "end"), [("9999-12-01", "9999-12-31"), ("2099-12-25", "2100-01-05")])
def test_a_point_correction_to_a_far_year_is_refused(client_for, make_promo, start, end):
    # given: a submitted promo in April 2027
    promo = make_promo()

    # when: the marketer types a year far away (every other date rule would pass)
    response = client_for("marketer").post(reverse("promo:promo_correct", args=[promo.pk]),
                                           {"version": promo.version, "start": start, "end": end, "reason": "опечатка"})

    # then: 400 with the reason; the dates are unchanged
    assert response.status_code == 400
    assert "вне допустимого диапазона: акция должна проходить между 01.01.2000 и 31.12.2099." in (
        response.content.decode())
    promo.refresh_from_db()
    assert (promo.start, promo.end) == (date(2027, 4, 1), date(2027, 4, 30))


def test_promo_list_filters_for_a_supplier(client_for, make_promo):
    # given a draft and an approved promo of S001
    draft = make_promo(status=Promo.Status.DRAFT)
    approved = make_promo(status=Promo.Status.APPROVED)

    # when s001 filters its list by status
    page = client_for("s001").get(reverse("promo:promo_list"), {"status": "approved"}).content.decode()

    # then only the approved one is listed
    assert approved.code in page and draft.code not in page


def test_line_decision_undecided_lines_stay_pending(client_for, make_promo):
    # given a submitted promo of two lines
    promo = make_promo(lines=2)
    first, second = promo.lines.order_by("product__article")

    # when the manager accepts one line and saves without «accept the rest»
    post(client_for("manager3"), "lines_decide", promo, **{f"decision_{first.pk}": "accepted", "save": "1"})

    # then that line is accepted, the other still waits and so does the promo
    promo.refresh_from_db()
    assert PromoLine.objects.get(pk=first.pk).decision == PromoLine.Decision.ACCEPTED
    assert PromoLine.objects.get(pk=second.pk).decision == PromoLine.Decision.PENDING
    assert promo.status == Promo.Status.SUBMITTED
