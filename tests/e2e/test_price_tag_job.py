"""A large branch's price tags in a real headless Chromium: the marketer posts the branch page's
form, a new tab shows the job's progress bar, htmx polls it under the Content-Security-Policy
until the worker has finished, then the download link appears, polling stops, and the PDF opens.
The worker's part is run by the test (the queue is left empty), so the page is seen waiting."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from playwright.sync_api import expect

from branches.models import Branch
from promo.models import PriceTagJob
from promo.services.price_tags import price_tag_job_run
from promo.tasks import documents as tasks
from tests.e2e.browser import browser_page, csp_violations, login
from tests.promo.documents.tagdata import running_lines


def beside_the_browser(function):
    """Run ORM work in a thread of its own: inside Playwright's sync API an event loop runs,
    and Django refuses the ORM there. The thread's connection sees the committed data."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.mark.e2e
def test_the_job_page_shows_progress_then_the_link(live_server, demo_data, settings, monkeypatch, tmp_path):
    # given 30 running lines in B0001, more than the 20 answered at once, and no worker running
    settings.PROMO_PRICE_TAGS_ASYNC_TAGS = 20
    settings.PROMO_PRICE_TAGS_CHUNK_PAGES = 1
    running_lines(30)
    branch = Branch.objects.get(code="B0001")
    monkeypatch.setattr(tasks.price_tags_render_task, "delay", lambda *args: None)
    base = live_server.url

    with browser_page(tmp_path, width=1300, height=900) as page:
        # when the marketer asks for the tags of 10.02.2027 on the branch page
        login(page, base, "marketer")
        page.goto(base + branch.get_absolute_url())
        form = page.locator("form.price-tags-form")
        form.locator("input[name=date]").fill("2027-02-10")
        with page.context.expect_page() as opened:
            form.locator("button[type=submit]").click()
        job_page = opened.value
        job_page.wait_for_url(re.compile(r"/promo/price-tags/\d+/$"))  # past the form's redirect
        violations = csp_violations(job_page)
        job_page.reload()  # loaded again with the listeners on, so nothing it does goes unseen

        # then the new tab is the job's page, queued, with its bar, polling
        job = beside_the_browser(PriceTagJob.objects.get)
        assert job_page.url == base + job.get_absolute_url()
        status = job_page.locator("#price-tag-job-status")
        expect(status).to_contain_text("В очереди")
        expect(status.locator("progress")).to_be_visible()
        expect(status).to_have_attribute("hx-trigger", "every 1s")

        # and once the worker has rendered it, the page shows the link by itself and stops polling
        beside_the_browser(lambda: price_tag_job_run(job))
        link = status.locator("a.price-tag-download")
        expect(link).to_be_visible()
        expect(status).to_contain_text("Готово: ценников 30, страниц: 2.")
        assert status.get_attribute("hx-get") is None
        download = job_page.request.get(base + link.get_attribute("href"))
        assert download.status == 200 and download.headers["content-type"] == "application/pdf"
        assert download.body().startswith(b"%PDF")

    assert violations == []
