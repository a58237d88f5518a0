"""Bad input on every form and API action of the portal after a day of work: wrong types,
missing fields, another supplier's ids, huge numbers, negative days, dates that do not exist,
a version that is not a number. Each answer is a 4xx (or the page again with its message),
never a server error; an API error speaks Russian; a refused request changes nothing."""

from __future__ import annotations

import json
import re

import pytest
from django.db.models import Count, Max, Sum
from django.test import Client

from branches.models import Branch
from exports.models import ExportRun
from promo.models import PriceTagJob, Promo, PromoComment, PromoEvent, PromoLine, PromoUpload
from tests.test_smoke_crawl import portal, user  # noqa: F401  (the module's portal fixture)

pytestmark = pytest.mark.django_db

BIG = "9" * 25
ODD_NUMBERS = ["", "abc", "-5", BIG, "²", "1.5", "１２", "1e400", "NaN"]
ODD_DATES = ["2027-02-31", "31.02.2027", "0001-01-01", "9999-12-31", "99999-01-01", "завтра"]
# The promo actions are many (each for two people): a sample of each kind keeps the test short.
ODD_VERSIONS = ["abc", BIG, "²"]
ODD_DAYS = ["2027-02-31", "9999-12-31"]
ODD_QUERY = ["abc", "-5", BIG, "²", "1.5", "2027-02-31", "9999-12-31", "P²", "\x00"]
CYRILLIC = re.compile("[а-яА-ЯёЁ]")


def snapshot() -> tuple:
    """What a refused request must leave as it was: every save bumps a row's ``updated_at``
    (and a promo's version), every new row a count."""
    changed = (Max("updated_at"), Count("pk"))
    return (
        Promo.objects.aggregate(Sum("version"), *changed), PromoLine.objects.aggregate(*changed),
        PromoEvent.objects.count(), PromoComment.objects.count(), PromoUpload.objects.aggregate(*changed),
        ExportRun.objects.count(), PriceTagJob.objects.count(),
    )


class Caller:
    """Sends requests as one person and collects what went wrong."""

    def __init__(self, username: str):
        self.client = Client(raise_request_exception=False)
        self.client.force_login(user(username))
        self.username = username
        self.problems: list[str] = []

    def post(self, url: str, data, *, api: bool = False):
        before = snapshot()
        if api:
            response = self.client.post(url, json.dumps(data), content_type="application/json")
        else:
            response = self.client.post(url, data)
        where = f"{self.username} POST {url} {str(data)[:120]}"
        if response.status_code >= 500:
            self.problems.append(f"{where}: server error {response.status_code}")
        elif response.status_code >= 400:
            if snapshot() != before:
                self.problems.append(f"{where}: refused ({response.status_code}) but changed data")
            if api and not CYRILLIC.search(response.content.decode()):
                self.problems.append(f"{where}: not in Russian: {response.content.decode()[:160]}")
        return response

    def get(self, url: str, params: dict):
        response = self.client.get(url, params)
        if response.status_code >= 500:
            self.problems.append(f"{self.username} GET {url} {params}: server error {response.status_code}")
        return response


def test_page_forms_refuse_bad_input(portal):  # noqa: F811
    # given: the promos of the day and the people acting on them
    approved, submitted = portal["approved"], portal["submitted"]
    foreign_line = submitted.lines.first()
    callers = {name: Caller(name) for name in ("s001", "s002", "manager", "marketer")}

    # when: every promo form is posted, by its supplier and a marketer, with odd versions and
    # dates; then odd numbers and foreign ids
    for promo, owner in ((approved, "s001"), (submitted, "s002")):
        promo.refresh_from_db()
        for action in ("submit", "withdraw", "request-extension", "request-cancellation", "cancel", "extend",
                       "correct", "approve", "reject", "lines/decide", "targeting"):
            url = f"/promo/{promo.pk}/{action}/"
            for caller in (callers[owner], callers["marketer"]):
                for version in ODD_VERSIONS:
                    caller.post(url, {"version": version, "reason": "r", "new_end": "2027-05-10"})
                for day in ODD_DAYS if action in ("request-extension", "extend", "correct") else ():
                    caller.post(url, {"version": promo.version, "reason": "r", "new_end": day, "start": day,
                                      "end": day})
        for value in ("abc", "-5", BIG, "1e400", "NaN"):
            callers["marketer"].post(f"/promo/{promo.pk}/lines/correct/", {
                "version": promo.version, "line": promo.lines.first().pk, "reason": "r",
                "discount_percent": value, "promo_price": value, "compensation_percent": value})
        for value in ODD_VERSIONS:
            callers["marketer"].post(f"/promo/{promo.pk}/lines/correct/", {
                "version": promo.version, "line": value, "discount_percent": "10", "reason": "r"})
            callers["marketer"].post(f"/promo/{promo.pk}/targeting/", {
                "version": promo.version, "regions": [value], "branches": [value]})
        callers["marketer"].post(f"/promo/{approved.pk}/lines/correct/", {
            "version": approved.version, "line": foreign_line.pk, "discount_percent": "10", "reason": "r"})
        callers["s001"].post(f"/promo/{promo.pk}/comments/", {"text": "x" * 6000})
        callers["s001"].post(f"/promo/{promo.pk}/comments/", {"text": "   "})
    for value in ODD_NUMBERS:
        for step in ("confirm", "run"):
            callers["manager"].post("/promo/bulk/", {"promos": [value], f"version_{value}": value,
                                                     "action": "approve", "step": step})
            callers["manager"].post("/promo/bulk/", {"promos": [submitted.pk], f"version_{submitted.pk}": value,
                                                     "action": "reject", "reason": "r", "step": step})
            callers["s001"].post("/promo/bulk/", {"promos": [approved.pk], f"version_{approved.pk}": approved.version,
                                                  "action": value, "step": step})
            callers["marketer"].post("/promo/bulk/", {"select_all": "1", "source": value, "query": f"status={value}",
                                                      "action": "cancel", "step": step})
        callers["marketer"].post(f"/promo/requests/{value}/accept/", {"reason": "r"})
        callers["marketer"].post(f"/promo/mass-correction/?promo={submitted.code}", {
            "line_ids": [value, foreign_line.pk], "shift_days": value, "discount_percent": value,
            "action": "apply", "reason": "r", f"version_{submitted.pk}": value})
        callers["marketer"].post(f"/promo/mass-correction/?promo={submitted.code}", {
            "line_ids": [foreign_line.pk], "shift_days": "-100000", "action": "preview"})
        callers["marketer"].post("/exports/start/", {"date": value, "system": value})
        callers["marketer"].post("/promo/uploads/new/", {"supplier": value})
    for day in ODD_DATES:
        callers["marketer"].post("/exports/start/", {"date": day, "system": "all"})
    # the answers to a supplier's request: by people who may not, without a reason, too long
    asked = portal["request"]
    for caller in (callers["s002"], callers["manager"], callers["s001"]):
        caller.post(f"/promo/requests/{asked.pk}/accept/", {"reason": "x" * 3000})
        caller.post(f"/promo/requests/{asked.pk}/decline/", {"reason": ""})
    callers["marketer"].post(f"/promo/requests/{asked.pk}/decline/", {"reason": "   "})
    callers["marketer"].post(f"/promo/requests/{asked.pk}/accept/", {"reason": "x" * 3000})
    branch = Branch.objects.order_by("code").first()
    for value in [*ODD_NUMBERS, *ODD_DATES]:
        callers["s001"].post("/promo/price-tags.pdf", {"branch": value, "date": "2027-02-10"})
        callers["s001"].post("/promo/price-tags.pdf", {"branch": branch.pk, "date": value})
    # the preview of an upload: odd fingerprints, another supplier, ids that do not exist
    awaiting = portal["awaiting"]
    for value in [*ODD_VERSIONS, "0" * 64, "f" * 65]:
        callers["s001"].post(f"/promo/uploads/{awaiting.pk}/confirm/", {"fingerprint": value})
    for name in ("s002", "manager"):
        callers[name].post(f"/promo/uploads/{awaiting.pk}/confirm/", {"fingerprint": awaiting.preview["fingerprint"]})
        callers[name].post(f"/promo/uploads/{awaiting.pk}/cancel/", {})
    for action in ("confirm", "cancel"):
        callers["s001"].post(f"/promo/uploads/{BIG}/{action}/", {})
        callers["s001"].post(f"/promo/uploads/{portal['imported'].pk}/{action}/", {})
    run = portal["run"]
    for export_file in run.files.all():
        for caller in (callers["marketer"], callers["s001"]):
            caller.post(f"/exports/{run.pk}/files/{export_file.pk}/resend/", {"file": BIG})
    callers["marketer"].post(f"/exports/{run.pk}/files/{BIG}/resend/", {})

    # then: never a server error, and nothing changed by a refused request; the preview still waits
    problems = [problem for caller in callers.values() for problem in caller.problems]
    assert not problems, "\n".join(problems)
    assert PromoUpload.objects.get(pk=awaiting.pk).status == PromoUpload.Status.AWAITING_CONFIRMATION


def test_api_actions_refuse_bad_input_in_russian(portal):  # noqa: F811
    # given: the same day, through the API
    approved, submitted = portal["approved"], portal["submitted"]
    foreign_line = submitted.lines.first()
    callers = {name: Caller(name) for name in ("s001", "s002", "manager", "marketer")}

    # when: every action gets odd bodies, versions and dates from the promo's supplier, another
    # supplier (a foreign promo) and a marketer; then foreign ids
    for promo, owner, other in ((approved, "s001", "s002"), (submitted, "s002", "s001")):
        for action in ("submit", "approve", "reject", "withdraw", "cancel", "extend", "request-extension",
                       "request-cancellation", "comments"):
            url = f"/api/v1/promos/{promo.pk}/{action}/"
            for caller in (callers[owner], callers[other], callers["marketer"]):
                for value in [*ODD_VERSIONS, None, []]:
                    caller.post(url, {"version": value, "reason": value, "new_end": value, "comment": value,
                                      "text": value, "internal": value}, api=True)
                for day in ODD_DAYS if action in ("extend", "request-extension") else ():
                    caller.post(url, {"version": 1, "reason": "r", "new_end": day}, api=True)
                caller.post(url, "[1, 2]", api=True)
        callers["manager"].post(f"/api/v1/promos/{approved.pk}/lines/{foreign_line.pk}/decide/",
                                {"version": approved.version, "decision": "accepted"}, api=True)
        callers["manager"].post(f"/api/v1/promos/{promo.pk}/lines/{BIG}/decide/",
                                {"version": 1, "decision": "accepted"}, api=True)
    for value in [*ODD_VERSIONS, None, [], {}, -5, 0]:
        for caller in callers.values():
            caller.post("/api/v1/promos/bulk/", {"action": value, "promos": value, "reason": value}, api=True)
            caller.post("/api/v1/promos/bulk/", {"action": "reject", "promos": [
                {"id": submitted.pk, "version": value}], "reason": value}, api=True)
            caller.post("/api/v1/promos/bulk/", {"action": "cancel", "promos": [
                {"id": value, "version": 1}, {"id": approved.pk, "version": approved.version}]}, api=True)
        callers["marketer"].post(f"/api/v1/requests/{portal['request'].pk}/decline/", {"reason": value}, api=True)
        callers["s002"].post(f"/api/v1/requests/{portal['request'].pk}/accept/", {"reason": value}, api=True)
    callers["marketer"].post("/api/v1/promos/bulk/", {"action": "submit", "promos": [
        {"id": approved.pk, "version": 1}, {"id": approved.pk, "version": 2}]}, api=True)
    callers["marketer"].post(f"/api/v1/requests/{BIG}/accept/", {"reason": "r"}, api=True)
    run = portal["run"]
    for export_file in run.files.all():
        for caller in (callers["marketer"], callers["s001"]):
            caller.post(f"/api/v1/exports/{run.pk}/files/{export_file.pk}/resend/", {"file": BIG}, api=True)
    callers["marketer"].post(f"/api/v1/exports/{run.pk}/files/{BIG}/resend/", {}, api=True)
    for value in [*ODD_NUMBERS, *ODD_DATES]:
        callers["marketer"].post("/api/v1/exports/", {"date": value, "system": value}, api=True)
        callers["marketer"].post("/api/v1/uploads/", {"supplier": value}, api=True)
    awaiting = portal["awaiting"]
    for value in [*ODD_VERSIONS, None, [], "0" * 64]:
        callers["s001"].post(f"/api/v1/uploads/{awaiting.pk}/confirm/", {"fingerprint": value}, api=True)
    callers["s001"].post(f"/api/v1/uploads/{awaiting.pk}/confirm/", "[1, 2]", api=True)
    for name in ("s002", "manager"):
        for action in ("confirm", "cancel"):
            callers[name].post(f"/api/v1/uploads/{awaiting.pk}/{action}/", {}, api=True)
    for action in ("confirm", "cancel"):
        callers["s001"].post(f"/api/v1/uploads/{portal['imported'].pk}/{action}/", {}, api=True)
        callers["s001"].post(f"/api/v1/uploads/{BIG}/{action}/", {}, api=True)
    for raw in ("{not json", "", "null"):
        before = snapshot()
        response = callers["marketer"].client.post(f"/api/v1/promos/{submitted.pk}/comments/", raw,
                                                   content_type="application/json")
        assert response.status_code == 400 and CYRILLIC.search(response.content.decode()), raw
        assert snapshot() == before

    # then: 4xx answers in Russian, never a server error, nothing changed by a refusal
    problems = [problem for caller in callers.values() for problem in caller.problems]
    assert not problems, "\n".join(problems)
    assert PromoUpload.objects.get(pk=awaiting.pk).status == PromoUpload.Status.AWAITING_CONFIRMATION


def test_lists_and_filters_take_any_query(portal):  # noqa: F811
    # given: every list page and API list with its filters
    pages = {
        "/promo/": ["q", "status", "supplier", "category", "mechanic", "active_on", "branch", "region", "page"],
        "/promo/queue/": ["q", "sort", "conflicts", "category", "status", "page"],
        "/promo/calendar/": ["start", "weeks", "region", "category", "supplier"],
        "/promo/mass-correction/": ["promo", "supplier", "category", "region", "status", "active_from"],
        "/promo/activity/": ["kind", "actor", "supplier", "date_from", "date_to", "page"],
        "/promo/requests/": ["status", "page"], "/api/v1/requests/": ["status", "kind", "promo", "page", "ordering"],
        "/promo/uploads/": ["page"], "/promo/uploads/template/": ["supplier", "lang"], "/exports/": ["page"],
        "/promo/price-tags/": ["page"],
        "/exports/preview/": ["date", "system", "promo", "kind", "page"],
        f"/exports/{portal['run'].pk}/changes/": ["promo", "kind", "page"],
        "/branches/": ["q", "region", "city", "group", "open_on", "page", "per_page"],
        "/suppliers/": ["q", "page", "per_page"], "/suppliers/products/": ["q", "supplier", "category", "per_page"],
        "/api/v1/promos/": ["status", "supplier", "category", "active_on", "branch", "region", "search", "ordering",
                            "page", "page_size", "period_from"],
        "/api/v1/uploads/": ["status", "supplier", "page"], "/api/v1/exports/": ["status", "business_date", "page"],
        "/api/v1/exports/preview/": ["date", "system", "promo", "kind", "page", "page_size"],
        f"/api/v1/exports/{portal['run'].pk}/changes/": ["promo", "kind", "page", "page_size"],
        "/api/v1/products/": ["supplier", "category", "ean", "search", "page_size"],
        "/api/v1/branches/": ["region", "city", "open_on", "page_size"],
    }
    callers = [Caller(name) for name in ("s001", "manager", "marketer")]

    # when: each is asked with odd values in every parameter
    for caller in callers:
        for url, names in pages.items():
            for value in ODD_QUERY:
                caller.get(url, dict.fromkeys(names, value))

    # then: a page or a 4xx, never a server error
    problems = [problem for caller in callers for problem in caller.problems]
    assert not problems, "\n".join(problems)
