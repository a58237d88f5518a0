"""Smoke crawl: a realistic portal (sample workbooks imported, promos submitted, approved,
rejected, commented, corrected, asked to be extended or cancelled, reminded of their decision
deadlines, submitted in bulk, exported), then every page reachable from the home page and
every API list, for each demo role. No response may be a server error, and every page must
render as a Russian page (no left-over template syntax, no «None» in place of a value) under the
portal's Content-Security-Policy (the header, and no inline script, handler or style in it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from exports.services import export_run, export_run_queue
from promo.models import Promo, PromoUpload
from promo.services.bulk import promos_bulk
from promo.services.comments import comment_add
from promo.services.decision_deadlines import decision_deadlines_record
from promo.services.imports.confirmation import upload_confirm
from promo.services.imports.uploads import upload_submit
from promo.services.supplier_requests import (
    promo_request_cancellation,
    promo_request_extension,
    request_decline,
)
from promo.services.transitions import promo_approve, promo_reject, promo_submit
from suppliers.models import Supplier
from tests.crawler import crawl
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

WORKBOOKS = Path(__file__).resolve().parent / "data" / "workbooks"
TODAY = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Novosibirsk"))
ROLES = ["anonymous", "s001", "s002", "manager", "manager1", "marketer", "admin"]

pytestmark = pytest.mark.django_db


def user(username: str):
    return get_user_model().objects.get(username=username)


def import_workbook(name: str, username: str) -> PromoUpload:
    actor = user(username)
    with (WORKBOOKS / name).open("rb") as file:
        upload, result = upload_submit(actor=actor, file=file, original_name=name, today=TODAY.date())
    assert result is not None
    return upload


def same_terms(promo: Promo, row) -> dict:
    """A sheet row repeating ``row`` of ``promo`` as it is."""

    def number(value):
        return None if value is None else float(value)

    return line(row.product, **{
        "Название акции": promo.name, "Механика": str(Promo.Mechanic(promo.mechanic).label),
        "Скидка, %": number(row.discount_percent), "Промо-цена": number(row.promo_price),
        "Компенсация поставщика, %": number(row.compensation_percent), "Начало": promo.start, "Окончание": promo.end,
    })


def upload_rows(rows: list[dict], username: str) -> PromoUpload:
    file = sheets.uploaded(rows, name="cut.xlsx")
    upload, _result = upload_submit(actor=user(username), file=file, original_name=file.name, today=TODAY.date())
    return upload


def build_portal() -> dict:
    """The state a crawl should meet: imports that succeeded and failed, a revision, promos in
    every status a day of work leaves behind, comments, and an export run."""
    for name, username in [("s001_discount_clean.xlsx", "s001"), ("s002_nplusm_clean.xlsx", "s002"),
                           ("s004_english_headers.xlsx", "s004"), ("s003_messy_valid.xlsx", "s003"),
                           ("s003_messy_errors.xlsx", "s003"), ("s003_not_a_workbook.xlsx", "s003")]:
        import_workbook(name, username)
    s001, s002 = (Supplier.objects.get(code=code) for code in ("S001", "S002"))
    first, second = Promo.objects.filter(supplier=s001).order_by("pk")
    (nplusm,) = Promo.objects.filter(supplier=s002)
    for promo, username in [(first, "s001"), (second, "s001"), (nplusm, "s002")]:
        promo_submit(promo=promo, actor=user(username))
    manager = user("manager")
    promo_approve(promo=first, actor=manager, comment="Согласовано")
    promo_reject(promo=second, actor=manager, reason="Скидка слишком мала")
    comment_add(promo=first, actor=user("s001"), text="Просим начать раньше")
    comment_add(promo=first, actor=manager, text="Только для сети", internal=True)
    # A corrected re-upload that drops a line waits with its preview; confirmed, it makes a new
    # revision (with its diff) of the s001 promos.
    corrected = import_workbook("s001_discount_corrected.xlsx", "s001")
    assert corrected.status == PromoUpload.Status.AWAITING_CONFIRMATION
    assert upload_confirm(upload=corrected, actor=user("s001"), today=TODAY.date()).ok
    first.refresh_from_db()
    second.refresh_from_db()
    # And one that would cut the rejected promo down to two lines waits for a confirmation.
    waiting = upload_rows([same_terms(second, row) for row in second.lines.select_related("product").order_by("pk")[:2]],
                          "s001")
    assert waiting.status == PromoUpload.Status.AWAITING_CONFIRMATION, waiting.errors[:3]
    # A supplier's open request, an answered one, and the reminders of the decision deadlines.
    extension = promo_request_extension(promo=first, actor=user("s001"), new_end=first.end + timedelta(days=5),
                                        reason="Большие остатки")
    cancellation = promo_request_cancellation(promo=first, actor=user("s001"), reason="Нет товара")
    request_decline(request=cancellation, actor=user("marketer"), reason="Ценники напечатаны")
    decision_deadlines_record(today=TODAY.date() + timedelta(days=40))
    # A bulk action (one digest), and a queued export run whose page polls: the nightly one,
    # which nobody started (``started_by`` null in the API, as the schema must say).
    drafts = list(Promo.objects.filter(status=Promo.Status.DRAFT).order_by("pk")[:2])
    promos_bulk(actor=user("marketer"), action="submit", items=[(p.pk, p.version) for p in drafts])
    run = export_run(business_date=first.start, actor=user("marketer"))
    export_run_queue(business_date=first.start + timedelta(days=1), actor=None)
    return {"approved": first, "rejected": second, "submitted": nplusm, "run": run, "awaiting": waiting,
            "imported": corrected, "request": extension}


@pytest.fixture(scope="module")
def portal(django_db_setup, django_db_blocker):
    """Built once for the module and removed at its end: the crawl only reads."""
    with django_db_blocker.unblock(), time_machine.travel(TODAY, tick=True):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_portal()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def client_as(username: str) -> Client:
    client = Client()
    if username != "anonymous":
        client.force_login(user(username))
    return client


@pytest.mark.parametrize("username", ROLES)
def test_every_page_reachable_from_home_renders(portal, username):
    # given: the portal after a day of work, and a person of this role
    client = client_as(username)

    # when: they follow every link from the home page, three links deep
    report = crawl(client, "/")

    # then: no server error, every page in Russian with its values filled in, every page with
    # the CSP header and nothing inline that the policy would block
    assert not report.problems, "\n".join(report.problems)
    assert len(report.visited) > (1 if username == "anonymous" else 10)
    if username in ("s001", "marketer"):  # the upload waiting with its preview is among them
        assert report.visited.get(portal["awaiting"].get_absolute_url()) == 200


@pytest.mark.parametrize("username", ROLES)
def test_every_api_list_answers(portal, username):
    # given: the API root lists the endpoints
    client = client_as(username)
    root = client.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert root.status_code < 500
    endpoints = root.json() if root.status_code == 200 else {}

    # when: the person reads every list, and the first item of it
    problems = []
    for name, url in endpoints.items():
        response = client.get(url, HTTP_ACCEPT="application/json")
        # then: an answer, never a server error; a list gives its items
        if response.status_code >= 500:
            problems.append(f"{name}: {url} -> {response.status_code}")
            continue
        if response.status_code != 200:
            continue
        body = response.json()
        items = body.get("results", []) if isinstance(body, dict) else body
        if items and "id" in items[0]:
            detail = client.get(f"{url.rstrip('/')}/{items[0]['id']}/", HTTP_ACCEPT="application/json")
            if detail.status_code >= 500:
                problems.append(f"{name} detail: {detail.status_code}")
    assert not problems, problems
    if username == "anonymous":
        assert root.status_code in (401, 403) or all(
            client.get(url).status_code in (401, 403) for url in endpoints.values())
    else:
        assert {"promos", "uploads", "products", "branches"} <= set(endpoints)
