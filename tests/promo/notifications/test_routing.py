"""Who hears about what: the routing table of docs/development/notifications.md is the code's
(``promo/notifications/routing.py``), and every event kind, driven through the real services,
mails exactly the people of the roles that table names (never the actor).

The cast (tests/promo/notifications/conftest.py): the promo's supplier has two users (``author``
acts, ``colleague`` only reads), another supplier's user (``foreigner``) never hears; three
categories with a manager each (``km1``, ``km2`` decide the promo's lines, ``km3`` an unrelated
category and never hears); the marketers; a head of category (``head``, the group named by
``PROMO_HEAD_OF_CATEGORY_GROUP``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from branches.targeting import Targeting
from exports.services import export_run
from exports.writers.smarket import SMarketWriter
from promo.models import OutboxMessage, Promo, PromoEvent, PromoLine, PromoUpload
from promo.notifications.routing import ROLES, ROUTING, STARTER_HEARS, routing_table_markdown
from promo.services import point_corrections, supplier_requests, transitions
from promo.services.comments import comment_add
from promo.services.date_events import promo_date_events_record
from promo.services.decision_deadlines import decision_deadlines_record
from promo.services.imports.uploads import upload_submit
from promo.services.mass_corrections import mass_correction_apply
from promo.services.revisions import revision_freeze_decisions, revision_record
from suppliers.models import SupplierUser
from tests.exports.conftest import approved_promo, export_root  # noqa: F401 (the exports' settings fixture)
from tests.factories import BranchFactory, ProductFactory, PromoFactory, PromoLineFactory, UserFactory
from tests.promo.imports import sheets

Kind = PromoEvent.Kind
DOCS = Path(__file__).resolve().parents[3] / "docs" / "development" / "notifications.md"
TABLE = re.compile(r"<!-- routing-table[^>]*-->\n(.*?)\n<!-- /routing-table -->", re.S)
TODAY = date(2026, 11, 23)  # a Monday
pytestmark = pytest.mark.django_db


def docs_table() -> str:
    return TABLE.search(DOCS.read_text(encoding="utf-8")).group(1).strip()


def docs_rows() -> list[list[str]]:
    return [line.strip().strip("|").split("|") for line in docs_table().splitlines()[2:]]


def docs_routing() -> dict[str, set[str]]:
    """The docs table as data: event kind -> the roles marked «yes»."""
    return {cells[0].strip().strip("`"): {role for role, cell in zip(ROLES, cells[1:-1], strict=True)
                                         if cell.strip() == "yes"} for cells in docs_rows()}


def docs_starter_hears() -> set[str]:
    """The kinds whose docs note says the person who started the work hears of it too."""
    return {cells[0].strip().strip("`") for cells in docs_rows() if "also to whoever started" in cells[-1]}


def test_the_docs_table_is_the_codes_routing_table():
    # given the routing table of the docs and of the code, then they are the same text and data
    assert docs_table() == routing_table_markdown()
    assert docs_routing() == {kind: set(roles) for kind, (roles, _note) in ROUTING.items()}
    assert set(docs_routing()) == set(Kind.values)
    assert docs_starter_hears() == set(STARTER_HEARS)


@dataclass
class Cast:
    world: object
    head: object

    def user(self, username: str):
        return get_user_model().objects.get(username=username)


@pytest.fixture
def cast(world, settings, export_root):  # noqa: F811
    settings.PROMO_HEAD_OF_CATEGORY_GROUP = "head_of_category"
    settings.PROMO_DECISION_WORKING_DAYS, settings.PROMO_DECISION_BUFFER_DAYS = 3, 7
    head = UserFactory(username="head")
    Group.objects.get_or_create(name="head_of_category")[0].user_set.add(head)
    moment = datetime(TODAY.year, TODAY.month, TODAY.day, 10, 0, tzinfo=ZoneInfo("Asia/Novosibirsk"))
    with time_machine.travel(moment, tick=True):
        yield Cast(world=world, head=head)


def promo_of(cast: Cast, status: str = Promo.Status.DRAFT, *, categories=(0, 1), start=date(2027, 2, 1),
             days: int = 14) -> Promo:
    """A promo of the supplier with one line per category index; approved: every line accepted
    and its revision in force."""
    world = cast.world
    promo = PromoFactory(supplier=world.supplier, status=status, start=start, end=start + timedelta(days=days - 1))
    for index in categories:
        PromoLineFactory(promo=promo, product=ProductFactory(supplier=world.supplier,
                                                             category=world.categories[index]))
    revision_record(promo=promo)
    if status == Promo.Status.APPROVED:
        promo.lines.update(decision=PromoLine.Decision.ACCEPTED, decided_at=timezone.now())
        promo.approved_revision = revision_freeze_decisions(promo=promo)
        promo.save(update_fields=["approved_revision"])
    return promo


def upload(cast: Cast, rows: list[dict], name: str = "promo.xlsx") -> PromoUpload:
    uploaded, _result = upload_submit(actor=cast.world.author, file=sheets.uploaded(rows, name=name),
                                      original_name=name, today=TODAY)
    return uploaded


def sheet_rows(cast: Cast, products, discount: int = 15) -> list[dict]:
    return [sheets.line(product, **{"Скидка, %": discount}) for product in products]


def last(kind: str, **filters) -> PromoEvent:
    return PromoEvent.objects.filter(kind=kind, **filters).latest("pk")


# --- one scenario per event kind: the real services, the event to check ---------------------


def _upload_imported(cast):
    products = [ProductFactory(supplier=cast.world.supplier, category=cast.world.categories[0])]
    return last(Kind.UPLOAD_IMPORTED, upload=upload(cast, sheet_rows(cast, products)))


def _upload_rejected(cast):
    products = [ProductFactory(supplier=cast.world.supplier, category=cast.world.categories[0])]
    return last(Kind.UPLOAD_REJECTED, upload=upload(cast, sheet_rows(cast, products, discount=150)))


def _promo_created(cast):
    products = [ProductFactory(supplier=cast.world.supplier, category=cast.world.categories[0])]
    return last(Kind.PROMO_CREATED, upload=upload(cast, sheet_rows(cast, products)))


def _revision_created(cast):
    # an imported promo, submitted and approved, corrected by a second sheet: back to approval
    world = cast.world
    products = [ProductFactory(supplier=world.supplier, category=world.categories[index]) for index in (0, 1)]
    first = upload(cast, sheet_rows(cast, products), name="first.xlsx")
    promo = first.promos.get()
    transitions.promo_submit(promo=promo, actor=world.author)
    transitions.promo_approve(promo=promo, actor=world.managers[0])
    transitions.promo_approve(promo=promo, actor=world.managers[1])
    assert Promo.objects.get(pk=promo.pk).status == Promo.Status.APPROVED
    upload(cast, sheet_rows(cast, products, discount=20), name="corrected.xlsx")
    event = last(Kind.REVISION_CREATED, promo=promo)
    assert (event.from_status, event.to_status) == (Promo.Status.APPROVED, Promo.Status.SUBMITTED)
    return event


def _promo_submitted(cast):
    promo = promo_of(cast)
    transitions.promo_submit(promo=promo, actor=cast.world.author)
    return last(Kind.PROMO_SUBMITTED, promo=promo)


def _line_decided(cast):
    promo = promo_of(cast, Promo.Status.SUBMITTED)
    transitions.promo_approve(promo=promo, actor=cast.world.managers[0])
    return last(Kind.LINE_DECIDED, promo=promo)


def _promo_approved(cast):
    promo = promo_of(cast, Promo.Status.SUBMITTED)
    transitions.promo_approve(promo=promo, actor=cast.world.managers[0])
    transitions.promo_approve(promo=promo, actor=cast.world.managers[1], comment="Берём")
    return last(Kind.PROMO_APPROVED, promo=promo)


def _promo_rejected(cast):
    promo = promo_of(cast, Promo.Status.SUBMITTED)
    transitions.promo_reject(promo=promo, actor=cast.world.managers[0], reason="Дорого")
    transitions.promo_reject(promo=promo, actor=cast.world.managers[1], reason="Дорого")
    return last(Kind.PROMO_REJECTED, promo=promo)


def _promo_withdrawn(cast):
    promo = promo_of(cast, Promo.Status.SUBMITTED)
    transitions.promo_withdraw(promo=promo, actor=cast.world.author, reason="Передумали")
    return last(Kind.PROMO_WITHDRAWN, promo=promo)


def _promo_cancelled(cast):
    promo = promo_of(cast, Promo.Status.APPROVED)
    transitions.promo_cancel(promo=promo, actor=cast.world.marketer, reason="Снят товар")
    return last(Kind.PROMO_CANCELLED, promo=promo)


def _promo_extended(cast):
    promo = promo_of(cast, Promo.Status.APPROVED)
    point_corrections.promo_extend(promo=promo, actor=cast.world.marketer, new_end=promo.end + timedelta(days=5),
                                   reason="Спрос")
    return last(Kind.PROMO_EXTENDED, promo=promo)


def _promo_corrected(cast):
    promo = promo_of(cast, Promo.Status.SUBMITTED)
    point_corrections.promo_correct(promo=promo, actor=cast.world.managers[0], reason="Короче",
                                    end=promo.end - timedelta(days=2))
    return last(Kind.PROMO_CORRECTED, promo=promo)


def _mass_corrected(cast):
    promos = [promo_of(cast, Promo.Status.SUBMITTED), promo_of(cast, Promo.Status.SUBMITTED, categories=(1,))]
    mass_correction_apply(actor=cast.world.marketer, line_ids=PromoLine.objects.filter(promo__in=promos)
                          .values_list("pk", flat=True), discount_percent=Decimal("20"), reason="Акция сети",
                          today=TODAY)
    return last(Kind.MASS_CORRECTED, promo__isnull=True)


def _targeting_changed(cast):
    promo = promo_of(cast, Promo.Status.SUBMITTED)
    branch = BranchFactory()
    point_corrections.promo_set_targeting(promo=promo, actor=cast.world.marketer,
                                          targeting=Targeting(branches=(branch.pk,)))
    return last(Kind.TARGETING_CHANGED, promo=promo)


def _extension_requested(cast):
    promo = promo_of(cast, Promo.Status.APPROVED)
    supplier_requests.promo_request_extension(promo=promo, actor=cast.world.author,
                                              new_end=promo.end + timedelta(days=5), reason="Остатки")
    return last(Kind.EXTENSION_REQUESTED, promo=promo)


def _cancellation_requested(cast):
    promo = promo_of(cast, Promo.Status.APPROVED)
    supplier_requests.promo_request_cancellation(promo=promo, actor=cast.world.author, reason="Нет товара")
    return last(Kind.CANCELLATION_REQUESTED, promo=promo)


def _request_accepted(cast):
    promo = promo_of(cast, Promo.Status.APPROVED)
    asked = supplier_requests.promo_request_extension(promo=promo, actor=cast.world.author,
                                                      new_end=promo.end + timedelta(days=5), reason="Остатки")
    supplier_requests.request_accept(request=asked, actor=cast.world.marketer, reason="Да")
    return last(Kind.REQUEST_ACCEPTED, promo=promo)


def _request_declined(cast):
    promo = promo_of(cast, Promo.Status.APPROVED)
    asked = supplier_requests.promo_request_cancellation(promo=promo, actor=cast.world.author, reason="Нет товара")
    supplier_requests.request_decline(request=asked, actor=cast.world.managers[0], reason="Ценники готовы")
    return last(Kind.REQUEST_DECLINED, promo=promo)


def _comment_added(cast):
    promo = promo_of(cast, Promo.Status.SUBMITTED)
    comment_add(promo=promo, actor=cast.world.author, text="Когда решение?")
    return last(Kind.COMMENT_ADDED, promo=promo)


def _date_event(kind: str, start: date, days: int):
    def scenario(cast):
        promo = promo_of(cast, Promo.Status.APPROVED, start=start, days=days)
        promo_date_events_record(today=TODAY)
        return last(kind, promo=promo)

    return scenario


def _decision_due(cast):
    # submitted on Monday: due Thursday; km1 has decided his line, km2's waits
    promo = promo_of(cast)
    transitions.promo_submit(promo=promo, actor=cast.world.author)
    transitions.promo_approve(promo=promo, actor=cast.world.managers[0])
    decision_deadlines_record(today=TODAY + timedelta(days=2))
    return last(Kind.DECISION_DUE, promo__isnull=True)


def _decision_overdue(cast):
    promo = promo_of(cast)
    transitions.promo_submit(promo=promo, actor=cast.world.author)
    decision_deadlines_record(today=TODAY + timedelta(days=4))
    return last(Kind.DECISION_OVERDUE, promo__isnull=True)


def _export_warnings(cast):
    # an approved promo on a branch without a Set Retail shop number: the marketer's run warns
    approved_promo(products=[ProductFactory(supplier=cast.world.supplier)],
                   targeting={"branches": [BranchFactory(setretail_shop=None).pk, BranchFactory().pk]})
    export_run(business_date=date(2027, 1, 10), actor=cast.world.marketer)
    return last(Kind.EXPORT_WARNINGS)


def _export_failed(cast):
    # the disk is full while the S-Market file is written
    def full(*args, **kwargs):
        raise OSError("диск переполнен")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SMarketWriter, "write", full)
        export_run(business_date=date(2027, 1, 10), actor=cast.world.marketer)
    return last(Kind.EXPORT_FAILED)


SCENARIOS = {
    Kind.UPLOAD_IMPORTED: _upload_imported,
    Kind.UPLOAD_REJECTED: _upload_rejected,
    Kind.PROMO_CREATED: _promo_created,
    Kind.REVISION_CREATED: _revision_created,
    Kind.PROMO_SUBMITTED: _promo_submitted,
    Kind.LINE_DECIDED: _line_decided,
    Kind.PROMO_APPROVED: _promo_approved,
    Kind.PROMO_REJECTED: _promo_rejected,
    Kind.PROMO_WITHDRAWN: _promo_withdrawn,
    Kind.PROMO_CANCELLED: _promo_cancelled,
    Kind.PROMO_EXTENDED: _promo_extended,
    Kind.PROMO_CORRECTED: _promo_corrected,
    Kind.MASS_CORRECTED: _mass_corrected,
    Kind.TARGETING_CHANGED: _targeting_changed,
    Kind.EXTENSION_REQUESTED: _extension_requested,
    Kind.CANCELLATION_REQUESTED: _cancellation_requested,
    Kind.REQUEST_ACCEPTED: _request_accepted,
    Kind.REQUEST_DECLINED: _request_declined,
    Kind.COMMENT_ADDED: _comment_added,
    Kind.STARTS_TOMORROW: _date_event(Kind.STARTS_TOMORROW, TODAY + timedelta(days=1), 14),
    Kind.STARTED: _date_event(Kind.STARTED, TODAY, 14),
    Kind.FINISHED: _date_event(Kind.FINISHED, TODAY - timedelta(days=14), 14),
    Kind.DECISION_DUE: _decision_due,
    Kind.DECISION_OVERDUE: _decision_overdue,
    Kind.EXPORT_FAILED: _export_failed,
    Kind.EXPORT_WARNINGS: _export_warnings,
}


# --- who each role is, for the event (read from the data, not from the code under test) -----


def people_of(role: str, event: PromoEvent, cast: Cast) -> set[int]:
    promo_ids = [event.promo_id] if event.promo_id else list(
        (event.payload or {}).get("promos") and [p["promo_id"] if isinstance(p, dict) else p
                                                 for p in event.payload["promos"]] or [])
    if not promo_ids and event.upload_id:
        promo_ids = list(event.upload.promos.values_list("pk", flat=True))
    lines = PromoLine.objects.filter(promo_id__in=promo_ids)
    managers = dict(zip(cast.world.categories, cast.world.managers, strict=True))
    if role == "supplier":
        if event.internal:
            return set()
        suppliers = set(Promo.objects.filter(pk__in=promo_ids).values_list("supplier_id", flat=True))
        if event.upload_id and event.upload.supplier_id:
            suppliers.add(event.upload.supplier_id)
        return set(SupplierUser.objects.filter(supplier_id__in=suppliers).values_list("user_id", flat=True))
    if role in ("category_manager", "deciding_manager"):
        if role == "deciding_manager":
            lines = lines.filter(decision=PromoLine.Decision.PENDING)
        categories = set(lines.values_list("product__category_id", flat=True))
        return {manager.pk for category, manager in managers.items() if category.pk in categories}
    group = {"marketer": "marketer", "head_of_category": "head_of_category"}[role]
    return set(get_user_model().objects.filter(groups__name=group).values_list("pk", flat=True))


def test_every_event_kind_has_a_scenario():
    # a new event kind needs a row in the docs table and a scenario here, or nobody checks its mail
    assert set(SCENARIOS) == set(Kind.values)


@pytest.mark.parametrize("kind", list(SCENARIOS))
def test_every_event_kind_reaches_exactly_the_roles_of_the_docs_table(cast, kind):
    # given the routing table of the docs
    roles = docs_routing()[kind]

    # when the event happens through the real services
    event = SCENARIOS[kind](cast)

    # then its outbox holds one message for each person of those roles, the actor excepted
    # but where the table says whoever started it hears too (and nobody without an address):
    # nobody else
    assert event.kind == kind
    expected = set().union(*(people_of(role, event, cast) for role in roles)) - {event.actor_id}
    if kind in docs_starter_hears():
        assert event.actor_id is not None, "the scenario must be started by someone"
        expected.add(event.actor_id)
    expected = set(get_user_model().objects.filter(pk__in=expected, is_active=True).exclude(email="")
                   .values_list("username", flat=True))
    assert expected or not roles, "the scenario left nobody of the table's roles to mail"
    mailed = list(OutboxMessage.objects.filter(event=event).values_list("recipient__username", flat=True))
    assert sorted(mailed) == sorted(expected)
    # and the bystanders of the cast never hear of the supplier's promo
    assert not {"foreigner", "km3"} & set(mailed)
