"""config/bulk.py: rows and their simple-history records inserted in bulk, the same on the
PostgreSQL COPY path and on the bulk_create_with_history path other databases take."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from config import bulk
from promo.models import Promo, PromoEvent, PromoLine
from suppliers.models import Product, Supplier

pytestmark = pytest.mark.django_db
START = date(2027, 3, 1)
REASON = "Загрузка файла"


@pytest.fixture(params=["copy", "fallback"])
def path(request, monkeypatch):
    """Each test runs on both paths: COPY (this PostgreSQL) and the fallback of a database
    without COPY (the SQLite of ``make run``), forced here by the helper's own check."""
    if request.param == "fallback":
        monkeypatch.setattr(bulk, "_copy_supported", lambda model: False)
    else:
        assert bulk._copy_supported(Promo)
    return request.param


@pytest.fixture
def supplier():
    return Supplier.objects.order_by("code").first()


def promo_rows(supplier, count: int, actor=None) -> list[dict]:
    return [
        {"name": f"Пакет {index}", "supplier_id": supplier.pk, "mechanic": Promo.Mechanic.PERCENT,
         "start": START, "end": START + timedelta(days=index % 10), "targeting": {"regions": [index]},
         "created_by_id": actor.pk if actor else None}
        for index in range(count)
    ]


def test_rows_come_back_in_order_with_their_defaults_and_history(path, supplier, demo_user):
    # given three promo rows that leave status, revision and version to their defaults
    actor, now = demo_user("marketer"), timezone.now()

    # when they are inserted in bulk
    ids = bulk.bulk_insert(Promo, promo_rows(supplier, 3, actor), actor=actor, reason=REASON, now=now)

    # then the keys follow the rows, the values and defaults are stored, JSON as JSON
    promos = Promo.objects.in_bulk(ids)
    assert [promos[pk].name for pk in ids] == ["Пакет 0", "Пакет 1", "Пакет 2"]
    assert [promos[pk].targeting for pk in ids] == [{"regions": [0]}, {"regions": [1]}, {"regions": [2]}]
    assert {(p.status, p.revision, p.version, p.created_by) for p in promos.values()} == {
        (Promo.Status.DRAFT, 1, 1, actor)}
    # and each row has one creation record with the reason, the actor and the time given
    history = Promo.history.filter(id__in=ids)
    assert sorted(history.values_list("id", flat=True)) == sorted(ids)
    assert {(h.history_type, h.history_change_reason, h.history_user, h.history_date) for h in history} == {
        ("+", REASON, actor, now)}
    assert {h.name for h in history} == {"Пакет 0", "Пакет 1", "Пакет 2"}


def test_rows_scoped_by_a_column_are_numbered_by_the_database_and_get_their_history(path, supplier, demo_user):
    # given two new promos and a line for each of three products in both
    actor, now = demo_user("marketer"), timezone.now()
    promo_ids = bulk.bulk_insert(Promo, promo_rows(supplier, 2), actor=actor, reason=REASON, now=now)
    products = list(Product.objects.filter(supplier=supplier).order_by("article")[:3])
    rows = [{"promo_id": promo_id, "product_id": product.pk, "regular_price": product.regular_price,
             "discount_percent": 15, "source_row": index}
            for promo_id in promo_ids for index, product in enumerate(products, start=2)]

    # when they are inserted scoped by their promos
    bulk.bulk_insert(PromoLine, rows, actor=actor, reason=REASON, now=now, scope=("promo_id", promo_ids))

    # then every line is there with its values and defaults, and has its creation record
    lines = PromoLine.objects.filter(promo_id__in=promo_ids)
    assert lines.count() == 6
    assert {(line.discount_percent, line.decision, line.comment) for line in lines} == {(15, "pending", "")}
    history = PromoLine.history.filter(promo_id__in=promo_ids)
    assert sorted(history.values_list("id", flat=True)) == sorted(lines.values_list("pk", flat=True))
    assert {(h.history_type, h.history_change_reason, h.history_user) for h in history} == {("+", REASON, actor)}


def test_a_model_without_history_is_inserted_alone(path, demo_user):
    # given events (no simple-history) with a JSON payload
    actor, now = demo_user("marketer"), timezone.now()
    rows = [{"kind": PromoEvent.Kind.UPLOAD_IMPORTED, "actor_id": actor.pk, "payload": {"rows": index}}
            for index in range(3)]

    # when they are inserted
    ids = bulk.bulk_insert(PromoEvent, rows, actor=actor, reason=REASON, now=now)

    # then they are stored in order, their payloads as JSON
    events = PromoEvent.objects.in_bulk(ids)
    assert [events[pk].payload for pk in ids] == [{"rows": 0}, {"rows": 1}, {"rows": 2}]


def test_nothing_to_insert_runs_no_statement(path, django_assert_num_queries, demo_user):
    actor = demo_user("marketer")
    with django_assert_num_queries(0):
        assert bulk.bulk_insert(Promo, [], actor=actor, reason=REASON, now=timezone.now()) == []


@pytest.mark.parametrize("count", [10, 2500])
def test_the_copy_path_runs_the_same_statements_whatever_the_number_of_rows(
        count, supplier, demo_user, django_assert_num_queries):
    # given any number of rows, more than one fallback batch included
    actor = demo_user("marketer")
    rows = promo_rows(supplier, count)
    # when they are inserted on PostgreSQL: the keys are reserved, the rows copied (COPY, not a
    # logged statement) and the history copied server-side
    with django_assert_num_queries(2):
        ids = bulk.bulk_insert(Promo, rows, actor=actor, reason=REASON, now=timezone.now())
    # then every row and its history are there
    assert Promo.objects.filter(pk__in=ids).count() == Promo.history.filter(id__in=ids).count() == count


def test_only_postgresql_takes_the_copy_path(monkeypatch):
    # PostgreSQL (this test database) copies; any other database takes bulk_create_with_history
    assert bulk._copy_supported(Promo) and bulk._copy_supported(PromoEvent)
    monkeypatch.setattr(bulk, "connection", SimpleNamespace(vendor="sqlite"))
    assert not bulk._copy_supported(Promo) and not bulk._copy_supported(PromoEvent)
