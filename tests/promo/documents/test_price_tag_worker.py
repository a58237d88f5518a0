"""A large branch's price tags rendered by a REAL Celery worker (a subprocess, tests/workers.py) through a real broker: the job goes from queued to succeeded while
another connection watches the progress grow, and its owner downloads the PDF the worker wrote
under MEDIA_ROOT."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from promo.models import PriceTagJob
from promo.services.price_tags import price_tags_request
from tests.promo.documents.conftest import DAY
from tests.promo.documents.pdf import pdf_pages
from tests.promo.documents.tagdata import running_lines

TIMEOUT = 180


@pytest.fixture
def chunked_worker(monkeypatch, request):
    """The worker renders chunks of one page (a dozen pages here), so the progress moves."""
    monkeypatch.setenv("PROMO_PRICE_TAGS_CHUNK_PAGES", "1")
    return request.getfixturevalue("worker")


@pytest.mark.worker
def test_a_real_worker_renders_a_large_branch_and_its_owner_downloads_it(
        demo_data, demo_user, settings, chunked_worker, client):
    # given 250 running lines in B0001, more than the 200 answered at once here
    from branches.models import Branch

    settings.PROMO_PRICE_TAGS_ASYNC_TAGS = 200
    running_lines(250)
    branch = Branch.objects.get(code="B0001")

    # when the marketer asks for them (committed at once: this test runs outside a transaction)
    answer = price_tags_request(actor=demo_user("marketer"), branch=branch, day=DAY)

    # then a job is queued, and the worker takes it to the end while this connection watches
    job = answer.job
    assert answer.file is None and job.status == PriceTagJob.Status.QUEUED
    seen = [(job.status, job.tags_done)]
    deadline = time.monotonic() + TIMEOUT
    while seen[-1][0] not in (PriceTagJob.Status.SUCCEEDED, PriceTagJob.Status.FAILED):
        if time.monotonic() > deadline:
            pytest.fail(f"job still {seen[-1]} after {TIMEOUT} s; worker log:\n{chunked_worker.read_text()[-3000:]}")
        time.sleep(0.05)
        state = tuple(PriceTagJob.objects.filter(pk=job.pk).values_list("status", "tags_done")[0])
        if state != seen[-1]:
            seen.append(state)
    job.refresh_from_db()
    assert job.status == PriceTagJob.Status.SUCCEEDED, (job.failure, chunked_worker.read_text()[-3000:])
    assert (job.tags_done, job.tags_total, job.pages) == (250, 250, 12)
    progress = [done for _status, done in seen]
    assert progress == sorted(progress) and progress[-1] == 250
    assert any(status == PriceTagJob.Status.RUNNING and 0 < done < 250 for status, done in seen)

    # and the owner downloads the twelve pages the worker wrote
    client.force_login(demo_user("marketer"))
    response = client.get(reverse("promo:price_tag_job_download", args=[job.pk]))
    assert response.status_code == 200
    assert pdf_pages(b"".join(response.streaming_content)) == 12
