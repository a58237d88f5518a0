"""Pages that update themselves without a reload (htmx polling, no inline script under the
strict CSP): an export run's page while the run is queued or running, an upload's status while
the file is processed; each stops polling once the work is done. And the links of the mails
``make run`` sends point at the port it serves."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from exports.services import export_run, export_run_queue
from tests.exports.conftest import export_root  # noqa: F401 (the exports' settings fixture)

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db


def test_the_export_run_page_polls_until_the_run_is_done(client_for, export_root):  # noqa: F811
    # given a run the marketer queued, not yet executed by the worker
    run = export_run_queue(business_date=date(2027, 1, 10))
    client = client_for("marketer")
    url = reverse("exports:run_detail", args=[run.pk])

    # when its page is open, then it asks for itself every 2 s and swaps in its fresh block
    page = client.get(url).content.decode()
    assert re.search(rf'<div id="run-live" hx-get="{re.escape(url)}" hx-trigger="every 2s" hx-select="#run-live"'
                     r' hx-swap="outerHTML">', page)
    assert "страница обновится сама" in page
    # with no inline script: htmx is the local static file
    assert "<script>" not in page and "/static/vendor/htmx.min.js" in page

    # when the worker has run it, the block htmx fetches next carries the result and no trigger
    export_run(run=run)
    fresh = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert '<div id="run-live">' in fresh and "hx-trigger" not in fresh
    assert "Скачать manifest.json" in fresh


def test_make_run_points_the_mail_links_at_its_port():
    # given `make run PORT=8011` (dry run: the commands it would execute)
    env = {key: value for key, value in os.environ.items() if key != "PORTAL_BASE_URL"}
    commands = subprocess.run(["make", "-n", "run", "PORT=8011"], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=True).stdout
    exported = next(line for line in commands.splitlines() if "PORTAL_BASE_URL=" in line)

    # then the worker and the web server get the base URL of that port, unless it is set
    value = subprocess.run(["bash", "-c", exported.rstrip("\\ ").rstrip("; ") + '; echo "$PORTAL_BASE_URL"'],
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert value == "http://127.0.0.1:8011"
    assert "runserver 127.0.0.1:8011" in commands
    assert commands.index("PORTAL_BASE_URL=") < commands.index("celery -A config worker")
    kept = subprocess.run(["bash", "-c", exported.rstrip("\\ ").rstrip("; ") + '; echo "$PORTAL_BASE_URL"'],
                          env={**env, "PORTAL_BASE_URL": "https://promo.example.com"}, capture_output=True,
                          text=True, check=True).stdout.strip()
    assert kept == "https://promo.example.com"
