"""Price tags of a large branch go to the worker (eager Celery here; a real worker in
test_price_tag_worker.py): the person lands on the job's page with a progress bar polled by
htmx, then downloads the PDF there; nobody else sees the job or its file; a render that crashes
ends failed with a message and a way to try again; a small branch is still answered at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from promo.models import PriceTagJob
from promo.services import documents
from promo.services.price_tags import (
    PROGRESS_STEPS,
    _Progress,
    price_tag_job_run,
    price_tag_jobs_clean,
    price_tags_request,
)
from promo.tasks import documents as tasks
from tests.promo.documents.conftest import DAY
from tests.promo.documents.pdf import body, embedded_fonts, pdf_pages, pdf_text
from tests.promo.documents.tagdata import running_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def large(settings):
    """Above 20 tags a branch is large; chunks of one page."""
    settings.PROMO_PRICE_TAGS_ASYNC_TAGS = 20
    settings.PROMO_PRICE_TAGS_CHUNK_PAGES = 1


def post_tags(client, branch, day="2027-02-10"):
    return client.post(reverse("promo:price_tags"), {"branch": branch.pk, "date": day})


def job_urls(job) -> list[str]:
    return [reverse(name, args=[job.pk]) for name in
            ("promo:price_tag_job", "promo:price_tag_job_progress", "promo:price_tag_job_download")]


def test_a_large_branch_goes_to_the_worker_and_ends_downloadable_by_its_owner(
        client_for, branch, large, django_capture_on_commit_callbacks):
    # given 30 running lines in B0001, more than the 20 answered at once
    running_lines(30)
    client = client_for("marketer")

    # when the marketer asks for the tags from the branch page (the task runs after the commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_tags(client, branch)

    # then they land on the job's page, and the job has rendered every tag
    job = PriceTagJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.status, job.requested_by.username, job.branch, job.day) == (
        PriceTagJob.Status.SUCCEEDED, "marketer", branch, DAY)
    assert (job.tags_done, job.tags_total, job.pages) == (30, 30, 2)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Готово: ценников 30, страниц: 2." in page
    download = reverse("promo:price_tag_job_download", args=[job.pk])
    assert f'href="{download}"' in page
    # and the download is the PDF, kept under MEDIA_ROOT, not at a media URL
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = body(response)
    assert pdf_pages(content) == 2
    text = pdf_text(content)
    assert all(f"{tag.article} · {tag.promo_code}" in text for tag in documents.price_tags_for(branch=branch, day=DAY))
    assert embedded_fonts(content) >= {"PortalSans", "PortalSans-Bold"}
    assert 'filename="price-tags-B0001-2027-02-10.pdf"' in response["Content-Disposition"]
    assert job.file.name.startswith("price-tags/")


@pytest.mark.parametrize("username", ["marketer", "s002", "manager", "admin"])
def test_nobody_but_the_owner_sees_a_job_or_its_file(client_for, branch, large, username,
                                                     django_capture_on_commit_callbacks, demo_user):
    # given s001's finished job
    running_lines(30)
    with django_capture_on_commit_callbacks(execute=True):
        answer = price_tags_request(actor=demo_user("s001"), branch=branch, day=DAY)
    job = answer.job
    assert PriceTagJob.objects.get(pk=job.pk).status == PriceTagJob.Status.SUCCEEDED

    # when anyone else, a marketer or the administrator included, opens it, it is not there
    client = client_for(username)
    assert [client.get(url).status_code for url in job_urls(job)] == [404, 404, 404]
    assert f'data-job="{job.pk}"' not in client.get(reverse("promo:price_tag_jobs")).content.decode()
    # and the owner has all three
    assert [client_for("s001").get(url).status_code for url in job_urls(job)] == [200, 200, 200]


def test_an_anonymous_visitor_is_sent_to_sign_in(client, branch, large, demo_user):
    job = PriceTagJob.objects.create(requested_by=demo_user("marketer"), branch=branch, day=DAY)

    for url in [*job_urls(job), reverse("promo:price_tag_jobs")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_supplier_job_holds_its_own_promos_only(client_for, branch, large, django_capture_on_commit_callbacks):
    # given running promos of S001 (50 lines) and S002 (20 lines)
    own, foreign = running_lines(70)[:2]

    # when s001 asks for the tags (more than 20 of its own: the job path)
    client = client_for("s001")
    with django_capture_on_commit_callbacks(execute=True):
        post_tags(client, branch)

    # then the PDF has s001's promo and not s002's, as the tags answered at once would
    job = PriceTagJob.objects.get()
    text = pdf_text(body(client.get(job_urls(job)[2])))
    assert own.code in text and foreign.code not in text
    assert job.tags_total == 50


def test_a_small_branch_is_still_answered_at_once(client_for, branch, percent_promo, settings):
    settings.PROMO_PRICE_TAGS_ASYNC_TAGS = 20

    response = post_tags(client_for("marketer"), branch)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="price-tags-B0001-2027-02-10.pdf"'
    assert percent_promo.code in pdf_text(body(response))
    assert not PriceTagJob.objects.exists()


def test_a_link_to_a_large_branch_offers_to_start_and_starts_nothing(client_for, branch, large):
    # given 30 running lines, opened by a GET (a bookmark, a link)
    running_lines(30)

    page = client_for("marketer").get(f"{reverse('promo:price_tags')}?branch={branch.pk}&date=2027-02-10")

    # then the page says how many and offers the button that posts the same request; no job yet
    text = page.content.decode()
    assert page.status_code == 200
    assert "В филиале на эту дату ценников 30: PDF подготовится в фоне" in text
    assert f'action="{reverse("promo:price_tags")}"' in text and 'method="post"' in text
    assert 'name="date" value="2027-02-10"' in text
    assert not PriceTagJob.objects.exists()


def test_a_second_click_waits_for_the_first_job(client_for, branch, large, monkeypatch):
    # given a job that is still queued (the worker has not taken it yet)
    running_lines(30)
    monkeypatch.setattr(tasks.price_tags_render_task, "delay", lambda *args: None)
    client = client_for("marketer")
    first = post_tags(client, branch)

    # when the same person asks again for the same branch and day
    second = post_tags(client, branch)

    # then they are sent to the same job, and no second one is queued
    assert first["Location"] == second["Location"]
    assert PriceTagJob.objects.count() == 1


def test_the_page_polls_while_the_job_runs_and_stops_when_it_ends(client_for, branch, large, demo_user):
    # given a queued job with 10 of 30 tags done
    running_lines(30)
    job = PriceTagJob.objects.create(requested_by=demo_user("marketer"), branch=branch, day=DAY,
                                     status=PriceTagJob.Status.RUNNING, tags_total=30, tags_done=10)
    client = client_for("marketer")
    progress = reverse("promo:price_tag_job_progress", args=[job.pk])

    # then its page shows the bar and polls the status block every second
    page = client.get(job.get_absolute_url()).content.decode()
    assert f'hx-get="{progress}" hx-trigger="every 1s"' in page
    assert 'value="33"' in page and "Готово ценников: 10 из 30" in page

    # and once the worker is done, the block it gets has the link and no more polling
    price_tag_job_run(job)
    block = client.get(progress).content.decode()
    assert "hx-get" not in block
    assert reverse("promo:price_tag_job_download", args=[job.pk]) in block


def test_a_failing_render_ends_failed_with_a_message_and_a_retry(client_for, branch, large, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    # given weasyprint breaking on the second chunk
    running_lines(30)
    calls = []

    def broken(template_name, context):
        calls.append(template_name)
        if len(calls) == 2:
            raise OSError("диск переполнен")
        return real(template_name, context)

    real = documents.render_pdf
    monkeypatch.setattr(documents, "render_pdf", broken)
    client = client_for("marketer")

    # when the tags are asked for
    with django_capture_on_commit_callbacks(execute=True):
        post_tags(client, branch)

    # then the job has failed with the reason, with no file, and stops polling
    job = PriceTagJob.objects.get()
    assert (job.status, job.failure, job.file.name) == (PriceTagJob.Status.FAILED, "OSError: диск переполнен", "")
    assert job.finished_at is not None
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Не удалось подготовить ценники из-за сбоя." in page and "OSError: диск переполнен" in page
    assert "hx-get" not in page
    # with a button that asks again for the same branch and day
    assert "Попробовать ещё раз" in page and 'name="date" value="2027-02-10"' in page
    assert client.get(job_urls(job)[2]).status_code == 404

    # and trying again, once the disk is fine, gives a new job that succeeds
    monkeypatch.setattr(documents, "render_pdf", real)
    with django_capture_on_commit_callbacks(execute=True):
        retry = post_tags(client, branch)
    again = PriceTagJob.objects.exclude(pk=job.pk).get()
    assert retry["Location"] == again.get_absolute_url() and again.status == PriceTagJob.Status.SUCCEEDED


def test_an_unreachable_queue_fails_the_job_at_once(client_for, branch, large, monkeypatch,
                                                    django_capture_on_commit_callbacks):
    running_lines(30)

    def refuse(*args):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(tasks.price_tags_render_task, "delay", refuse)

    with django_capture_on_commit_callbacks(execute=True):
        post_tags(client_for("marketer"), branch)

    job = PriceTagJob.objects.get()
    assert job.status == PriceTagJob.Status.FAILED
    assert job.failure == "Очередь обработки недоступна: Connection refused"


def test_a_job_of_a_person_switched_off_since_fails_with_the_reason(branch, large, demo_user):
    running_lines(30)
    marketer = demo_user("marketer")
    job = PriceTagJob.objects.create(requested_by=marketer, branch=branch, day=DAY)
    marketer.is_active = False
    marketer.save()

    tasks.price_tags_render_task(job.pk)

    job.refresh_from_db()
    assert (job.status, job.failure) == (PriceTagJob.Status.FAILED, "Пользователь, заказавший ценники, отключён.")


def test_a_job_waiting_long_in_the_queue_says_so(client_for, branch, demo_user):
    job = PriceTagJob.objects.create(requested_by=demo_user("marketer"), branch=branch, day=DAY)
    client = client_for("marketer")
    assert "дольше обычного" not in client.get(job.get_absolute_url()).content.decode()

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        page = client.get(job.get_absolute_url()).content.decode()

    assert "Задание ждёт своей очереди дольше обычного" in page
    assert "Заказать заново" in page and f'action="{reverse("promo:price_tags")}"' in page


def test_a_job_whose_worker_died_says_so_and_ordering_again_replaces_it(
        client_for, branch, large, demo_user, django_capture_on_commit_callbacks):
    # given a job left «running» with 21 of 30 tags done by a worker that then died
    running_lines(30)
    stuck = PriceTagJob.objects.create(requested_by=demo_user("marketer"), branch=branch, day=DAY,
                                       status=PriceTagJob.Status.RUNNING, tags_total=30, tags_done=21)
    client = client_for("marketer")

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        # then after ten minutes without progress its page says it has stopped and offers to order again
        page = client.get(stuck.get_absolute_url()).content.decode()
        assert "Подготовка не продвигается больше 10 минут" in page and "Заказать заново" in page

        # and ordering again fails the stuck job with the reason and prepares a new one
        with django_capture_on_commit_callbacks(execute=True):
            response = post_tags(client, branch)
    stuck.refresh_from_db()
    fresh = PriceTagJob.objects.exclude(pk=stuck.pk).get()
    assert response["Location"] == fresh.get_absolute_url()
    assert (stuck.status, stuck.failure) == (
        PriceTagJob.Status.FAILED,
        "Подготовка остановилась: обработчик фоновых задач не отвечал. Ценники заказаны заново.")
    assert fresh.status == PriceTagJob.Status.SUCCEEDED


def test_a_running_job_that_moves_is_not_stuck(branch, large, demo_user):
    # given a job whose worker writes its progress
    running_lines(30)
    job = PriceTagJob.objects.create(requested_by=demo_user("marketer"), branch=branch, day=DAY)
    later = timezone.now() + timedelta(minutes=11)

    # when it is rendered eleven minutes after it was queued, its progress is a heartbeat
    with time_machine.travel(later):
        assert PriceTagJob.objects.get(pk=job.pk).looks_stuck  # queued for 11 minutes
        _Progress(job)(21, 30)
        assert not PriceTagJob.objects.get(pk=job.pk).looks_stuck


def test_tags_asked_from_english_pages_are_printed_for_the_shop_in_russian(client_for, branch, large,
                                                                           django_capture_on_commit_callbacks):
    # given a marketer who reads the portal in English, and a branch with 30 running lines
    running_lines(30)
    client = client_for("marketer")
    client.cookies["django_language"] = "en"

    # when he asks for the branch's price tags (a job for the worker) and downloads them
    with django_capture_on_commit_callbacks(execute=True):
        post_tags(client, branch)
    job = PriceTagJob.objects.get()
    text = pdf_text(body(client.get(job_urls(job)[2])))

    # then the job was asked in English (its page and reasons are his), but the tags on the
    # shelves speak to the shop's customers: Russian words and Russian prices
    assert job.language == "en"
    assert "Акция с 01.02.2027 по 28.02.2027" in text and "Promo from" not in text
    assert re.search(r"\d+,\d{2} ₽", text) and not re.search(r"\d+\.\d{2} ₽", text)


def test_old_jobs_are_removed_with_their_files(branch, large, demo_user):
    running_lines(30)
    marketer = demo_user("marketer")
    old = price_tag_job_run(PriceTagJob.objects.create(requested_by=marketer, branch=branch, day=DAY))
    queued = PriceTagJob.objects.create(requested_by=marketer, branch=branch, day=DAY)
    storage, name = old.file.storage, old.file.name
    assert storage.exists(name)

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        removed = price_tag_jobs_clean()

    assert removed == 1
    assert list(PriceTagJob.objects.all()) == [queued]
    assert not storage.exists(name)


@pytest.mark.parametrize("lines", [30, 130])
def test_the_job_reads_and_writes_in_queries_flat_in_the_number_of_tags(branch, large, demo_user, lines,
                                                                        django_assert_max_num_queries):
    # given 30 or 130 running lines (2 or 7 chunks of one page)
    running_lines(lines)
    job = PriceTagJob.objects.create(requested_by=demo_user("marketer"), branch=branch, day=DAY)

    # then rendering them costs the same handful of queries: 7 to read and record, and the
    # progress, written at most PROGRESS_STEPS + 1 times however many chunks there are
    with django_assert_max_num_queries(7 + PROGRESS_STEPS + 1):
        price_tag_job_run(job)
    job.refresh_from_db()
    assert job.status == PriceTagJob.Status.SUCCEEDED and job.tags_done == lines


def test_the_progress_of_5000_tags_is_written_at_most_21_times(branch, demo_user, django_assert_max_num_queries):
    # given a job of 5,000 tags rendered in 24 chunks of 210
    job = PriceTagJob.objects.create(requested_by=demo_user("marketer"), branch=branch, day=DAY)
    progress = _Progress(job)

    # then reporting every chunk writes the bar at most PROGRESS_STEPS + 1 times, the last one the total
    with django_assert_max_num_queries(PROGRESS_STEPS + 1):
        for done in [*range(210, 5000, 210), 5000]:
            progress(done, 5000)
    job.refresh_from_db()
    assert (job.tags_done, job.tags_total, job.progress_percent) == (5000, 5000, 100)


@pytest.mark.parametrize("jobs", [2, 40])
def test_the_job_pages_cost_the_same_queries_for_few_and_many_jobs(client_for, branch, demo_user, jobs,
                                                                  django_assert_max_num_queries):
    marketer = demo_user("marketer")
    made = PriceTagJob.objects.bulk_create([
        PriceTagJob(requested_by=marketer, branch=branch, day=DAY, status=PriceTagJob.Status.SUCCEEDED,
                    tags_total=600, tags_done=600, pages=29)
        for _ in range(jobs)
    ])
    client = client_for("marketer")

    with django_assert_max_num_queries(5):
        listing = client.get(reverse("promo:price_tag_jobs"))
    with django_assert_max_num_queries(4):
        detail = client.get(made[-1].get_absolute_url())
    with django_assert_max_num_queries(4):
        progress = client.get(reverse("promo:price_tag_job_progress", args=[made[-1].pk]))

    assert listing.content.decode().count("data-job=") == min(jobs, 30)
    assert detail.status_code == progress.status_code == 200
