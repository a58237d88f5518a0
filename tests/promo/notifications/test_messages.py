"""What the messages say: the promo's code and name, supplier, period, what changed, a link;
in the recipient's language, as text and HTML."""

from datetime import date

import pytest
from django.test import override_settings

from promo.models import NotificationSettings, OutboxMessage, PromoEvent
from promo.services.events import event_record
from promo.services.revisions import revision_record
from tests.factories import PromoFactory, PromoLineFactory

Kind = PromoEvent.Kind
pytestmark = pytest.mark.django_db


def message_to(event, username) -> OutboxMessage:
    return OutboxMessage.objects.get(event=event, recipient__username=username)


@override_settings(PORTAL_BASE_URL="https://promo.example.com")
def test_a_rejection_in_russian_names_the_promo_supplier_period_reason_and_links_the_page(world):
    # when a manager rejects the promo with a reason
    event = event_record(kind=Kind.PROMO_REJECTED, actor=world.managers[0], promo=world.promo,
                         from_status="submitted", to_status="rejected", reason="Скидка слишком мала")

    # then the supplier's message is Russian, text and HTML, with everything needed to act
    message = message_to(event, "author")
    assert message.language == "ru"
    assert message.subject == f"[Промо-портал] Отклонено: {world.promo.code} «Весенние скидки»"
    link = f"https://promo.example.com/promo/{world.promo.pk}/"
    for body in (message.body_text, message.body_html):
        assert world.promo.code in body
        assert "Весенние скидки" in body
        assert "ООО «Ромашка»" in body
        assert "01.02.2027 – 14.02.2027" in body
        assert "Скидка слишком мала" in body
        assert link in body
    assert "Статус: На согласовании → Отклонено" in message.body_text
    assert '<html lang="ru">' in message.body_html
    assert f'href="{link}"' in message.body_html


def test_the_recipients_language_is_used(world):
    # given the colleague reads English mail, the author keeps the default
    NotificationSettings.objects.create(user=world.colleague, language="en")

    event = event_record(kind=Kind.PROMO_APPROVED, actor=world.managers[0], promo=world.promo)

    english, russian = message_to(event, "colleague"), message_to(event, "author")
    assert (english.language, russian.language) == ("en", "ru")
    assert '<html lang="en">' in english.body_html
    assert '<html lang="ru">' in russian.body_html


def test_an_extension_shows_old_and_new_end(world):
    event = event_record(kind=Kind.PROMO_EXTENDED, actor=world.marketer, promo=world.promo,
                         reason="По просьбе поставщика",
                         payload={"changes": [{"field": "end", "old": "2027-02-14", "new": "2027-02-28"}]})

    text = message_to(event, "author").body_text
    assert "окончание: 14.02.2027 → 28.02.2027" in text
    assert "По просьбе поставщика" in text


def test_a_new_revision_without_a_diff_in_the_payload_shows_the_revisions_diff(world):
    # given revision 1, then a corrected revision 2 with a new discount on one line
    revision_record(promo=world.promo)
    line = world.promo.lines.order_by("product__article").first()
    line.discount_percent = 25
    line.save()
    world.promo.revision = 2
    world.promo.save()
    revision_record(promo=world.promo)

    # when the revision is announced
    event = event_record(kind=Kind.REVISION_CREATED, actor=world.author, promo=world.promo)

    # then the message lists the change of that line, old -> new
    text = message_to(event, "km1").body_text
    assert f"{line.product.article} · скидка, %: 15 → 25" in text


def test_line_decisions_list_each_line_with_the_reason(world):
    event = event_record(kind=Kind.LINE_DECIDED, actor=world.managers[0], promo=world.promo, payload={
        "lines": [{"article": "A1", "name": "Шампунь", "decision": "rejected", "reason": "Цена выше рынка"},
                  {"article": "A2", "name": "Мыло", "decision": "accepted", "reason": ""}],
    })

    text = message_to(event, "author").body_text
    assert "A1 Шампунь: Отклонено (Цена выше рынка)" in text
    assert "A2 Мыло: Принято" in text


def test_a_mass_correction_digest_shows_each_supplier_its_own_promos_only(world):
    # given a second supplier's promo corrected in the same batch
    foreign = PromoFactory(supplier=world.other_supplier, name="Чужое промо", start=date(2027, 3, 1),
                           end=date(2027, 3, 10))
    PromoLineFactory(promo=foreign)
    changes = [{"field": "start", "old": "2027-02-01", "new": "2027-02-08"}]

    # when the marketer's mass correction is recorded as one digest event
    event = event_record(kind=Kind.MASS_CORRECTED, actor=world.marketer, reason="Сдвиг сезона", payload={
        "promos": [{"promo_id": world.promo.pk, "changes": changes},
                   {"promo_id": foreign.pk, "changes": changes}],
    })

    # then each supplier user gets one message about its own promo, marketers see both
    own = message_to(event, "author").body_text
    assert world.promo.code in own and foreign.code not in own
    assert "начало: 01.02.2027 → 08.02.2027" in own
    other = message_to(event, "foreigner").body_text
    assert foreign.code in other and world.promo.code not in other
    everything = message_to(event, "marketer").body_text
    assert world.promo.code in everything and foreign.code in everything


def test_export_warnings_list_the_problems_and_link_the_run(world):
    # when the exports record a run with warnings and errors (as exports/services.py does)
    event = event_record(kind=Kind.EXPORT_WARNINGS, internal=True, payload={
        "run_id": 12, "run": "20270201_01", "date": "2027-02-01",
        "warnings": ["Филиал B0007 без кода SAP"], "errors": ["P000001: нет цены"],
        "warnings_total": 3, "errors_total": 1,
    })

    # then the marketers read the run, each problem, how many more there are, and the run's page
    message = message_to(event, "marketer")
    assert message.subject == "[Промо-портал] Выгрузка с предупреждениями: 01.02.2027"
    for body in (message.body_text, message.body_html):
        assert "20270201_01" in body
        assert "Филиал B0007 без кода SAP" in body
        assert "P000001: нет цены" in body
        assert "…и ещё: 2" in body
        assert "http://127.0.0.1:8000/exports/12/" in body


def test_html_escapes_what_users_typed(world):
    event = event_record(kind=Kind.COMMENT_ADDED, actor=world.marketer, promo=world.promo,
                         reason="<script>alert(1)</script>", payload={"text": "<script>alert(1)</script>"})

    message = message_to(event, "author")
    assert "<script>" not in message.body_html
    assert "&lt;script&gt;" in message.body_html
    assert "<script>alert(1)</script>" in message.body_text
