"""The mails of a real approval path, with the events the workflow services record: submit,
a line rejected with its reason, the approval, a mass correction as one digest."""

from datetime import date

import pytest
import time_machine

from promo.models import OutboxMessage, Promo, PromoEvent, PromoLine
from promo.services.mass_corrections import mass_correction_apply
from promo.services.point_corrections import promo_extend
from promo.services.revisions import revision_freeze_decisions, revision_record
from promo.services.supplier_requests import promo_request_extension, request_accept
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


def test_an_approval_never_words_a_lines_reason_as_the_promos_comment(world):
    # given a submitted promo: km2 accepts his line, then km1 rejects his with a reason, which
    # settles the promo as approved (one line accepted)
    promo = world.promo
    promo_submit(promo=promo, actor=world.author)
    promo_approve(promo=promo, actor=world.managers[1])
    first = promo.lines.select_related("product").get(product__category=world.categories[0])
    line_decide(line=first, actor=world.managers[0], decision=PromoLine.Decision.REJECTED, reason="Цена выше рынка")

    # when the supplier reads the approval
    message = last_message(Kind.PROMO_APPROVED, "author")

    # then the promo's comment is not the line's reason: the reason is the rejected line's,
    # in the decisions of the lines
    assert "Причина / комментарий" not in message.body_text and "Причина / комментарий" not in message.body_html
    assert f"{first.product.article} {first.product.name}: Отклонено (Цена выше рынка)" in message.body_text


def test_an_approval_with_a_comment_shows_that_comment(world):
    promo = world.promo
    promo_submit(promo=promo, actor=world.author)
    promo_approve(promo=promo, actor=world.managers[0])
    promo_approve(promo=promo, actor=world.managers[1], comment="Согласовано до конца квартала")
    text = last_message(Kind.PROMO_APPROVED, "author").body_text
    assert "Причина / комментарий: Согласовано до конца квартала" in text


def test_the_extension_mails_name_the_new_end_once(world):
    # given an approved promo, asked to be extended by its supplier and extended by a marketer
    promo = world.promo
    promo.status = Promo.Status.APPROVED
    promo.save()
    promo.lines.update(decision=PromoLine.Decision.ACCEPTED)
    revision_record(promo=promo)
    promo.approved_revision = revision_freeze_decisions(promo=promo)
    promo.save()
    with time_machine.travel(date(2026, 11, 23), tick=True):
        promo_request_extension(promo=promo, actor=world.author, new_end=date(2027, 2, 21), reason="Спрос")
        promo_extend(promo=promo, actor=world.marketer, new_end=date(2027, 2, 28), reason="Спрос")

    # then each mail lists «окончание» once, old -> new
    asked = last_message(Kind.EXTENSION_REQUESTED, "km1").body_text
    extended = last_message(Kind.PROMO_EXTENDED, "author").body_text
    assert asked.count("окончание:") == 1 and "окончание: 14.02.2027 → 21.02.2027" in asked
    assert extended.count("окончание:") == 1 and "окончание: 14.02.2027 → 28.02.2027" in extended


def test_an_accepted_extension_request_names_the_new_end_once(world):
    # given an approved promo whose supplier asked for an extension to 21.02
    promo = world.promo
    promo.status = Promo.Status.APPROVED
    promo.save()
    promo.lines.update(decision=PromoLine.Decision.ACCEPTED)
    revision_record(promo=promo)
    promo.approved_revision = revision_freeze_decisions(promo=promo)
    promo.save()
    with time_machine.travel(date(2026, 11, 23), tick=True):
        asked = promo_request_extension(promo=promo, actor=world.author, new_end=date(2027, 2, 21), reason="Спрос")

        # when a marketer accepts it («Продлить как просят»)
        request_accept(request=asked, actor=world.marketer, reason="Продлеваем")

    # then the supplier's one mail tells the answer and the extension it ran, «окончание» once
    answered = last_message(Kind.REQUEST_ACCEPTED, "author").body_text
    assert answered.count("окончание:") == 1 and "окончание: 14.02.2027 → 21.02.2027" in answered
    assert "Продлеваем" in answered
    assert not OutboxMessage.objects.filter(event__kind=Kind.PROMO_EXTENDED, recipient__username="author").exists()
