"""Two managers deciding the same promo at the same moment, each in his own thread with his
own PostgreSQL connection: the row lock serialises them and the version check refuses the
one who decided on what he saw before the other's decision."""

import threading

from django.contrib.auth import get_user_model
from django.db import connection

from promo.models import Promo, PromoEvent, PromoLine
from promo.services import errors, transitions
from promo.services.revisions import revision_record
from suppliers.models import Category, Product
from suppliers.querysets import DECIDE
from tests.factories import PromoFactory, PromoLineFactory


def test_two_managers_at_once_exactly_one_wins(demo_data):
    # given a submitted promo of a demo supplier whose lines both «manager» (every category)
    # and «manager1» (a third of them) decide
    User = get_user_model()
    manager, manager1 = User.objects.get(username="manager"), User.objects.get(username="manager1")
    shared = Category.objects.restrict(manager1, DECIDE)
    supplier = Product.objects.filter(category__in=shared).order_by("article").first().supplier
    products = list(Product.objects.filter(supplier=supplier, category__in=shared).order_by("article")[:3])
    assert len(products) == 3
    promo = PromoFactory(supplier=supplier, status=Promo.Status.SUBMITTED)
    for product in products:
        PromoLineFactory(promo=promo, product=product)
    revision_record(promo=promo)
    seen_version = promo.version

    # when both press their button at the same moment with the version they saw
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def press(username: str, action) -> None:
        try:
            barrier.wait(timeout=30)
            action()
            outcome[username] = "won"
        except errors.StaleVersionError as exc:
            outcome[username] = exc.message
        finally:
            connection.close()

    threads = [
        threading.Thread(target=press, args=("manager", lambda: transitions.promo_approve(
            promo=Promo.objects.get(pk=promo.pk), actor=manager, version=seen_version))),
        threading.Thread(target=press, args=("manager1", lambda: transitions.promo_reject(
            promo=Promo.objects.get(pk=promo.pk), actor=manager1, reason="Не в ассортименте",
            version=seen_version))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then exactly one won; the other was told the promo changed, by whom, to reload
    assert sorted(outcome) == ["manager", "manager1"]
    winners = [name for name, result in outcome.items() if result == "won"]
    assert len(winners) == 1
    loser = next(name for name in outcome if name not in winners)
    assert outcome[loser].startswith("Промо уже изменено")
    assert outcome[loser].endswith("обновите страницу.")
    winner = User.objects.get(username=winners[0])
    assert (winner.get_full_name() or winner.username) in outcome[loser]
    # and only the winner's decision is in the database, recorded once
    decided_by = set(PromoLine.objects.filter(promo=promo).values_list("decided_by", flat=True))
    assert decided_by == {winner.pk}
    assert list(PromoEvent.objects.filter(promo=promo).values_list("actor", flat=True)) == [winner.pk]
    assert Promo.objects.get(pk=promo.pk).version == seen_version + 1
