"""The promo API: the same permissions, version check and messages as the services."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from branches.models import Branch, Region
from branches.targeting import Targeting
from promo.models import Promo, PromoEvent, PromoLine
from promo.services import actions, point_corrections, transitions
from promo.services.comments import comment_add
from tests.promo.services.world import MATRIX, TODAY, matrix_cases

API_ACTIONS = ["submit", "approve", "reject", "decide_line", "withdraw", "cancel", "extend_or_request",
               "request_cancellation", "comment"]
STATUS_OF = {"+": None, "F": 403, "N": 404}


def url(promo, action: str = "") -> str:
    return f"/api/v1/promos/{promo.pk}/" + (f"{action}/" if action else "")


def post(client, promo, action: str, world, **extra):
    """POST the body an integrator would send for ``action``, with the version it saw."""
    body = {"version": promo.version, **extra}
    later = (promo.end + timedelta(days=7)).isoformat()
    path = {
        "submit": url(promo, "submit"),
        "approve": url(promo, "approve"),
        "reject": url(promo, "reject"),
        "withdraw": url(promo, "withdraw"),
        "cancel": url(promo, "cancel"),
        "extend": url(promo, "extend"),
        "extend_or_request": url(promo, "extend"),
        "request_cancellation": url(promo, "request-cancellation"),
        "comment": url(promo, "comments"),
        "decide_line": url(promo, f"lines/{world.line(promo, 'a').pk}/decide"),
    }[action]
    body.update({
        "reject": {"reason": "Нет"},
        "cancel": {"reason": "Нет"},
        "extend": {"new_end": later, "reason": "Продажи"},
        "extend_or_request": {"new_end": later, "reason": "Продажи"},
        "request_cancellation": {"reason": "Нет товара"},
        "comment": {"text": "Вопрос"},
        "decide_line": {"decision": "accepted"},
    }.get(action, {}))
    body.update(extra)
    return client.post(path, body, format="json")


@pytest.mark.parametrize(("action", "role", "expected"), matrix_cases(API_ACTIONS))
def test_permission_matrix(world, api_as, action, role, expected):
    # given a promo in the status the action starts from
    promo = world.promo(MATRIX[action][0])
    # when the role posts the action
    response = post(api_as(role), promo, action, world)
    # then: allowed -> 2xx; a visible promo it may not act on -> 403 with the service's
    # message; a foreign promo -> 404; not signed in -> 401 (token auth asks for credentials)
    if role == "anonymous":
        assert response.status_code == 401
    elif expected == "+":
        assert response.status_code in (200, 201, 202), response.content
        assert PromoEvent.objects.filter(promo=promo, actor=world.actor(role)).exists()
    else:
        assert response.status_code == STATUS_OF[expected], response.content
    if expected != "+":
        assert not PromoEvent.objects.filter(promo=promo).exists()


def test_forbidden_answer_carries_the_service_message(world, api_as):
    promo = world.promo(Promo.Status.APPROVED)
    response = post(api_as("manager"), promo, "cancel", world)
    assert response.status_code == 403
    assert response.json() == {"code": "not_allowed", "message": str(actions.MARKETER_ONLY), "fields": {},
                               "detail": str(actions.MARKETER_ONLY)}


def test_stale_version_is_a_conflict_with_the_message(world, api_as):
    # given a promo B's manager decided after A's manager loaded it (version 1)
    promo = world.promo()
    transitions.promo_reject(promo=promo, actor=world.manager_b, reason="Дорого")
    # when A's manager approves with version 1
    response = api_as("manager").post(url(promo, "approve"), {"version": 1}, format="json")
    # then 409 says the promo changed and to reload; nothing of his is decided
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert response.json()["detail"].startswith("Промо уже изменено")
    assert not promo.lines.filter(decision=PromoLine.Decision.ACCEPTED).exists()


@pytest.mark.parametrize(("body", "message"), [
    ({"version": 1}, str(transitions.REJECT_REASON_REQUIRED)),
    ({"version": 1, "reason": "   "}, str(transitions.REJECT_REASON_REQUIRED)),
])
def test_reject_without_reason_is_a_bad_request(world, api_as, body, message):
    promo = world.promo()
    response = api_as("manager").post(url(promo, "reject"), body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == message


@pytest.mark.parametrize("body", [{}, {"version": "x"}, {"version": 0}])
def test_missing_or_bad_version_is_a_bad_request(world, api_as, body):
    promo = world.promo()
    response = api_as("manager").post(url(promo, "approve"), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and list(response.json()["fields"]) == ["version"]
    assert Promo.objects.get(pk=promo.pk).version == 1


def test_bad_decision_and_bad_date_are_bad_requests(world, api_as):
    promo = world.promo()
    line = world.line(promo)
    response = api_as("manager").post(url(promo, f"lines/{line.pk}/decide"), {"version": 1, "decision": "maybe"},
                                      format="json")
    assert response.status_code == 400
    approved = world.promo(Promo.Status.APPROVED)
    response = api_as("marketer").post(url(approved, "extend"), {"version": 1, "new_end": "31.02.2027"},
                                       format="json")
    assert response.status_code == 400
    response = api_as("marketer").post(url(approved, "extend"),
                                       {"version": 1, "new_end": (approved.end - timedelta(days=1)).isoformat()},
                                       format="json")
    assert response.status_code == 400
    message = (f"Новая дата окончания {approved.end - timedelta(days=1):%d.%m.%Y} должна быть позже текущей "
               f"({approved.end:%d.%m.%Y}).")
    assert response.json() == {"code": "end_not_later", "message": message, "fields": {}, "detail": message}


def test_line_of_another_promo_is_not_found(world, api_as):
    promo, other = world.promo(), world.promo()
    response = api_as("manager").post(url(promo, f"lines/{world.line(other).pk}/decide"),
                                      {"version": 1, "decision": "accepted"}, format="json")
    assert response.status_code == 404


def test_decisions_by_line_end_in_an_approved_promo_with_one_rejected_line(world, api_as):
    # given a submitted promo with lines in A and B
    promo = world.promo()
    # when A's manager approves his lines and B's manager rejects his with a reason
    response = api_as("manager").post(url(promo, "approve"), {"version": 1, "comment": "ок"}, format="json")
    assert response.status_code == 200
    assert response.json()["lines_accepted"] == 2
    version = response.json()["version"]
    line_b = world.line(promo, "b")
    response = api_as("manager_b").post(url(promo, f"lines/{line_b.pk}/decide"),
                                        {"version": version, "decision": "rejected", "reason": "Нет места"},
                                        format="json")
    assert response.status_code == 200
    assert response.json()["decision"] == "rejected"
    # then the supplier sees it approved, with the rejected line and its reason
    body = api_as("supplier").get(url(promo)).json()
    assert (body["status"], body["approved_revision"]) == ("approved", 1)
    rejected = [line for line in body["lines"] if line["decision"] == "rejected"]
    assert [(line["product"]["article"], line["decision_reason"]) for line in rejected] == [
        (line_b.product.article, "Нет места")]


def test_detail_shows_effective_prices_and_margin_for_staff_only(world, api_as):
    # given a percent promo (regular 100.00, purchase 60.00, 15 % off, the supplier paying back
    # half of the discount) with a plan of 200 units
    promo = world.promo()
    promo.lines.update(planned_quantity=200)
    # when staff and the supplier read it
    staff = api_as("marketer").get(url(promo)).json()["lines"][0]
    supplier = api_as("supplier").get(url(promo)).json()["lines"][0]
    # then both see the effective price, discount and plan; only staff see the economics after
    # compensation: 85.00 + 7.50 back = 92.50 received, 32.50 margin (35.14 % of it), 6,500 at plan
    assert (staff["effective_price"], staff["effective_discount_percent"]) == ("85.00", "15.00")
    assert (staff["compensation_per_unit"], staff["net_price"], staff["margin"], staff["margin_percent"],
            staff["planned_quantity"], staff["planned_margin"]) == ("7.50", "92.50", "32.50", "35.14", 200, "6500.00")
    assert (supplier["effective_price"], supplier["planned_quantity"]) == ("85.00", 200)
    assert [supplier[name] for name in ("compensation_per_unit", "net_price", "margin", "margin_percent",
                                        "planned_margin")] == [None] * 5


def test_supplier_lists_only_its_own_promos(world, api_as):
    # given a promo of the supplier and one of another supplier
    own = world.promo()
    foreign = world.promo(supplier=world.other_supplier)
    # when the supplier lists promos and reads the foreign one
    ids = [row["id"] for row in api_as("supplier").get("/api/v1/promos/").json()["results"]]
    # then only its own is there, and the other is a 404
    assert ids == [own.pk]
    assert api_as("supplier").get(url(foreign)).status_code == 404
    assert api_as("supplier").get(url(foreign, "history")).status_code == 404


def test_manager_lists_only_promos_of_his_categories(world, api_as):
    in_a, in_c = world.promo(categories=("a",)), world.promo(categories=("c",))
    ids = {row["id"] for row in api_as("manager").get("/api/v1/promos/").json()["results"]}
    assert in_a.pk in ids
    assert in_c.pk not in ids


def test_supplier_never_sees_internal_comments(world, api_as):
    # given an internal note of a manager and a public answer
    promo = world.promo()
    comment_add(promo=promo, actor=world.manager_a, text="Маржа ниже плана", internal=True)
    comment_add(promo=promo, actor=world.manager_a, text="Уточните остатки")
    # when the supplier reads the comments and the history
    comments = api_as("supplier").get(url(promo, "comments")).json()
    history = api_as("supplier").get(url(promo, "history")).json()
    # then the internal note is nowhere; staff see both
    assert [c["text"] for c in comments] == ["Уточните остатки"]
    assert "Маржа ниже плана" not in json.dumps(history, ensure_ascii=False)
    assert len(api_as("manager").get(url(promo, "comments")).json()) == 2


def test_supplier_cannot_post_an_internal_comment(world, api_as):
    promo = world.promo()
    response = api_as("supplier").post(url(promo, "comments"), {"text": "секрет", "internal": True}, format="json")
    assert response.status_code == 403
    response = api_as("supplier").post(url(promo, "comments"), {"text": " "}, format="json")
    assert response.status_code == 400


def test_history_lists_each_step_with_actor_and_reason(world, api_as):
    promo = world.promo(Promo.Status.DRAFT)
    assert post(api_as("supplier"), promo, "submit", world, comment="Прошу").status_code == 200
    promo.refresh_from_db()
    assert post(api_as("manager_b"), promo, "reject", world, reason="Дорого").status_code == 200
    entries = api_as("marketer").get(url(promo, "history")).json()
    assert [(e["kind"], e["actor"], e["reason"]) for e in entries] == [
        ("promo_submitted", world.supplier_user.username, "Прошу"),
        ("line_decided", world.manager_b.username, "Дорого"),
    ]
    assert {"field": "статус", "old": "Черновик", "new": "На согласовании"} in entries[0]["changes"]


def test_supplier_extend_becomes_a_request(world, api_as):
    promo = world.promo(Promo.Status.APPROVED)
    response = post(api_as("supplier"), promo, "extend", world)
    assert response.status_code == 202
    assert response.json()["code"] == "extension_requested"
    assert Promo.objects.get(pk=promo.pk).end == promo.end


def test_marketer_extends_and_the_revision_in_force_stays(world, api_as):
    promo = world.promo(Promo.Status.APPROVED)
    response = post(api_as("marketer"), promo, "extend", world)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["revision"], body["approved_revision"]) == ("submitted", 2, 1)
    assert body["end"] == (promo.end + timedelta(days=7)).isoformat()


class TestFilters:
    def ids(self, client, **params):
        return {row["id"] for row in client.get("/api/v1/promos/", params).json()["results"]}

    def test_status_supplier_category_mechanic_and_search(self, world, api_as):
        draft = world.promo(Promo.Status.DRAFT, categories=("a",))
        fixed = world.promo(mechanic=Promo.Mechanic.FIXED_PRICE, categories=("b",))
        foreign = world.promo(supplier=world.other_supplier, categories=("c",))
        client = api_as("marketer")
        assert self.ids(client, status="draft") == {draft.pk}
        assert self.ids(client, status=["draft", "submitted"]) == {draft.pk, fixed.pk, foreign.pk}
        assert self.ids(client, supplier=world.other_supplier.pk) == {foreign.pk}
        assert self.ids(client, category=world.cat_b.pk) == {fixed.pk}
        assert self.ids(client, mechanic="fixed_price") == {fixed.pk}
        assert self.ids(client, search=fixed.code) == {fixed.pk}
        assert self.ids(client, search=draft.name) == {draft.pk}

    def test_active_on(self, world, api_as):
        early = world.promo(start=TODAY + timedelta(days=20), days=5)
        late = world.promo(start=TODAY + timedelta(days=40), days=5)
        client = api_as("marketer")
        assert self.ids(client, active_on=(TODAY + timedelta(days=22)).isoformat()) == {early.pk}
        assert self.ids(client, active_on=(TODAY + timedelta(days=44)).isoformat()) == {late.pk}

    def test_branch_and_region(self, world, api_as):
        # given a chain-wide promo, one for a region, and one for the chain minus a branch
        region = Region.objects.order_by("pk").first()
        other_region = Region.objects.exclude(pk=region.pk).order_by("pk").first()
        branch = Branch.objects.filter(region=region).order_by("pk").first()
        chain = world.promo()
        regional = world.promo()
        point_corrections.promo_set_targeting(promo=regional, actor=world.marketer, targeting=Targeting(regions=(region.pk,)))
        not_there = world.promo()
        point_corrections.promo_set_targeting(promo=not_there, actor=world.marketer,
                                     targeting=Targeting(chain=True, exclude=(branch.pk,)))
        client = api_as("marketer")
        # then a branch of the region gets the chain-wide and the regional promo
        assert self.ids(client, branch=branch.pk) == {chain.pk, regional.pk}
        assert self.ids(client, region=region.pk) == {chain.pk, regional.pk, not_there.pk}
        assert self.ids(client, region=other_region.pk) == {chain.pk, not_there.pk}

    def test_in_force(self, world, api_as):
        # given an approved promo, a submitted one whose approved revision 1 is still in force
        # (revision 2 waits), a submitted one never approved and a cancelled one (approved before)
        approved = world.promo(Promo.Status.APPROVED)
        renewing = world.promo(Promo.Status.APPROVED)
        renewing.status, renewing.revision = Promo.Status.SUBMITTED, 2
        renewing.save(update_fields=["status", "revision"])
        waiting, cancelled = world.promo(), world.promo(Promo.Status.CANCELLED)
        client = api_as("marketer")
        # when the list is filtered by in_force, then true gives the two whose approved revision is
        # in force (the page's «Согласованная ревизия в силе», the home's counter) and false the others
        assert self.ids(client, in_force="true") == {approved.pk, renewing.pk}
        assert self.ids(client, in_force="false") == {waiting.pk, cancelled.pk}
        # and anything but true/false (1/0) is a 400 naming the parameter
        response = client.get("/api/v1/promos/", {"in_force": "yes"})
        assert response.status_code == 400 and list(response.json()["fields"]) == ["in_force"]

    def test_a_foreign_supplier_filter_gives_no_rows(self, world, api_as):
        # given a promo of the other supplier
        world.promo(supplier=world.other_supplier)
        # when the supplier filters by the other supplier, then nothing (never that supplier's promos)
        response = api_as("supplier").get("/api/v1/promos/", {"supplier": world.other_supplier.pk})
        assert response.status_code == 200 and response.json()["count"] == 0
        # and a malformed id is a 400 naming the parameter
        response = api_as("supplier").get("/api/v1/promos/", {"supplier": "S002"})
        assert response.status_code == 400 and list(response.json()["fields"]) == ["supplier"]


def test_list_keeps_a_flat_query_count(world, api_as, django_assert_max_num_queries):
    # given a few promos, the list costs some queries
    for _ in range(3):
        world.promo()
    client = api_as("marketer")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/promos/").status_code == 200
    # when there are many more promos (a full page of 50 with lines in two categories)
    for _ in range(60):
        world.promo(Promo.Status.APPROVED)
    with django_assert_max_num_queries(len(few)):
        response = client.get("/api/v1/promos/")
    # then the page costs no more, and every row carries its counts and revision in force
    assert response.json()["count"] == 63
    assert len(response.json()["results"]) == 50
    assert {row["lines_total"] for row in response.json()["results"]} == {3}
    for role in ("supplier", "manager"):
        with django_assert_max_num_queries(len(few) + 2):
            assert api_as(role).get("/api/v1/promos/").status_code == 200


def test_list_counts_lines_by_decision_as_the_detail_does(world, api_as):
    # given promos with lines accepted, rejected and pending, and one without lines
    promos = [world.promo(categories=("a", "b") * 3) for _ in range(3)]
    lines = list(PromoLine.objects.filter(promo=promos[0]).order_by("pk"))
    PromoLine.objects.filter(pk__in=[line.pk for line in lines[:2]]).update(decision=PromoLine.Decision.ACCEPTED)
    PromoLine.objects.filter(pk=lines[2].pk).update(decision=PromoLine.Decision.REJECTED, decision_reason="Дорого")
    PromoLine.objects.filter(promo=promos[1]).update(decision=PromoLine.Decision.REJECTED, decision_reason="Дорого")
    PromoLine.objects.filter(promo=promos[2]).delete()
    client = api_as("marketer")

    # when the list (counted for its page) and each promo's detail (counted in its query) are read
    rows = {row["id"]: row for row in client.get("/api/v1/promos/").json()["results"]}
    counts = ("lines_total", "lines_pending", "lines_accepted", "lines_rejected")

    # then both say the same
    for promo in promos:
        detail = client.get(url(promo)).json()
        assert {key: rows[promo.pk][key] for key in counts} == {key: detail[key] for key in counts}
    assert [rows[promos[0].pk][key] for key in counts] == [6, 3, 2, 1]
    assert [rows[promos[2].pk][key] for key in counts] == [0, 0, 0, 0]


def test_detail_keeps_a_flat_query_count(world, api_as, django_assert_max_num_queries):
    small, big = world.promo(categories=("a",)), world.promo(categories=("a", "b") * 40)
    client = api_as("manager")
    with CaptureQueriesContext(connection) as few:
        client.get(url(small))
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(url(big)).json()["lines"]) == 80


def test_the_schema_documents_the_promo_api_without_warnings(db, client_for):
    # given a fresh schema generation, then no promo view warned and every route is there
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    messages = list(GENERATOR_STATS._warn_cache) + list(GENERATOR_STATS._error_cache)
    assert [m for m in messages if "promo" in m.lower()] == []
    paths = schema["paths"]
    for action in ("submit", "approve", "reject", "withdraw", "cancel", "extend", "history", "comments"):
        assert f"/api/v1/promos/{{id}}/{action}/" in paths
    assert "/api/v1/promos/{id}/lines/{line_id}/decide/" in paths
    documented = {p["name"] for p in paths["/api/v1/promos/"]["get"]["parameters"]}
    assert {"status", "supplier", "category", "mechanic", "active_on", "branch", "region", "search",
            "in_force"} <= documented
    assert client_for("marketer").get("/api/schema/").status_code == 200


def test_a_move_the_state_forbids_is_a_conflict_as_on_the_page(world, api_as):
    # given an approved promo (its revision in force)
    promo = world.promo(Promo.Status.APPROVED)
    # when its supplier withdraws it through the API
    response = post(api_as("supplier"), promo, "withdraw", world)
    # then 409 (the page answers the same), with the service's message; nothing changed
    assert response.status_code == 409
    assert response.json()["code"] == "in_force"
    assert response.json()["message"] == response.json()["detail"] == str(actions.WITHDRAW_IN_FORCE)
    assert Promo.objects.get(pk=promo.pk).version == 1


@pytest.mark.parametrize(("role", "expected"), [
    ("supplier", ["comment", "request_cancellation", "request_extension"]),
    ("manager", ["comment", "correct", "line_correct"]),
    ("marketer", ["cancel", "comment", "correct", "extend", "line_correct", "targeting"]),
])
def test_detail_lists_the_actions_the_caller_may_take(world, api_as, role, expected):
    # given an approved promo, when each role reads it
    promo = world.promo(Promo.Status.APPROVED)
    body = api_as(role).get(url(promo)).json()
    # then it lists what that role may do now, and each listed action goes through
    assert body["actions"] == expected
    if "request_cancellation" in expected:
        assert post(api_as(role), promo, "request_cancellation", world).status_code == 202
    if "cancel" in expected:
        assert post(api_as(role), promo, "cancel", world).status_code == 200
        assert api_as(role).get(url(promo)).json()["actions"] == ["comment"]


def test_the_schema_documents_the_actions_and_the_conflicts(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    listed = components["PromoDetail"]["properties"]["actions"]
    assert listed["type"] == "array"
    names = components[listed["items"]["$ref"].rsplit("/", 1)[-1]]["enum"]
    assert set(names) == set(actions.ACTIONS)
    assert "state" in schema["paths"]["/api/v1/promos/{id}/withdraw/"]["post"]["responses"]["409"]["description"]
