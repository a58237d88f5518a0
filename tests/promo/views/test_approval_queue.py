"""The category manager's approval screen: his queue with counts, the age of the oldest
promo, filters, sorting and bulk decisions; and a flat query count with 1,000 promos."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from promo.models import Promo, PromoEvent, PromoLine
from suppliers.models import Product, Supplier

QUEUE = reverse("promo:approval_queue")
BULK = reverse("promo:approval_bulk")


def test_queue_of_1000_promos_keeps_a_flat_query_count(bulk_promos, client_for, django_assert_max_num_queries):
    # given 1,000 promos waiting for the manager of every category
    bulk_promos(1000)
    client = client_for("manager")
    client.get(QUEUE)  # a running server has Django's content-type cache warm already

    # when he opens his queue (first and a later page): session, user, roles, grants, three
    # counts, the page, the overlap check and the filter choices, whatever the queue's length
    with django_assert_max_num_queries(15):
        response = client.get(QUEUE)
    with django_assert_max_num_queries(15):
        later = client.get(QUEUE, {"page": 7, "sort": "supplier"})

    # then he sees the total and a page of 50, each with its numbers
    assert response.status_code == later.status_code == 200
    assert response.context["totals"]["total"] == 1000
    assert len(response.context["promos"]) == 50
    assert response.content.decode().count('name="promos"') == 50


def test_queue_shows_only_his_categories_with_counts_and_oldest(client_for, make_promo, demo_user):
    # given two promos of S001 (C13/C15, manager3's) submitted on different days, and a draft
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 2, 10, 0)), tick=False):
        old = make_promo()
        PromoEvent.objects.create(kind=PromoEvent.Kind.PROMO_SUBMITTED, promo=old, actor=demo_user("s001"))
    recent = make_promo()
    draft = make_promo(status=Promo.Status.DRAFT)

    # when manager3 and manager1 (C01-C06) open their queues
    mine = client_for("manager3").get(QUEUE, {"sort": "age"})
    other = client_for("manager1").get(QUEUE)

    # then manager3 sees both submitted promos, the oldest first, and when it was sent
    page = mine.content.decode()
    codes = [promo.code for promo in mine.context["promos"]]
    assert codes[:2] == [old.code, recent.code]
    assert draft.code not in page
    assert mine.context["totals"]["total"] == 2
    assert mine.context["totals"]["oldest"].date() == date(2026, 11, 2)
    assert "02.11.2026" in page
    # and manager1, who decides none of their categories, has an empty queue
    assert other.context["totals"]["total"] == 0
    assert old.code not in other.content.decode()


def test_queue_filters_and_sorting(client_for, make_promo):
    # given promos of two suppliers starting on different days
    early = make_promo(supplier="S001", start=date(2027, 4, 1))
    late = make_promo(supplier="S001", start=date(2027, 6, 1))
    foreign = make_promo(supplier="S002", start=date(2027, 5, 1))
    client = client_for("manager")

    # when the manager filters by supplier, by period and sorts by start
    by_supplier = client.get(QUEUE, {"supplier": Supplier.objects.get(code="S002").pk})
    by_period = client.get(QUEUE, {"period_from": "2027-06-05", "period_to": "2027-07-01"})
    by_start = client.get(QUEUE, {"sort": "start"})

    # then each shows what was asked for
    assert [p.code for p in by_supplier.context["promos"]] == [foreign.code]
    assert [p.code for p in by_period.context["promos"]] == [late.code]
    assert [p.code for p in by_start.context["promos"]] == [early.code, foreign.code, late.code]


def test_only_conflicts_filter(client_for, make_promo):
    # given two live promos of the same product over the same days, and an unrelated one
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    first = make_promo(products=[product])
    second = make_promo(products=[product], start=date(2027, 4, 10))
    alone = make_promo(products=list(Product.objects.filter(supplier__code="S001").order_by("article")[5:7]))

    # when the manager asks for promos with conflicts only
    response = client_for("manager").get(QUEUE, {"conflicts": "1"})

    # then the colliding pair is listed and marked, the other one is not
    codes = {promo.code for promo in response.context["promos"]}
    assert codes == {first.code, second.code}
    assert alone.code not in response.content.decode()
    assert all(promo.has_conflict for promo in response.context["promos"])


def test_bulk_accept_selected(client_for, make_promo):
    # given three promos in the queue, two ticked
    one, two, untouched = make_promo(), make_promo(), make_promo()
    data = {"decision": "accept", "promos": [one.pk, two.pk],
            f"version_{one.pk}": one.version, f"version_{two.pk}": two.version}

    # when the manager accepts the ticked ones
    response = client_for("manager3").post(reverse("promo:approval_bulk"), data, follow=True)

    # then those are approved with every line accepted, the third still waits
    for promo in (one, two, untouched):
        promo.refresh_from_db()
    assert one.status == two.status == Promo.Status.APPROVED
    assert set(one.lines.values_list("decision", flat=True)) == {PromoLine.Decision.ACCEPTED}
    assert untouched.status == Promo.Status.SUBMITTED
    assert f"{one.code}, {two.code}" in response.content.decode()


def test_bulk_reject_needs_a_reason(client_for, make_promo):
    # given a ticked promo
    promo = make_promo()
    data = {"decision": "reject", "promos": [promo.pk], f"version_{promo.pk}": promo.version}
    client = client_for("manager3")

    # when the manager rejects without a reason, then with one
    refused = client.post(reverse("promo:approval_bulk"), data, follow=True)
    promo.refresh_from_db()
    status_after_refusal = promo.status
    client.post(reverse("promo:approval_bulk"), {**data, "reason": "Не наш ассортимент"})
    promo.refresh_from_db()

    # then the first is refused with a message and nothing decided, the second rejects it
    assert "Укажите причину" in refused.content.decode()
    assert status_after_refusal == Promo.Status.SUBMITTED
    assert promo.status == Promo.Status.REJECTED
    assert set(promo.lines.values_list("decision_reason", flat=True)) == {"Не наш ассортимент"}


def test_bulk_decision_with_a_stale_version_is_refused(client_for, make_promo):
    # given a promo the manager saw at version 1, changed since by someone else
    promo = make_promo()
    seen = promo.version
    Promo.objects.filter(pk=promo.pk).update(version=seen + 1)

    # when he accepts it from the queue
    response = client_for("manager3").post(
        reverse("promo:approval_bulk"),
        {"decision": "accept", "promos": [promo.pk], f"version_{promo.pk}": seen}, follow=True)

    # then he is told to refresh, and nothing was decided
    promo.refresh_from_db()
    assert "обновите страницу" in response.content.decode()
    assert promo.status == Promo.Status.SUBMITTED
    assert set(promo.lines.values_list("decision", flat=True)) == {PromoLine.Decision.PENDING}


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


@pytest.mark.parametrize("username", ["manager3", "manager"])
def test_queue_links_to_the_promo_page(client_for, make_promo, username):
    # given a promo in the queue
    promo = make_promo()

    # when the manager opens his queue
    page = client_for(username).get(QUEUE).content.decode()

    # then the row links to the promo page
    assert f'href="{promo.get_absolute_url()}"' in page


def test_bulk_decides_the_rest_when_one_was_decided_meanwhile(client_for, make_promo):
    # given two ticked promos, one approved by another manager since the queue was shown
    waiting = make_promo()
    decided = make_promo()
    seen = {f"version_{p.pk}": p.version for p in (waiting, decided)}
    client_for("manager").post(reverse("promo:promo_approve", args=[decided.pk]), {"version": decided.version})

    # when manager3 accepts both from his stale queue page
    response = client_for("manager3").post(reverse("promo:approval_bulk"),
                                           {"decision": "accept", "promos": [waiting.pk, decided.pk], **seen},
                                           follow=True)

    # then the waiting one is approved and the other is named with the reason it was skipped
    waiting.refresh_from_db()
    page = response.content.decode()
    assert waiting.status == Promo.Status.APPROVED
    assert f"{decided.code}: Промо уже изменено" in page
