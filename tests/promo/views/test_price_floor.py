"""The price floor: the rule over every mechanic (hypothesis), the refusal that says by how
much, the manager's «согласовать ниже порога» with a reason recorded in history, the category's
own floor, the warning at upload, and the same through the promo page and the API."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import pytest
from django.conf import settings as conf
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from promo import mechanics, rules
from promo.models import NotificationSettings, OutboxMessage, PromoEvent, PromoLine
from promo.services import transitions, workflow
from promo.services.errors import InvalidError
from promo.services.imports.uploads import upload_submit
from suppliers.models import Category, Product
from tests.promo.imports import sheets
from tests.promo.views.test_promo_page import lines_form_as_sent

KOPECK = Decimal("0.01")
# A100002: regular 490.90, purchase 277.72 (C13/C15, manager3's).
ARTICLE = "A100002"


# --- the rule ------------------------------------------------------------------------------


@st.composite
def lines(draw):
    regular = draw(st.decimals(min_value=Decimal("1.00"), max_value=Decimal("50000"), places=2))
    mechanic = draw(st.sampled_from([mechanics.PERCENT, mechanics.FIXED_PRICE, mechanics.N_PLUS_M]))
    terms = ({"discount_percent": draw(st.decimals(min_value=1, max_value=90, places=2))}
             if mechanic == mechanics.PERCENT else
             {"price": draw(st.decimals(min_value=Decimal("0.01"), max_value=regular, places=2))}
             if mechanic == mechanics.FIXED_PRICE else
             {"n": draw(st.integers(1, 20)), "m": draw(st.integers(1, 20))})
    purchase = draw(st.decimals(min_value=Decimal("0.01"), max_value=regular * 2, places=2))
    share = draw(st.decimals(min_value=0, max_value=100, places=2))
    unit = mechanics.unit_price(mechanic, regular, **terms)
    return mechanics.line_economics(regular=regular, unit_price=unit, purchase_price=purchase,
                                    compensation_percent=share)


@given(economics=lines(), floor=st.decimals(min_value=-20, max_value=60, places=2))
def test_the_floor_per_mechanic_says_by_how_much(economics, floor):
    problem = rules.margin_floor_problem(economics, floor)
    # a line is below the floor exactly when its margin is under that share of what the chain receives
    assert (problem is not None) == (economics.margin * 100 < floor * economics.net_price)
    if problem is not None:
        params = problem.params
        assert problem.code == "margin_below_floor" and params["floor"] == floor
        # and the shortfall in roubles is what each unit would need to earn more (to a kopeck)
        needed = economics.net_price * floor / 100
        assert params["shortfall_rub"] >= KOPECK
        assert abs(economics.margin + params["shortfall_rub"] - needed) <= KOPECK or params["shortfall_rub"] == KOPECK
        assert params["shortfall"] >= KOPECK and params["margin"] == economics.margin_percent


@given(economics=lines())
def test_no_floor_and_no_purchase_price_check_nothing(economics):
    assert rules.margin_floor_problem(economics, None) is None
    assert rules.margin_floor_problem(dataclasses.replace(economics, margin=None, margin_percent=None), 50) is None


# --- the services --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _floor_at_zero(settings):
    """No sale at a loss after compensation (the setting; no floor by default)."""
    settings.PROMO_MARGIN_FLOOR_PERCENT = "0"


@pytest.fixture
def deep(make_promo):
    """A submitted promo of A100002 at 45 % off without compensation (margin -7.72, -2.86 %)
    and one of A100001 at 15 % with half paid back (well above the floor)."""
    promo = make_promo(products=[Product.objects.get(article=ARTICLE), Product.objects.get(article="A100001")],
                       discount=Decimal("45.00"))
    promo.lines.filter(product__article=ARTICLE).update(compensation_percent=Decimal("0"))
    promo.lines.filter(product__article="A100001").update(discount_percent=Decimal("15"),
                                                          compensation_percent=Decimal("50"))
    return promo


def line_of(promo, article=ARTICLE) -> PromoLine:
    return promo.lines.get(product__article=article)


def test_accepting_a_line_below_the_floor_is_refused_saying_by_how_much(deep, demo_user):
    manager = demo_user("manager3")
    below, fine = line_of(deep), line_of(deep, "A100001")

    # when the manager accepts both lines without ticking «согласовать ниже порога»
    with pytest.raises(InvalidError) as refusal:
        transitions.lines_decide(promo=deep, actor=manager, version=deep.version,
                                 decisions={below.pk: ("accepted", ""), fine.pk: ("accepted", "")})

    # then nothing is decided, and the refusal names the line and its shortfall
    assert refusal.value.code == "below_floor"
    assert (f"{ARTICLE}: маржа после компенсации -2,86 % при пороге 0,00 % — не хватает 2,86 п.п. (7,72 ₽ за шт.)"
            in refusal.value.message)
    assert "A100001" not in refusal.value.message
    assert set(deep.lines.values_list("decision", flat=True)) == {"pending"}
    # and rejecting it needs no override
    transitions.lines_decide(promo=deep, actor=manager, version=deep.version,
                             decisions={below.pk: ("rejected", "Ниже закупки")})
    assert line_of(deep).decision == "rejected"


def test_the_override_needs_a_reason_and_records_it_in_history(deep, demo_user):
    manager = demo_user("manager3")
    below = line_of(deep)

    # when he ticks the box without a reason: refused
    with pytest.raises(InvalidError) as refusal:
        transitions.lines_decide(promo=deep, actor=manager, version=deep.version,
                                 decisions={below.pk: ("accepted", "")}, floor_overrides={below.pk: "  "})
    assert refusal.value.message == "Укажите причину согласования ниже порога."

    # when he gives one
    transitions.lines_decide(promo=deep, actor=manager, version=deep.version,
                             decisions={below.pk: ("accepted", "")},
                             floor_overrides={below.pk: "Вывод товара из ассортимента"})

    # then the line is accepted with his reason as typed, and the margin and the floor as facts
    # (worded by each reader's language: test_the_override_reads_in_the_readers_language)
    below.refresh_from_db()
    reason = "Вывод товара из ассортимента"
    assert (below.decision, below.decision_reason) == ("accepted", reason)
    assert below.below_floor == {"margin": "-2.86", "floor": "0.00"}
    assert below.history.first().history_change_reason == reason
    assert below.history.first().below_floor == {"margin": "-2.86", "floor": "0.00"}
    # and the decision event carries it with the line (a line's reason is never worded as the
    # promo's comment: issue 13)
    event = deep.events.get(kind=PromoEvent.Kind.LINE_DECIDED)
    assert event.reason == ""
    assert event.payload["lines"][0]["reason"] == reason
    assert event.payload["lines"][0]["below_floor"]["reason"] == reason
    assert (event.payload["lines"][0]["below_floor"]["margin"], event.payload["lines"][0]["below_floor"]["floor"]) == (
        "-2.86", "0.00")
    # and a line put back to pending (a new revision) forgets the override
    reset = workflow.reset_decisions([below])
    assert reset == [below] and below.below_floor is None and below.decision_reason == ""


def test_the_override_reads_in_the_readers_language(client_for, deep, demo_user, api_client):
    # given manager3 accepted A100002 below the floor, with a reason typed in Russian, and the
    # supplier's user reads his mail in English
    NotificationSettings.objects.update_or_create(user=demo_user("s001"), defaults={"language": "en"})
    below = line_of(deep)
    transitions.lines_decide(promo=deep, actor=demo_user("manager3"), version=deep.version,
                             decisions={below.pk: ("accepted", "")}, floor_overrides={below.pk: "Стратегический товар"})
    russian = "Согласовано ниже порога маржи (-2,86 % при пороге 0,00 %): Стратегический товар"
    english = "Approved below the margin floor (-2.86 % against 0.00 %): Стратегический товар"

    # when a reader opens the promo page and its history in Russian, then in English
    client = client_for("marketer")
    history_url = reverse("promo:promo_history", args=[deep.pk])
    page_ru, history_ru = (client.get(url).content.decode() for url in (deep.get_absolute_url(), history_url))
    client.cookies[conf.LANGUAGE_COOKIE_NAME] = "en"
    page_en, history_en = (client.get(url).content.decode() for url in (deep.get_absolute_url(), history_url))

    # then the page words the override in the reader's language, the reason as typed
    assert f'<div class="reason">{russian}</div>' in page_ru
    assert f'<div class="reason">{english}</div>' in page_en and "Согласовано ниже порога" not in page_en
    # and the history says the same, as a change of the line
    assert "маржа -2,86 % при пороге 0,00 %" in history_ru
    assert "margin -2.86 % against the floor of 0.00 %" in history_en and "порог" not in history_en
    # and so does the supplier's English mail
    event = deep.events.get(kind=PromoEvent.Kind.LINE_DECIDED)
    mail = OutboxMessage.objects.get(event=event, recipient__username="s001").body_text
    assert english in mail and "Согласовано" not in mail
    # and the API gives the facts apart from the reason
    api_client.force_authenticate(demo_user("manager3"))
    (line,) = [line for line in api_client.get(f"/api/v1/promos/{deep.pk}/").json()["lines"]
               if line["product"]["article"] == ARTICLE]
    assert (line["decision_reason"], line["below_floor"]) == ("Стратегический товар",
                                                              {"margin": "-2.86", "floor": "0.00"})


def test_approving_the_promo_needs_the_override_too(deep, demo_user):
    manager = demo_user("manager3")
    with pytest.raises(InvalidError, match="Строки ниже порога маржи: A100002"):
        transitions.promo_approve(promo=deep, actor=manager, version=deep.version)
    transitions.promo_approve(promo=deep, actor=manager, version=deep.version, below_floor_reason="Акция конкурента")
    deep.refresh_from_db()
    assert deep.status == "approved"
    assert line_of(deep).decision_reason == "Акция конкурента" and line_of(deep, "A100001").decision_reason == ""
    assert line_of(deep).below_floor is not None and line_of(deep, "A100001").below_floor is None


def test_a_category_sets_its_own_floor(deep, demo_user, settings):
    manager = demo_user("manager3")
    fine = line_of(deep, "A100001")
    category = fine.product.category

    # given the category's floor at 30 %: the 15 % line (26.91 % margin) is below it now
    Category.objects.filter(pk=category.pk).update(margin_floor_percent=Decimal("30"))
    with pytest.raises(InvalidError, match=r"A100001: маржа после компенсации 26,91 % при пороге 30,00 %"):
        transitions.lines_decide(promo=deep, actor=manager, version=deep.version, decisions={fine.pk: ("accepted", "")})

    # and with no floor anywhere, even the loss goes through
    Category.objects.update(margin_floor_percent=None)
    settings.PROMO_MARGIN_FLOOR_PERCENT = ""
    transitions.promo_approve(promo=deep, actor=manager, version=deep.version)
    deep.refresh_from_db()
    assert deep.status == "approved"


@pytest.mark.django_db
def test_a_sheet_line_below_the_floor_is_a_warning_at_upload(demo_user):
    # given a sheet with A100002 at 45 % off and no compensation
    product = Product.objects.get(article=ARTICLE)
    content = sheets.workbook_bytes([sheets.line(product, **{"Скидка, %": 45, "Компенсация поставщика, %": 0})])

    # when s001 uploads it
    upload, result = upload_submit(actor=demo_user("s001"), file=SimpleUploadedFile("f.xlsx", content),
                                   original_name="f.xlsx", today=sheets.START.replace(month=1, day=20))

    # then it is imported with the warning saying by how much
    assert result.ok
    assert [(w["row"], w["code"]) for w in result.warnings] == [(2, "margin_below_floor")]
    # (the floor with two decimals, as the manager's refusal writes it: «при пороге 0,00 %»)
    assert result.warnings[0]["message"] == (
        f"Товар {ARTICLE}: маржа сети после компенсации -2,86 % ниже порога 0,00 % — не хватает 2,86 п.п. "
        "(7,72 ₽ за шт.). Категорийный менеджер сможет принять строку только «ниже порога», с причиной.")


# --- the page and the API --------------------------------------------------------------------


def test_the_page_flags_the_line_and_takes_the_override(client_for, deep):
    client = client_for("manager3")
    page = client.get(deep.get_absolute_url()).content.decode()
    row = re.search(rf'<tr[^>]*data-article="{ARTICLE}"[^>]*>.*?</tr>', page, re.S).group(0)
    below = line_of(deep)
    assert "ниже порога на 2,86 п.п. (7,72 ₽/шт)" in row
    assert f'name="below_floor_{below.pk}"' in row
    assert 'name="below_floor"' in page  # the promo-wide override on «Принять промо»
    fine = line_of(deep, "A100001")
    assert f'name="below_floor_{fine.pk}"' not in page

    # when he accepts it from the page without the box: told by how much, nothing saved
    url = reverse("promo:lines_decide", args=[deep.pk])
    data = {"version": deep.version, f"decision_{below.pk}": "accepted", f"reason_{below.pk}": "Распродажа"}
    refused = client.post(url, data)
    assert refused.status_code == 400 and "не хватает 2,86 п.п." in refused.content.decode()
    assert line_of(deep).decision == "pending"

    # and with the box ticked, the reason is the one typed beside it
    saved = client.post(url, {**data, f"below_floor_{below.pk}": "on"})
    assert saved.status_code == 302
    assert line_of(deep).decision_reason == "Распродажа"

    # and the page shows the decision as saved (the box ticked, his reason as typed), so saving
    # it again as it is changes nothing and is no error
    page = client.get(deep.get_absolute_url()).content.decode()
    assert re.search(rf'name="below_floor_{below.pk}"[^>]*checked', page)
    assert re.search(rf'name="reason_{below.pk}" value="Распродажа"', page)
    again = client.post(url, lines_form_as_sent(page), follow=True)
    assert "Решения не изменились." in again.content.decode()
    assert deep.events.filter(kind=PromoEvent.Kind.LINE_DECIDED).count() == 1


@pytest.mark.parametrize(("language", "margin"), [("ru", "-2,86 %"), ("en", "-2.86 %")])
def test_the_margin_reads_alike_in_its_cell_and_in_the_floor_refusal(client_for, deep, language, margin):
    # given the manager reading the promo page in his language, A100002 below the floor
    client = client_for("manager3")
    client.cookies[conf.LANGUAGE_COOKIE_NAME] = language
    below = line_of(deep)

    # when he opens the page
    page = client.get(deep.get_absolute_url()).content.decode()
    row = re.search(rf'<tr[^>]*data-article="{ARTICLE}"[^>]*>.*?</tr>', page, re.S).group(0)
    # then the margin cell writes the margin in hundredths (not «-2,9 %»)
    assert f"({margin})" in row

    # when he accepts the line without the override
    refused = client.post(reverse("promo:lines_decide", args=[deep.pk]), {
        "version": deep.version, f"decision_{below.pk}": "accepted", f"reason_{below.pk}": ""})
    # then the refusal writes the same figure as the cell
    assert refused.status_code == 400
    assert f" {margin} " in refused.content.decode().replace("\xa0", " ")


def test_no_override_is_offered_when_nothing_is_below(client_for, make_promo):
    promo = make_promo(lines=2)
    page = client_for("manager3").get(promo.get_absolute_url()).content.decode()
    assert 'name="below_floor' not in page


def test_the_api_refuses_with_its_code_and_takes_the_reason(client_for, deep, demo_user, api_client):
    api_client.force_authenticate(demo_user("manager3"))
    url = f"/api/v1/promos/{deep.pk}/approve/"
    refused = api_client.post(url, {"version": deep.version}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "below_floor"
    assert "7,72 ₽ за шт." in refused.json()["detail"]
    accepted = api_client.post(url, {"version": deep.version, "below_floor_reason": "Акция конкурента"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "approved"
