"""The bulk «Принять» confirmation names the ticked promos that collide with another promo of
the same product, branches and days (promo.services.conflicts, the queue's «Конфликты» rule), as
it names those below the price floor. Before, the queue showed the conflict one step earlier and
the confirmation did not, so a «все по фильтру» approval confirmed colliding promos unseen."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import translation

from tests.promo.views.conftest import START

BULK = reverse("promo:promo_bulk")


def test_the_bulk_approval_names_the_promos_in_conflict(client_for, make_promo):
    # given two submitted promos of S001 with the same products and overlapping days, and a third
    # on other days
    first = make_promo()
    second = make_promo(start=START + timedelta(days=10))
    apart = make_promo(start=START + timedelta(days=60))
    ticked = [first, second, apart]
    data = {"promos": [p.pk for p in ticked], **{f"version_{p.pk}": p.version for p in ticked},
            "action": "approve", "step": "confirm", "next": reverse("promo:approval_queue")}

    # when the manager asks to accept all three
    page = client_for("manager").post(BULK, data).content.decode()

    # then the confirmation names the two that collide, linked, and not the third
    assert 'data-conflict-count="2"' in page
    assert f'data-in-conflict="{first.pk}"' in page and f'data-in-conflict="{second.pk}"' in page
    assert f'data-in-conflict="{apart.pk}"' not in page
    assert "Пересекаются с другими промо того же товара в тех же филиалах и днях: 2 промо." in page
    # and in English
    client = client_for("manager")
    client.cookies["django_language"] = "en"
    with translation.override("ru"):  # the English request leaves its language active in this thread
        assert "Colliding with other promos of the same product" in client.post(BULK, data).content.decode()


def test_other_bulk_actions_do_not_check_conflicts(client_for, make_promo):
    # given the same two colliding promos, when a marketer asks to withdraw them
    promos = [make_promo(), make_promo(start=START + timedelta(days=10))]
    data = {"promos": [p.pk for p in promos], **{f"version_{p.pk}": p.version for p in promos},
            "action": "withdraw", "step": "confirm", "next": reverse("promo:promo_list")}
    page = client_for("marketer").post(BULK, data).content.decode()

    # then nothing about conflicts is said
    assert "data-conflict-count" not in page


def test_the_bulk_approval_with_its_conflict_check_is_flat(client_for, make_promo, bulk_promos,
                                                          django_assert_max_num_queries):
    # given two colliding promos of S100 in the manager's queue, then 300 more submitted ones of
    # other suppliers' products (none colliding with them)
    # and one of S100 on other days
    make_promo(supplier="S100"), make_promo(supplier="S100", start=START + timedelta(days=10))
    make_promo(supplier="S100", start=START + timedelta(days=100))
    client = client_for("manager")
    data = {"action": "approve", "step": "confirm", "select_all": "1", "source": "queue", "query": ""}
    client.get(reverse("home"))

    # when he asks to accept them all, then the confirmation costs as many queries for 303 as for 3
    with django_assert_max_num_queries(14) as few:
        small = client.post(BULK, data)
    bulk_promos(300)
    with django_assert_max_num_queries(14) as many:
        large = client.post(BULK, data)
    assert small.context["in_conflict_count"] == large.context["in_conflict_count"] == 2
    assert len(many) == len(few)
