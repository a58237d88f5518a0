"""A promo whose newer revision was rejected while its approved revision stays at the tills: the
promo page and the mail of the decision say what is in force. Before, the page said «новая ждёт
решения» of a revision already rejected, and the supplier's «Отклонено» mail gave the rejected
period only, as if the running promo had been stopped."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from promo.models import OutboxMessage, Promo, PromoEvent
from promo.services import point_corrections, transitions
from suppliers.models import Product
from tests.factories import PromoFactory, PromoLineFactory

START = date(2027, 6, 1)
TODAY = date(2027, 5, 1)


@pytest.fixture
def extended(db, demo_user):
    """An approved chain-wide promo of S001 (revision 1, 01.06-14.06) extended to 28.06 by a marketer."""
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    promo = PromoFactory(supplier=product.supplier, start=START, end=START + timedelta(days=13),
                         status=Promo.Status.SUBMITTED, targeting={"chain": True})
    PromoLineFactory(promo=promo, product=product, discount_percent=Decimal("15"))
    transitions.promo_approve(promo=promo, actor=demo_user("manager"))
    promo.refresh_from_db()
    point_corrections.promo_extend(promo=promo, actor=demo_user("marketer"), new_end=START + timedelta(days=27),
                                   reason="Продлить", today=TODAY)
    promo.refresh_from_db()
    return promo


def test_the_page_says_the_approved_revision_runs_and_the_new_one_was_rejected(extended, demo_user, client_for):
    # given the extension waits: the page says so
    page = client_for("s001").get(extended.get_absolute_url()).content.decode()
    assert "действует согласованная ревизия 1 (01.06.2027 – 14.06.2027), новая ждёт решения" in page

    # when the manager rejects the extension
    transitions.promo_reject(promo=extended, actor=demo_user("manager"), reason="Продление не нужно")

    # then the supplier's page says revision 1 runs and the new one was rejected, not that it waits
    page = client_for("s001").get(extended.get_absolute_url()).content.decode()
    assert "действует согласованная ревизия 1 (01.06.2027 – 14.06.2027), новая отклонена" in page
    assert "новая ждёт решения" not in page
    # and in English
    client = client_for("s001")
    client.cookies["django_language"] = "en"
    with translation.override("ru"):  # the English request leaves its language active in this thread
        assert ("approved revision 1 is in force (01.06.2027 – 14.06.2027), the new one was rejected"
                in client.get(extended.get_absolute_url()).content.decode())


def test_a_cancelled_promo_has_no_revision_in_force_on_its_page(extended, demo_user, client_for):
    # when the marketer cancels the promo while its extension waits
    transitions.promo_cancel(promo=extended, actor=demo_user("marketer"), reason="Снято", today=TODAY)

    # then its page no longer claims a revision in force
    page = client_for("marketer").get(extended.get_absolute_url()).content.decode()
    assert "действует согласованная ревизия" not in page


def test_the_rejection_mail_says_what_stays_at_the_tills(extended, demo_user):
    # when the manager rejects the extension
    transitions.promo_reject(promo=extended, actor=demo_user("manager"), reason="Продление не нужно")

    # then the supplier's mail gives the rejected period and the one still in force
    event = extended.events.get(kind=PromoEvent.Kind.PROMO_REJECTED)
    message = OutboxMessage.objects.get(event=event, recipient=demo_user("s001"))
    assert "Период: 01.06.2027 – 28.06.2027" in message.body_text
    assert "На кассах: действует согласованная ревизия 1: 01.06.2027 – 14.06.2027" in message.body_text
    assert "действует согласованная ревизия 1: 01.06.2027 – 14.06.2027" in message.body_html
    # and a promo with nothing in force behind it says nothing of the kind
    fresh = PromoFactory(supplier=extended.supplier, start=START, end=START + timedelta(days=13),
                         status=Promo.Status.SUBMITTED)
    PromoLineFactory(promo=fresh, product=extended.lines.get().product)
    transitions.promo_reject(promo=fresh, actor=demo_user("manager"), reason="Нет")
    other = OutboxMessage.objects.get(event=fresh.events.get(kind=PromoEvent.Kind.PROMO_REJECTED),
                                      recipient=demo_user("s001"))
    assert "На кассах" not in other.body_text
