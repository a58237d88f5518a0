"""``POST /api/v1/promos/bulk/``: one action on many promos, each through its own service with its
version; what was done and what was refused (and why) per promo, in one answer; one mail per
person, not one per promo."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from promo.models import OutboxMessage, Promo, PromoEvent, PromoLine
from promo.services import transitions
from tests.promo.services.world import TODAY

BULK = "/api/v1/promos/bulk/"
Kind = PromoEvent.Kind
# What one more promo of a bulk submit costs at most: lock and reload it, look at its lines,
# save it with its history row and its event, in a savepoint of its own.
QUERIES_PER_PROMO = 8
# What the batch costs besides: the session and roles, the promos read at once, the digest
# event and its mail (recipients, texts, the outbox) for everyone concerned.
QUERIES_PER_BATCH = 25


def body(action: str, promos, *, versions=None, reason: str = "") -> dict:
    versions = versions or {}
    return {"action": action, "reason": reason,
            "promos": [{"id": p.pk, "version": versions.get(p.pk, p.version)} for p in promos]}


def test_bulk_submit_of_200_drafts_costs_a_constant_per_promo(world, api_as):
    # given a marketer and drafts of one supplier: 10, then 200 more
    client = api_as("marketer")
    few = [world.promo(Promo.Status.DRAFT, categories=("a",)) for _ in range(10)]
    many = [world.promo(Promo.Status.DRAFT, categories=("a", "b")) for _ in range(200)]

    # when each batch is submitted in one request
    with CaptureQueriesContext(connection) as small:
        first = client.post(BULK, body("submit", few), format="json")
    with CaptureQueriesContext(connection) as large:
        second = client.post(BULK, body("submit", many), format="json")

    # then every promo is submitted, and the 190 extra promos cost at most a constant each
    assert first.status_code == second.status_code == 200
    assert second.json() == {"done": [p.pk for p in many], "refused": []}
    assert set(Promo.objects.filter(pk__in=[p.pk for p in many]).values_list("status", flat=True)) == {
        Promo.Status.SUBMITTED}
    assert len(large) - len(small) <= QUERIES_PER_PROMO * (len(many) - len(few))
    assert len(small) <= QUERIES_PER_BATCH + QUERIES_PER_PROMO * len(few)
    # and each person concerned got one mail for the 200, not 200 mails
    digest = PromoEvent.objects.filter(kind=Kind.PROMO_SUBMITTED, promo__isnull=True).latest("pk")
    assert digest.payload["promos"] == [p.pk for p in many]
    assert OutboxMessage.objects.filter(event__kind=Kind.PROMO_SUBMITTED, recipient=world.manager_b).count() == 1
    assert OutboxMessage.objects.filter(event__kind=Kind.PROMO_SUBMITTED, recipient=world.supplier_user).count() == 2
    # (the promos' own events are in their histories, unmailed)
    assert PromoEvent.objects.filter(kind=Kind.PROMO_SUBMITTED, promo__in=many).count() == 200


def test_mixed_results_are_reported_per_promo(world, api_as):
    # given the supplier's drafts: one fine, one changed since the caller saw it; its approved
    # promo (a state that cannot be submitted); another supplier's draft; an id that is no promo
    good, stale = world.promo(Promo.Status.DRAFT), world.promo(Promo.Status.DRAFT)
    seen = stale.version
    transitions.promo_submit(promo=stale, actor=world.marketer)
    approved = world.promo(Promo.Status.APPROVED)
    foreign = world.promo(Promo.Status.DRAFT, supplier=world.other_supplier)

    # when the supplier submits them all in one request
    response = api_as("supplier").post(BULK, {"action": "submit", "reason": "Просим согласовать", "promos": [
        {"id": good.pk, "version": good.version}, {"id": stale.pk, "version": seen},
        {"id": approved.pk, "version": approved.version}, {"id": foreign.pk, "version": foreign.version},
        {"id": 987654321, "version": 1}]}, format="json")

    # then the good one is done and each other one is refused with its own code and message
    assert response.status_code == 200
    result = response.json()
    assert result["done"] == [good.pk]
    refused = {item["id"]: (item["code"], item["message"]) for item in result["refused"]}
    assert refused[stale.pk][0] == "stale_version" and "обновите страницу" in refused[stale.pk][1]
    assert refused[approved.pk] == ("illegal_move",
                                    "Нельзя перевести промо из статуса «Согласовано» в статус «На согласовании».")
    assert refused[foreign.pk] == refused[987654321] == ("not_found", "Промо не найдено.")
    # and nothing but the good one changed
    assert Promo.objects.get(pk=good.pk).status == Promo.Status.SUBMITTED
    assert Promo.objects.get(pk=foreign.pk).status == Promo.Status.DRAFT
    assert Promo.objects.get(pk=approved.pk).status == Promo.Status.APPROVED
    assert good.events.get(kind=Kind.PROMO_SUBMITTED).reason == "Просим согласовать"


def test_a_bulk_reject_needs_a_reason_and_then_decides_the_managers_lines(world, api_as):
    # given two submitted promos with lines in A and B
    promos = [world.promo(Promo.Status.SUBMITTED) for _ in range(2)]
    client = api_as("manager")

    # when A's manager rejects them without a reason
    refused = client.post(BULK, body("reject", promos), format="json")

    # then the whole request is refused (400, in Russian) and nothing is decided
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Укажите причину отклонения."
    assert not PromoLine.objects.filter(promo__in=promos).exclude(decision=PromoLine.Decision.PENDING).exists()

    # when he gives one, his lines are rejected and B's still wait (the promos stay submitted)
    done = client.post(BULK, body("reject", promos, reason="Нет бюджета"), format="json")
    assert done.json() == {"done": [p.pk for p in promos], "refused": []}
    for promo in promos:
        assert world.line(promo, "a").decision == PromoLine.Decision.REJECTED
        assert world.line(promo, "b").decision == PromoLine.Decision.PENDING
        assert Promo.objects.get(pk=promo.pk).status == Promo.Status.SUBMITTED
    # and one «line decided» digest per person lists both
    assert OutboxMessage.objects.filter(event__kind=Kind.LINE_DECIDED, recipient=world.supplier_user).count() == 1


def test_bulk_cancel_by_a_marketer_and_refusals_for_a_supplier(world, api_as):
    # given two approved promos, one of them finished already
    running = world.promo(Promo.Status.APPROVED)
    finished = world.promo(Promo.Status.APPROVED, start=TODAY - timedelta(days=30))

    # when the supplier tries to cancel them, then a marketer
    supplier = api_as("supplier").post(BULK, body("cancel", [running], reason="Нет товара"), format="json")
    marketer = api_as("marketer").post(BULK, body("cancel", [running, finished], reason="Нет товара"), format="json")

    # then the supplier is refused per promo (only a marketer cancels); the marketer cancels the
    # running one and is told the other has finished
    assert supplier.json()["refused"][0]["code"] == "not_allowed"
    assert marketer.json()["done"] == [running.pk]
    assert marketer.json()["refused"] == [{"id": finished.pk, "code": "finished", "message": "Промо уже завершилось."}]
    assert Promo.objects.get(pk=running.pk).status == Promo.Status.CANCELLED


@pytest.mark.parametrize("payload", [
    {"action": "approve_all", "promos": [{"id": 1, "version": 1}]},
    {"action": "submit", "promos": []},
    {"action": "submit", "promos": [{"id": "x", "version": 1}]},
    {"action": "submit", "promos": [{"id": 1, "version": "²"}]},
    {"action": "submit", "promos": [{"id": 1, "version": 1}, {"id": 1, "version": 1}]},
    {"action": "submit", "promos": "1,2"},
    [1, 2],
])
def test_malformed_bodies_are_a_400_in_russian(world, api_as, payload):
    response = api_as("marketer").post(BULK, payload, format="json")
    assert response.status_code == 400
    assert any("а" <= char <= "я" for char in str(response.json()).lower())


def test_the_bulk_endpoint_is_documented(api_as):
    schema = api_as("marketer").get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/promos/bulk/"]["post"]
    assert set(operation["responses"]) >= {"200", "400", "401"}
    body_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][body_ref]["properties"]) == {"action", "promos", "reason"}
    result_ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][result_ref]["properties"]) == {"done", "refused"}


def test_a_bulk_approve_refuses_a_promo_below_the_floor_in_words_for_a_bulk(world, api_as, settings):
    # given no sale at a loss, and two submitted promos: one whose A line is sold at 45 % off
    # (55 ₽ against a purchase price of 60 ₽) without compensation, one at 15 % off
    settings.PROMO_MARGIN_FLOOR_PERCENT = "0"
    loss, fine = world.promo(Promo.Status.SUBMITTED), world.promo(Promo.Status.SUBMITTED)
    PromoLine.objects.filter(promo=loss, product__category=world.cat_a).update(discount_percent=45,
                                                                            compensation_percent=0)

    # when A's manager approves both in one request
    response = api_as("manager").post(BULK, body("approve", [loss, fine]), format="json")

    # then the fine one is done, the other refused with the same code as ever and words that
    # send him to the promo (a bulk request has no override), nothing of it decided
    assert response.status_code == 200
    result = response.json()
    assert result["done"] == [fine.pk]
    (refusal,) = result["refused"]
    assert (refusal["id"], refusal["code"]) == (loss.pk, "below_floor")
    assert "Списком такое промо не принять: откройте промо, чтобы согласовать эти строки ниже порога" in refusal["message"]
    assert "отметьте" not in refusal["message"]
    assert "не хватает" in refusal["message"]  # still by how much
    assert not PromoLine.objects.filter(promo=loss).exclude(decision=PromoLine.Decision.PENDING).exists()
