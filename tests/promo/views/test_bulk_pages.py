"""Bulk actions on the pages: the promo list and the queue offer only what some row allows the
user, a confirmation names the count (the ticked promos, or all matching the filter), the run
goes promo by promo through the services and the result lists what was done and what was
refused, and why; an upload's result page offers «Отправить все на согласование»."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from promo.models import Promo, PromoEvent
from promo.services.transitions import promo_submit
from suppliers.models import Product, Supplier
from tests.promo.imports import sheets
from tests.promo.imports.test_upload_pages import post_sheet, products

LIST = reverse("promo:promo_list")
QUEUE = reverse("promo:approval_queue")
BULK = reverse("promo:promo_bulk")
BUTTON = re.compile(r'name="action" value="(\w+)"')


def buttons(page: str) -> set[str]:
    return set(BUTTON.findall(page))


def ticked(promos, **extra) -> dict:
    return {"promos": [p.pk for p in promos], **{f"version_{p.pk}": p.version for p in promos}, **extra}


@pytest.mark.parametrize(("username", "expected"), [
    ("s001", {"submit", "withdraw"}),     # its drafts and submitted promos
    ("manager3", {"approve", "reject"}),  # the submitted promos of his categories
    ("marketer", {"submit", "withdraw", "cancel"}),
])
def test_the_list_offers_only_what_some_row_allows(client_for, make_promo, username, expected):
    # given S001's draft, submitted and approved promos (the approved one with nothing to do
    # for the supplier: it is in force, only a cancellation request is possible)
    make_promo(status=Promo.Status.DRAFT), make_promo(status=Promo.Status.SUBMITTED)
    approved = make_promo(status=Promo.Status.APPROVED, start=date(2027, 5, 1))
    approved.approved_revision = approved.revisions.get()
    approved.save()

    # when the person opens the promo list
    page = client_for(username).get(LIST).content.decode()

    # then the bar offers the actions some row allows, and a row that allows none has no box
    assert buttons(page) == expected
    box = f'name="promos" value="{approved.pk}"'
    assert (box in page) == (username == "marketer")


def test_nothing_to_do_means_no_bar(client_for, make_promo):
    # given only promos the manager does not decide (S002's are C01-C06: manager1's)
    make_promo(supplier="S001")
    page = client_for("manager1").get(LIST).content.decode()
    assert buttons(page) == set() and 'name="promos"' not in page


def test_the_confirmation_names_the_count_and_changes_nothing(client_for, make_promo):
    # given three drafts of S001, two ticked
    drafts = [make_promo(status=Promo.Status.DRAFT) for _ in range(3)]
    client = client_for("s001")

    # when the supplier presses «Отправить на согласование»
    response = client.post(BULK, ticked(drafts[:2], action="submit", step="confirm", next=LIST))

    # then the confirmation names the action and the count, lists the two, and nothing changed
    page = response.content.decode()
    assert response.status_code == 200
    assert "Отправить на согласование: 2 промо?" in page
    assert drafts[0].code in page and drafts[1].code in page and drafts[2].code not in page
    assert set(Promo.objects.filter(pk__in=[d.pk for d in drafts]).values_list("status", flat=True)) == {
        Promo.Status.DRAFT}
    # and it carries the ticked promos with their versions to the run
    assert page.count('name="promos"') == 2 and 'name="step" value="run"' in page


def test_select_all_matching_the_filter_goes_beyond_the_page(client_for, make_promo):
    # given 60 drafts of S001 and one submitted promo (the list shows 50 a page)
    drafts = [make_promo(status=Promo.Status.DRAFT, lines=1) for _ in range(60)]
    submitted = make_promo()
    client = client_for("marketer")

    # when the marketer filters the drafts, ticks «все по фильтру» and confirms
    listed = client.get(LIST, {"status": "draft"}).content.decode()
    assert "все по фильтру: 60 промо" in listed
    confirm = client.post(BULK, {"action": "submit", "step": "confirm", "select_all": "1", "source": "list",
                                 "query": "status=draft"})
    assert "Отправить на согласование: 60 промо?" in confirm.content.decode()
    run = client.post(BULK, {"action": "submit", "step": "run", **dict(_hidden(confirm.content.decode()))})

    # then all 60 are submitted, the other promo untouched, and the result says so
    assert run.status_code == 200
    assert len(run.context["done"]) == 60 and not run.context["refused"]
    assert not Promo.objects.filter(pk__in=[d.pk for d in drafts]).exclude(status=Promo.Status.SUBMITTED).exists()
    assert Promo.objects.get(pk=submitted.pk).version == submitted.version


def _hidden(page: str):
    """The confirmation's hidden promos and versions, as the browser would send them."""
    pairs: dict = {}
    for name, value in re.findall(r'<input type="hidden" name="((?:promos|version_\d+))" value="([^"]*)">', page):
        pairs.setdefault(name, []).append(value)
    return pairs.items()


def test_the_result_lists_what_was_done_and_what_was_refused(client_for, make_promo, demo_user):
    # given a draft, a draft submitted by a colleague since the page was shown, and a submitted one
    fresh, stale = make_promo(status=Promo.Status.DRAFT), make_promo(status=Promo.Status.DRAFT)
    seen = ticked([fresh, stale])
    promo_submit(promo=stale, actor=demo_user("marketer"))

    # when the supplier confirms «Отправить на согласование» for both
    response = client_for("s001").post(BULK, {**seen, "action": "submit", "step": "run", "next": LIST})

    # then the result names the one done and the refused one with the reason
    page = response.content.decode()
    assert response.context["result"].done == [fresh.pk]
    (refusal, promo) = response.context["refused"][0]
    assert (refusal.id, refusal.code, promo.code) == (stale.pk, "stale_version", stale.code)
    assert "Сделано" in page and "Отказано" in page and "обновите страницу" in page
    assert f'href="{LIST}"' in page


@pytest.mark.parametrize(("language", "back"), [("ru", "Вернуться к списку"), ("en", "Back to the list")])
def test_the_bulk_cancel_confirmation_goes_back_by_a_link_that_does_not_read_like_the_action(
        client_for, make_promo, settings, language, back):
    # given two approved promos the marketer ticked on the list, reading in his language
    promos = [make_promo(status=Promo.Status.APPROVED), make_promo(status=Promo.Status.APPROVED)]
    client = client_for("marketer")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    # when he presses «Отменить»
    page = client.post(BULK, ticked(promos, action="cancel", step="confirm", next=LIST)).content.decode()

    # then beside «Подтвердить» the way back to the list is named so, not «Отмена» (which
    # reads like cancelling the promos)
    assert "2 промо?" in page or "2 promos?" in page
    form = re.search(r'name="step" value="run".*?</form>', page, re.S).group(0)
    assert 'name="confirm"' in form
    links = re.findall(r'<a href="[^"]*">([^<]+)</a>', form)
    assert links == [back]
    assert "Отмена<" not in form and "Cancel<" not in form


def test_a_reason_is_asked_for_a_bulk_reject_on_the_confirmation(client_for, make_promo):
    promos = [make_promo(), make_promo()]
    client = client_for("manager3")
    confirm = client.post(BULK, ticked(promos, action="reject", step="confirm", source="queue"))
    assert "Причина (обязательно)" in confirm.content.decode()
    refused = client.post(BULK, ticked(promos, action="reject", step="run"))
    assert refused.status_code == 400 and "Укажите причину отклонения." in refused.content.decode()
    assert 'name="step" value="run"' in refused.content.decode()  # the confirmation again, to fill in
    done = client.post(BULK, ticked(promos, action="reject", step="run", reason="Нет бюджета"))
    assert done.context["result"].done == [p.pk for p in promos]


def test_the_queue_bulk_approves_all_matching_its_filter(client_for, make_promo):
    # given two promos in manager3's queue of S001 and one of S002 (not his)
    mine = [make_promo(), make_promo()]
    other = make_promo(supplier="S002")
    client = client_for("manager3")

    # when he selects all of his queue and approves
    page = client.get(QUEUE).content.decode()
    assert buttons(page) == {"approve", "reject"}
    response = client.post(BULK, {"action": "approve", "step": "run", "select_all": "1", "source": "queue",
                                  "query": ""})

    # then his two are approved (their lines of his categories), the other is not touched
    assert response.context["result"].done == [p.pk for p in mine]
    assert Promo.objects.get(pk=other.pk).status == Promo.Status.SUBMITTED


def test_an_upload_offers_to_submit_everything_it_created(db, client_for):
    # given a marketer's bulk upload of two S001 promos
    client = client_for("marketer")
    rows = [sheets.line(product, **{"Название акции": name}) for product, name in
            zip(products("S001", 2), ("Первая", "Вторая"), strict=True)]
    posted = post_sheet(client, rows, supplier=Supplier.objects.get(code="S001").pk)
    assert posted.status_code == 302
    page = client.get(posted["Location"]).content.decode()

    # then its page offers «Отправить все на согласование» for both
    assert "Отправить все на согласование (2)" in page
    created = list(Promo.objects.filter(supplier__code="S001", status=Promo.Status.DRAFT).order_by("pk"))
    assert len(created) == 2
    # and pressing it (then confirming) submits both, one mail per person
    confirm = client.post(BULK, ticked(created, action="submit", step="confirm"))
    assert "Отправить на согласование: 2 промо?" in confirm.content.decode()
    client.post(BULK, ticked(created, action="submit", step="run"))
    assert set(Promo.objects.filter(pk__in=[p.pk for p in created]).values_list("status", flat=True)) == {
        Promo.Status.SUBMITTED}
    digest = PromoEvent.objects.filter(kind=PromoEvent.Kind.PROMO_SUBMITTED, promo__isnull=True).get()
    assert digest.payload["promos"] == [p.pk for p in created]


def test_a_bulk_accept_names_the_promos_below_the_floor_up_front(client_for, make_promo, settings):
    # given no sale at a loss, and two promos in manager3's queue: one selling A100002 at 45 %
    # off without compensation (below its purchase price), one at 15 %
    settings.PROMO_MARGIN_FLOOR_PERCENT = "0"
    loss = make_promo(products=[Product.objects.get(article="A100002")], discount=Decimal("45.00"))
    loss.lines.update(compensation_percent=Decimal("0"))
    fine = make_promo(lines=1)
    client = client_for("manager3")

    # when he ticks both and presses «Принять»
    confirm = client.post(BULK, ticked([loss, fine], action="approve", step="confirm", source="queue"))

    # then the confirmation says before the run that one cannot be accepted in bulk, and links it
    page = confirm.content.decode()
    assert "Принять: 2 промо?" in page
    assert "Сейчас это можно сделать с 1 из них" in page
    assert ("Не принять списком — строки ниже порога маржи: 1 промо. Откройте промо, чтобы согласовать ниже "
            "порога с причиной:") in page
    warning = re.search(r'<div class="warn below-floor".*?</div>', page, re.S).group(0)
    assert f'href="{loss.get_absolute_url()}"' in warning and fine.code not in warning
    assert "отметьте" not in page

    # when he confirms
    run = client.post(BULK, ticked([loss, fine], action="approve", step="run"))

    # then the fine one is accepted, and the refusal links the promo and sends him to it
    page = run.content.decode()
    assert run.context["result"].done == [fine.pk]
    row = re.search(rf'<tr data-refused="{loss.pk}">.*?</tr>', page, re.S).group(0)
    assert f'href="{loss.get_absolute_url()}"' in row
    assert "Списком такое промо не принять: откройте промо, чтобы согласовать эти строки ниже порога с причиной." in row
    assert "отметьте «согласовать ниже порога»" not in page
    assert Promo.objects.get(pk=loss.pk).status == Promo.Status.SUBMITTED


def test_a_bulk_action_nothing_can_take_offers_no_confirmation(client_for, make_promo, settings):
    # given no sale at a loss, and two promos in manager3's queue that both sell A100002 at
    # 45 % off without compensation (below its purchase price): neither can be accepted in bulk
    settings.PROMO_MARGIN_FLOOR_PERCENT = "0"
    losses = [make_promo(products=[Product.objects.get(article="A100002")], discount=Decimal("45.00"))
              for _ in range(2)]
    for promo in losses:
        promo.lines.update(compensation_percent=Decimal("0"))
    client = client_for("manager3")

    # when he ticks both and presses «Принять»
    page = client.post(BULK, ticked(losses, action="approve", step="confirm", source="queue")).content.decode()

    # then the confirmation says nothing can be done now and offers no «Подтвердить» that
    # could only lead to «Сделано 0»: the way back, and the promos to open, instead
    assert "Сейчас это нельзя сделать ни с одним из них: подтверждать нечего." in page
    assert 'name="confirm"' not in page and "Подтвердить" not in page
    assert "Вернуться к списку" in page
    assert all(f'data-below-floor="{promo.pk}"' in page for promo in losses)
    # and when one of them can be accepted, the confirmation is there again
    losses[1].lines.update(compensation_percent=Decimal("100"))
    page = client.post(BULK, ticked(losses, action="approve", step="confirm", source="queue")).content.decode()
    assert 'name="confirm"' in page and "Сейчас это можно сделать с 1 из них" in page


def test_a_forged_action_is_refused_in_russian(client_for, make_promo):
    # given a promo of manager3's queue
    promo = make_promo()

    # when a forged form asks for an action that does not exist, or a step that does not
    response = client_for("manager3").post(BULK, ticked([promo], action="nuke", step="confirm"))
    step = client_for("manager3").post(BULK, ticked([promo], action="approve", step="jump"))

    # then each is refused by a Russian label, never Django's English auto-label
    assert response.status_code == step.status_code == 400
    assert "Действие: Неизвестное действие." in response.content.decode()
    assert "Шаг: " in step.content.decode()
    assert "Action:" not in response.content.decode() and "Step:" not in step.content.decode()


def test_the_bulk_accept_confirmation_is_flat(client_for, bulk_promos, settings, django_assert_max_num_queries):
    # given a floor every line misses (so each promo's lines are checked), and 5, then 300 more
    # submitted promos in the manager's queue, all selected by the filter
    settings.PROMO_MARGIN_FLOOR_PERCENT = "90"
    bulk_promos(5)
    client = client_for("manager")
    data = {"action": "approve", "step": "confirm", "select_all": "1", "source": "queue", "query": ""}
    client.get(reverse("home"))

    # when he asks to accept them all, then the confirmation costs as many queries for 305 as for 5
    with django_assert_max_num_queries(9) as few:
        small = client.post(BULK, data)
    bulk_promos(300)
    with django_assert_max_num_queries(9) as many:
        large = client.post(BULK, data)
    assert 0 < small.context["below_floor_count"] < large.context["below_floor_count"]
    assert len(many) == len(few)
