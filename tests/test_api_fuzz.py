"""The API keeps its own contract: schemathesis (a third-party API fuzzer) runs against the live
server's schema, fetched over HTTP with the signed-in user's token, for every operation, as a
marketer and as a supplier, and fails on any server error, any response the schema does not
describe (status code, content type, body, headers), any schema-violating request accepted and
any request the schema allows refused as not fitting it.

The run is derandomized (the same cases every time) and bounded (``max-examples`` per operation
and phase), configured in tests/schemathesis.toml; the one check of our own is in
tests/schemathesis_checks.py. Which checks run and why: docs/development/testing.md.

The portal the fuzzer meets is the smoke crawl's day of work (imports that succeeded and failed,
promos in every status, comments, an export run), so detail and action operations reach real
objects (schemathesis feeds ids it saw in responses back into requests). The test is
transactional with its own demo data (``demo_data``): whatever the fuzzer's writes do is flushed
with the test and no other test sees it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine

from accounts.models import ApiToken
from tests.test_smoke_crawl import TODAY, build_portal, user

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tests" / "schemathesis.toml"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
RUN_TIMEOUT_SECONDS = 900  # a hang fails the test instead of blocking the suite
# Far above what the run sends: the fuzzer tests the contract, not the throttle (tests/test_throttling.py).
UNTHROTTLED = {"user": "1000000/hour", "anon": "1000000/hour", "token": "1000000/hour"}


def run_schemathesis(base_url: str, token: str, spare: str, report_dir: Path) -> tuple[int, str, dict]:
    env = {**os.environ, "PORTAL_API_TOKEN": token, "PORTAL_SPARE_TOKEN": spare, "NO_COLOR": "1"}
    command = [str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", f"{base_url}/api/schema/?format=json",
               "--report", "json", "--report-dir", str(report_dir), "--output-truncate", "false", "--no-color"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS)
    reports = sorted(report_dir.glob("*.json"))
    report = json.loads(reports[-1].read_text()) if reports else {}
    return done.returncode, done.stdout + done.stderr, report


def keep_report(username: str, output: str, report: dict) -> None:
    """``API_FUZZ_REPORT_DIR=dir``: keep the run's output and JSON report (``<user>.txt``, ``.json``)."""
    directory = os.environ.get("API_FUZZ_REPORT_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        (Path(directory) / f"{username}.txt").write_text(output)
        (Path(directory) / f"{username}.json").write_text(json.dumps(report, indent=1))


def summary(username: str, report: dict) -> str:
    operations, cases = report.get("operations", {}), report.get("test_cases", {})
    failures = {failure["code"]: failure["count"] for failure in report.get("failures", [])}
    return (f"schemathesis as {username}: {operations.get('tested')} operations, {cases.get('generated')} cases, "
            f"{cases.get('unique_failures', 0)} unique failures {failures or ''}")


@pytest.mark.parametrize("username", ["marketer", "s001"])
def test_schemathesis_finds_no_contract_violation(username, live_server, demo_data, settings, tmp_path):
    # given the portal after a day of work, served by a live server on PostgreSQL, and the
    # user's API tokens (a spare one for the endpoints that rotate or revoke the one they get)
    settings.API_THROTTLE_RATES = UNTHROTTLED
    with time_machine.travel(TODAY, tick=True):
        build_portal()
        token = ApiToken.objects.create(user=user(username))[1]
        spare = ApiToken.objects.create(user=user(username))[1]

        # when schemathesis tests every operation of the schema it reads from the server
        code, output, report = run_schemathesis(live_server.url, token, spare, tmp_path)

    # then it found nothing: no server error, no undocumented status or body, no request the
    # schema forbids accepted and none it allows refused as not fitting it
    print(summary(username, report))
    keep_report(username, output, report)
    failures_section = output[output.find("FAILURES"):] if "FAILURES" in output else output[-6000:]
    assert code == 0 and report.get("failures") == [], f"{summary(username, report)}\n{failures_section}"
    assert report["operations"]["tested"] == report["operations"]["total"] >= 38
    assert report["complete"] is True
