"""Suppliers' requests through the API: ask (``request-extension``, ``request-cancellation``),
list what is open (``GET /api/v1/requests/?status=open``), accept or decline, for both kinds;
and the decision deadline on a promo (``decision_due``, ``overdue``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from promo.models import OutboxMessage, Promo, PromoEvent, SupplierRequest
from tests.promo.services.world import TODAY

Kind = PromoEvent.Kind


def ask_extension(client, promo, new_end: date, reason: str = "Большие остатки"):
    return client.post(f"/api/v1/promos/{promo.pk}/request-extension/",
                       {"version": promo.version, "new_end": new_end.isoformat(), "reason": reason}, format="json")


def open_requests(client) -> list[dict]:
    response = client.get("/api/v1/requests/", {"status": "open"})
    assert response.status_code == 200
    return response.json()["results"]


def test_extension_request_lifecycle(world, api_as):
    # given an approved promo
    promo = world.promo(Promo.Status.APPROVED)
    new_end = promo.end + timedelta(days=7)
    supplier, marketer = api_as("supplier"), api_as("marketer")

    # when its supplier asks for an extension
    asked = ask_extension(supplier, promo, new_end)

    # then it is recorded (202) and listed as open for the marketer, the managers of its
    # categories and the supplier, with who and when; not for strangers
    assert asked.status_code == 202
    assert asked.json()["code"] == "extension_requested"
    request_id = asked.json()["request"]["id"]
    (item,) = open_requests(marketer)
    assert {key: item[key] for key in ("id", "promo", "promo_code", "kind", "status", "new_end", "reason",
                                       "requested_by")} == {
        "id": request_id, "promo": promo.pk, "promo_code": promo.code, "kind": "extension", "status": "open",
        "new_end": new_end.isoformat(), "reason": "Большие остатки", "requested_by": world.supplier_user.username}
    assert item["requested_at"] and item["answered_at"] is None
    assert [r["id"] for r in open_requests(api_as("manager"))] == [request_id]
    assert [r["id"] for r in open_requests(supplier)] == [request_id]
    assert open_requests(api_as("other_supplier")) == open_requests(api_as("other_manager")) == []

    # and the very same request again (the client's retry) is answered like the first, with the
    # same request: 202, nothing recorded or mailed twice
    events = PromoEvent.objects.filter(promo=promo).count()
    retry = ask_extension(supplier, promo, new_end)
    assert retry.status_code == 202 and retry.json() == asked.json()
    assert PromoEvent.objects.filter(promo=promo).count() == events
    # while another request of the kind is refused with a clear message (409)
    again = ask_extension(supplier, promo, new_end + timedelta(days=1))
    assert again.status_code == 409 and again.json()["code"] == "request_open"
    assert "уже отправлен" in again.json()["detail"]

    # when a manager tries to accept it (only a marketer extends), then the marketer accepts
    refused = api_as("manager").post(f"/api/v1/requests/{request_id}/accept/", {}, format="json")
    accepted = marketer.post(f"/api/v1/requests/{request_id}/accept/", {"reason": "Продлеваем"}, format="json")

    # then the first is a 403; the second extends the promo as asked and answers the request
    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert (accepted.json()["status"], accepted.json()["answer"], accepted.json()["answered_by"]) == (
        "accepted", "Продлеваем", world.marketer.username)
    promo.refresh_from_db()
    assert (promo.end, promo.status) == (new_end, Promo.Status.SUBMITTED)
    assert open_requests(marketer) == []
    # and the supplier is mailed the answer
    assert OutboxMessage.objects.filter(event__kind=Kind.REQUEST_ACCEPTED, recipient=world.supplier_user).exists()
    # and answering again is a conflict
    again = marketer.post(f"/api/v1/requests/{request_id}/decline/", {"reason": "Нет"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "request_answered"


def test_cancellation_request_lifecycle(world, api_as):
    # given an approved promo and its supplier's request to cancel it
    promo = world.promo(Promo.Status.APPROVED)
    asked = api_as("supplier").post(f"/api/v1/promos/{promo.pk}/request-cancellation/",
                                    {"version": promo.version, "reason": "Товар снят с производства"}, format="json")
    assert asked.status_code == 202 and asked.json()["request"]["kind"] == "cancellation"
    request_id = asked.json()["request"]["id"]

    # when a manager of its categories declines it without a reason, then with one
    manager = api_as("manager")
    empty = manager.post(f"/api/v1/requests/{request_id}/decline/", {}, format="json")
    declined = manager.post(f"/api/v1/requests/{request_id}/decline/", {"reason": "Ценники напечатаны"},
                            format="json")

    # then the first is a 400 in Russian; the second declines it and the promo stays in force
    assert empty.status_code == 400 and empty.json()["code"] == "reason_required"
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert Promo.objects.get(pk=promo.pk).status == Promo.Status.APPROVED
    text = OutboxMessage.objects.get(event__kind=Kind.REQUEST_DECLINED, recipient=world.supplier_user).body_text
    assert "Ценники напечатаны" in text

    # when the supplier asks again and a marketer accepts, the promo is cancelled
    again = api_as("supplier").post(f"/api/v1/promos/{promo.pk}/request-cancellation/",
                                    {"version": promo.version, "reason": "Всё-таки снят"}, format="json")
    accepted = api_as("marketer").post(f"/api/v1/requests/{again.json()['request']['id']}/accept/", {},
                                       format="json")
    assert accepted.status_code == 200
    assert Promo.objects.get(pk=promo.pk).status == Promo.Status.CANCELLED
    assert SupplierRequest.objects.filter(promo=promo).count() == 2


@pytest.mark.parametrize(("role", "status"), [("other_supplier", 404), ("other_manager", 404), ("anonymous", 401)])
def test_strangers_cannot_answer(world, api_as, role, status):
    promo = world.promo(Promo.Status.APPROVED)
    asked = ask_extension(api_as("supplier"), promo, promo.end + timedelta(days=3)).json()["request"]["id"]
    response = api_as(role).post(f"/api/v1/requests/{asked}/accept/", {}, format="json")
    assert response.status_code == status
    assert SupplierRequest.objects.get(pk=asked).status == SupplierRequest.Status.OPEN


def test_a_promo_tells_its_decision_due_date_and_whether_it_is_overdue(world, api_as, settings):
    # given a promo starting in 30 days submitted today (Monday 23.11.2026): 3 working days
    settings.PROMO_DECISION_WORKING_DAYS, settings.PROMO_DECISION_BUFFER_DAYS = 3, 7
    promo = world.promo(Promo.Status.DRAFT)
    client = api_as("marketer")
    client.post(f"/api/v1/promos/{promo.pk}/submit/", {"version": promo.version}, format="json")

    # when it is read, then its decision is due on Thursday and it is not overdue
    detail = client.get(f"/api/v1/promos/{promo.pk}/").json()
    assert (detail["decision_due"], detail["overdue"]) == ("2026-11-26", False)
    assert detail["submitted_at"].startswith("2026-11-23")
    listed = {item["id"]: item for item in client.get("/api/v1/promos/").json()["results"]}
    assert listed[promo.pk]["decision_due"] == "2026-11-26"

    # and once the due date has passed (a week later) it is overdue
    Promo.objects.filter(pk=promo.pk).update(decision_due=TODAY - timedelta(days=1))
    assert client.get(f"/api/v1/promos/{promo.pk}/").json()["overdue"] is True
