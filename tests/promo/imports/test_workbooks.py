"""Every sample workbook gives exactly its expected outcome (tests/data/workbooks/expected.json)
through the command and through the API: ok, lines, promos, every [row, code] of its errors
and warnings, and the exit code."""

import json
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from promo.models import Promo, PromoLine, PromoRevision, PromoUpload

WORKBOOKS = Path(__file__).resolve().parents[2] / "data" / "workbooks"
EXPECTED = json.loads((WORKBOOKS / "expected.json").read_text(encoding="utf-8"))
TODAY = "2026-11-23 10:00 +07:00"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def run_command(path: Path, *args: str) -> tuple[int, dict]:
    out = StringIO()
    try:
        call_command("import_promos", str(path), *args, "--format", "json", stdout=out, stderr=StringIO())
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, json.loads(out.getvalue())


def pairs(problems: list[dict]) -> list[list]:
    return sorted([problem["row"], problem["code"]] for problem in problems)


def assert_outcome(result: dict, expected: dict) -> None:
    assert result["ok"] is expected["ok"]
    assert result["lines"] == expected["lines"]
    assert result["promos"] == expected["promos"]
    assert pairs(result["errors"]) == sorted(expected["errors"])
    assert pairs(result["warnings"]) == sorted(expected["warnings"])
    for problem in result["errors"] + result["warnings"]:
        assert set(problem) == {"row", "column", "code", "message"}
        assert problem["message"] and problem["message"] != problem["code"]


def counts() -> tuple[int, int, int]:
    return Promo.objects.count(), PromoLine.objects.count(), PromoRevision.objects.count()


def removes_lines(expected: dict) -> bool:
    """A correction that drops lines stops at a preview until it is confirmed."""
    return bool(expected.get("revision_diff", {}).get("removed"))


def assert_preview(result: dict, expected: dict) -> None:
    assert (result["ok"], result["status"], result["needs_confirmation"]) == (False, "awaiting_confirmation", True)
    diffs = [{k: r[k] for k in ("added", "removed", "changed")} for r in result["revisions"]]
    assert diffs == [expected["revision_diff"]]
    assert len(result["revisions"][0]["diff"]["removed"]) == expected["revision_diff"]["removed"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_command_gives_the_expected_outcome(name):
    expected = EXPECTED[name]
    username = expected["supplier"].lower()
    # given: the upload it is a correction of, when it has one
    if "after" in expected:
        code, _ = run_command(WORKBOOKS / expected["after"], "--as", username)
        assert code == 0
    before = counts()

    # when: the supplier imports the sheet from the command line
    code, result = run_command(WORKBOOKS / name, "--as", username)
    if removes_lines(expected):
        # (a correction dropping lines: exit 4 with the preview, nothing saved; --confirm applies it)
        assert code == 4
        assert_preview(result, expected)
        assert counts() == before
        code, result = run_command(WORKBOOKS / name, "--as", username, "--confirm")

    # then: exactly the expected outcome and exit code
    assert code == expected["exit"]
    assert_outcome(result, expected)
    assert set(result) == {"ok", "upload_id", "rows", "lines", "promos", "errors", "warnings", "revisions", "sheet",
                           "status", "needs_confirmation"}
    if not expected["ok"]:
        assert counts() == before
        assert PromoUpload.objects.get(pk=result["upload_id"]).status == PromoUpload.Status.REJECTED
    if "revision_diff" in expected:
        assert counts()[0] == before[0]  # no new promo
        diffs = [{k: r[k] for k in ("added", "removed", "changed")} for r in result["revisions"]]
        assert diffs == [expected["revision_diff"]]


def post_via_api(client, path: Path) -> tuple[int, dict]:
    with path.open("rb") as handle:
        response = client.post("/api/v1/uploads/", {"file": handle}, format="multipart")
    return response.status_code, response.json()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_api_gives_the_expected_outcome(name, demo_user):
    from rest_framework.test import APIClient

    expected = EXPECTED[name]
    client = APIClient()
    client.force_authenticate(demo_user(expected["supplier"].lower()))
    if "after" in expected:
        status, body = post_via_api(client, WORKBOOKS / expected["after"])
        assert status == 201 and body["ok"]
    before = counts()

    # when: the supplier posts the sheet to the API
    status, result = post_via_api(client, WORKBOOKS / name)
    if removes_lines(expected):
        # (a correction dropping lines: 200 with the preview, nothing saved, until confirmed)
        assert status == 200
        assert_preview(result, expected)
        assert counts() == before
        response = client.post(result["confirm"], {}, format="json")
        status, result = response.status_code, response.json()

    # then: the upload is created and its result is exactly the expected one
    assert status == 201
    assert_outcome(result, expected)
    if not expected["ok"]:
        assert counts() == before
    if "revision_diff" in expected:
        assert counts()[0] == before[0]
        diffs = [{k: r[k] for k in ("added", "removed", "changed")} for r in result["revisions"]]
        assert diffs == [expected["revision_diff"]]
    detail = client.get(f"/api/v1/uploads/{result['upload_id']}/").json()
    assert detail["status"] == ("imported" if expected["ok"] else "rejected")
    assert sorted([e["row"], e["code"]] for e in detail["errors"]) == sorted(expected["errors"])


def test_the_second_identical_upload_exits_3_naming_the_first(tmp_path):
    # given: s001's sheet imported once
    code, first = run_command(WORKBOOKS / "s001_discount_clean.xlsx", "--as", "s001")
    assert code == 0
    before = counts()

    # when: the very same file again
    code, second = run_command(WORKBOOKS / "s001_discount_clean.xlsx", "--as", "s001")

    # then: exit 3, file_duplicate naming the first upload, nothing saved
    assert code == 3
    assert pairs(second["errors"]) == [[0, "file_duplicate"]]
    assert f"№ {first['upload_id']}" in second["errors"][0]["message"]
    assert counts() == before
