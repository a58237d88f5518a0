"""The mails of a real approval path, with the events the workflow services record: submit,
a line rejected with its reason, the approval, a mass correction as one digest."""

from datetime import date

import pytest

from promo.models import OutboxMessage, PromoEvent, PromoLine
from promo.services.mass_corrections import mass_correction_apply
from promo.services.transitions import line_decide, promo_approve, promo_submit
from tests.promo.notifications.conftest import recipients

Kind = PromoEvent.Kind
pytestmark = pytest.mark.django_db


def last_message(kind, username) -> OutboxMessage:
    return OutboxMessage.objects.filter(event__kind=kind, recipient__username=username).latest("pk")


def test_from_submission_to_approval_everyone_concerned_hears_what_happened(world, marketers):
    promo = world.promo
    first, second = (promo.lines.select_related("product").get(product__category=category)
                     for category in world.categories[:2])
    km1, km2 = world.managers[:2]

    # when the supplier submits
    submitted = promo_submit(promo=promo, actor=world.author)
    event = submitted.events.get(kind=Kind.PROMO_SUBMITTED)
    # then the colleague, both managers and the marketers hear, the author does not
    assert recipients(event) == {"colleague", "km1", "km2"} | marketers

    # when the first manager rejects his line with a reason
    line_decide(line=first, actor=km1, decision=PromoLine.Decision.REJECTED, reason="Цена выше рынка")
    # then the supplier's users read which line and why
    text = last_message(Kind.LINE_DECIDED, "author").body_text
    assert f"{first.product.article} {first.product.name}: Отклонено (Цена выше рынка)" in text

    # when the second manager approves the rest, the promo is approved and the supplier told so
    promo_approve(promo=promo, actor=km2)
    approved = last_message(Kind.PROMO_APPROVED, "author")
    assert approved.subject == f"[Промо-портал] Согласовано: {promo.code} «Весенние скидки»"
    assert "На согласовании → Согласовано" in approved.body_text
    assert not OutboxMessage.objects.filter(event__kind=Kind.PROMO_APPROVED, recipient=km2).exists()

    # when the marketer shifts the promo by a week in a mass correction
    mass_correction_apply(actor=world.marketer, line_ids=[first.pk, second.pk], shift_days=7,
                          reason="Сдвиг сезона", today=date(2026, 11, 23))

    # then one digest per person tells the new dates, old -> new
    digests = OutboxMessage.objects.filter(event__kind=Kind.MASS_CORRECTED)
    assert digests.filter(recipient=world.author).count() == 1
    text = last_message(Kind.MASS_CORRECTED, "author").body_text
    assert "Сдвиг сезона" in text
    assert "начало: 01.02.2027 → 08.02.2027" in text
    assert "окончание: 14.02.2027 → 21.02.2027" in text
