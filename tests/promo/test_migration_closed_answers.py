"""promo 0017: a supplier's request closed because its promo was cancelled or withdrawn, before
the portal stored that answer in its own language, kept it in the language of whoever acted. An
answer stored in English stayed English for the Russian supplier. The migration stores an answer
that is exactly one of the automatic answers as the portal's answer (worded for each reader) and
leaves an answer a person typed as it is."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from promo.models import Promo, SupplierRequest
from tests.factories import PromoFactory, supplier_user
from tests.factories import marketer as make_marketer
from tests.migrations import migrate

pytestmark = pytest.mark.django_db
BEFORE = ("promo", "0016_notificationsettings_language_chosen")
AFTER = ("promo", "0017_closed_request_answers_in_portal_language")
CANCELLED_EN = "The promo is cancelled: the request is closed."
WITHDRAWN_EN = "The promo is withdrawn: the request is closed."
CANCELLED_RU = "Промо отменено: запрос закрыт."


def closed(promo, answer: str, *, kind=SupplierRequest.Kind.CANCELLATION) -> SupplierRequest:
    return SupplierRequest.objects.create(
        promo=promo, kind=kind, reason="Нет товара", requested_by=supplier_user(promo.supplier),
        status=SupplierRequest.Status.DECLINED, answer=answer, answered_by=make_marketer(),
        answered_at=timezone.now(), new_end=date(2027, 5, 10) if kind == SupplierRequest.Kind.EXTENSION else None)


def test_english_automatic_answers_are_worded_for_each_reader_and_typed_ones_are_kept(client):
    # given the schema before the step, and closed requests answered: automatically in English
    # (a promo cancelled by an English-reading marketer, one withdrawn), automatically in
    # Russian, by a person in English (a near-copy of the automatic text), and by a person in Russian
    migrate(BEFORE)
    cancelled = PromoFactory(status=Promo.Status.CANCELLED)
    withdrawn = PromoFactory(status=Promo.Status.WITHDRAWN)
    declined = PromoFactory(status=Promo.Status.APPROVED)
    english = closed(cancelled, CANCELLED_EN)
    english_withdrawn = closed(withdrawn, WITHDRAWN_EN, kind=SupplierRequest.Kind.EXTENSION)
    russian = closed(PromoFactory(status=Promo.Status.CANCELLED), CANCELLED_RU)
    typed_en = closed(declined, "The promo is cancelled: the request is closed. Sorry!")
    typed_ru = closed(PromoFactory(status=Promo.Status.APPROVED), "Нет, акция идёт до конца.",
                      kind=SupplierRequest.Kind.EXTENSION)
    with translation.override("ru"):
        assert SupplierRequest.objects.get(pk=english.pk).answer_text == CANCELLED_EN  # the defect

    # when the migration runs
    migrate(AFTER)

    # then the automatic answers read in each reader's language
    for request, ru, en in ((english, CANCELLED_RU, CANCELLED_EN),
                            (english_withdrawn, "Промо отозвано: запрос закрыт.", WITHDRAWN_EN),
                            (russian, CANCELLED_RU, CANCELLED_EN)):
        request.refresh_from_db()
        with translation.override("ru"):
            assert request.answer_text == ru
        with translation.override("en"):
            assert request.answer_text == en
    # and the Russian supplier reads it in Russian on the promo page
    client.force_login(english.requested_by)
    client.cookies["django_language"] = "ru"
    page = client.get(reverse("promo:promo_detail", args=[cancelled.pk])).content.decode()
    assert CANCELLED_RU in page and CANCELLED_EN not in page
    # and the answers people typed are as they were, in every language
    for request, text in ((typed_en, "The promo is cancelled: the request is closed. Sorry!"),
                          (typed_ru, "Нет, акция идёт до конца.")):
        request.refresh_from_db()
        assert request.answer == text
        with translation.override("en"):
            assert request.answer_text == text
