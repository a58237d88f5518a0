"""Regressions found by the quality pass on the workflow pages: each test is a bug a user met."""

import re
from datetime import date

import pytest
from django.urls import reverse

from promo.models import Promo, PromoLine

CALENDAR = reverse("promo:calendar")
BULK = reverse("promo:approval_bulk")
MASS = reverse("promo:mass_correction")


def test_calendar_later_and_earlier_links_move_the_window(client_for, make_promo):
    # given the calendar of 4 weeks from 05.04.2027 with a region filter
    client = client_for("marketer")
    page = client.get(CALENDAR, {"start": "2027-04-05", "weeks": 4, "region": 1}).content.decode()

    # when the marketer follows «позже» and then «раньше»
    later_href, = re.findall(r'<a href="([^"]*)">[^<]*позже', page)
    later = client.get(CALENDAR + later_href.replace("&amp;", "&"))
    earlier_href, = re.findall(r'<a href="([^"]*)">[^<]*раньше', later.content.decode())
    earlier = client.get(CALENDAR + earlier_href.replace("&amp;", "&"))

    # then the window moves four weeks each way and keeps the filter
    assert later_href.startswith("?") and "??" not in later_href
    assert later.context["first"] == date(2027, 5, 3)
    assert earlier.context["first"] == date(2027, 4, 5)
    assert later.context["form"].cleaned_data["region"].pk == 1


@pytest.mark.parametrize("start", ["0001-01-01", "0001-01-03", "9999-12-31"])
def test_calendar_far_out_of_range_is_a_message_not_a_crash(db, client_for, start):
    # given: a start week typed (or linked) far outside any promo
    client = client_for("marketer")

    # when
    response = client.get(CALENDAR, {"start": start})

    # then: the calendar of this week, with the reason the date was not taken
    assert response.status_code == 200
    assert "Выберите неделю между 01.01.2000 и 31.12.2099." in response.content.decode()
    assert response.context["first"] <= date.today() <= response.context["last"]


def test_bulk_decision_with_a_stray_character_for_an_id_or_version_decides_nothing(client_for, make_promo):
    # given: a promo waiting in the manager's queue
    promo = make_promo()
    client = client_for("manager")

    # when: the form comes back with «²» (a digit to str.isdigit, not to int) as id or version
    bad_id = client.post(BULK, {"promos": ["²"], "version_²": "²", "decision": "accept"}, follow=True)
    bad_version = client.post(BULK, {"promos": [promo.pk], f"version_{promo.pk}": "²", "decision": "accept"},
                              follow=True)

    # then: back to the queue with a Russian message each time, and the promo still waiting
    assert "Промо ² недоступно." in bad_id.content.decode()
    assert "Страница устарела, обновите её." in bad_version.content.decode()
    promo.refresh_from_db()
    assert promo.status == Promo.Status.SUBMITTED
    assert not promo.lines.exclude(decision=PromoLine.Decision.PENDING).exists()


def test_mass_correction_with_a_stray_line_id_is_a_form_error(client_for, make_promo):
    # given: a promo's line and a tick list holding a stray «²»
    promo = make_promo()
    line = promo.lines.first()

    # when: the marketer asks for a preview
    response = client_for("marketer").post(f"{MASS}?promo={promo.code}",
                                           {"line_ids": ["²", line.pk], "shift_days": "1", "action": "preview"})

    # then: 400 and the reason; nothing changed
    assert response.status_code == 400
    assert "Строка ² недоступна." in response.content.decode()
    promo.refresh_from_db()
    assert promo.start == date(2027, 4, 1)


@pytest.mark.parametrize("query", [{"q": "P²"}, {"q": "²"}, {"q": "P" + "9" * 30}])
def test_promo_search_for_an_odd_code_finds_nothing(client_for, make_promo, query):
    make_promo()
    response = client_for("marketer").get(reverse("promo:promo_list"), query)
    assert response.status_code == 200
    assert response.context["paginator"].count == 0


def test_mass_correction_filter_by_an_odd_code_selects_nothing(client_for, make_promo):
    make_promo()
    response = client_for("marketer").get(MASS, {"promo": "P²"})
    assert response.status_code == 200
    assert response.context["lines"] == []


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


def test_a_rejected_promo_tells_its_supplier_how_to_go_on(client_for, make_promo):
    # given a promo every line of which was rejected
    promo = make_promo(status=Promo.Status.REJECTED)
    promo.lines.update(decision=PromoLine.Decision.REJECTED, decision_reason="Дорого")
    upload_url = reverse("promo:upload_create")

    # when its supplier and a category manager open it
    supplier = client_for("s001").get(promo.get_absolute_url()).content.decode()
    manager = client_for("manager").get(promo.get_absolute_url()).content.decode()

    # then the supplier is pointed to a corrected upload; the manager has nothing to do there
    assert "Исправьте файл и" in supplier and f'href="{upload_url}"' in supplier
    assert "Исправьте файл и" not in manager


def test_a_double_posted_comment_is_saved_once(client_for, make_promo, api_client, demo_user):
    # given a supplier's promo
    promo = make_promo()
    url = reverse("promo:comment_add", args=[promo.pk])
    client = client_for("s001")

    # when the same comment arrives twice from the page, and twice more from the API
    first = client.post(url, {"text": "Просим продлить"})
    second = client.post(url, {"text": "Просим продлить"})
    api_client.force_authenticate(demo_user("s001"))
    api = [api_client.post(f"/api/v1/promos/{promo.pk}/comments/", {"text": "Вопрос по цене"}, format="json")
           for _ in range(2)]

    # then each comment is saved once, with one event; the answers are the same
    assert first.status_code == second.status_code == 302
    assert api[0].json()["id"] == api[1].json()["id"]
    assert list(promo.comments.order_by("pk").values_list("text", flat=True)) == ["Просим продлить",
                                                                               "Вопрос по цене"]
    assert promo.events.filter(kind="comment_added").count() == 2
