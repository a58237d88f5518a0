"""Crash recovery of price tag jobs: a worker killed while it renders (SIGKILL, out of memory,
a restarted machine) leaves its job «готовится» with a bar that no longer moves. The reaper
(beat, like the uploads' and the exports') queues such a job again once it has been silent for
ten minutes, at most PROMO_PRICE_TAGS_MAX_RESTARTS times, then fails it with the reason; the
job's page says what happened. (Eager Celery here: the queued render runs after the commit.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from promo.models import PriceTagJob
from promo.services.price_tags import price_tag_jobs_recover
from promo.tasks.documents import price_tag_jobs_recover_task
from tests.promo.documents.conftest import DAY
from tests.promo.documents.tagdata import running_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def large(settings):
    settings.PROMO_PRICE_TAGS_ASYNC_TAGS = 20
    settings.PROMO_PRICE_TAGS_CHUNK_PAGES = 1


def dead_job(user, branch, **fields) -> PriceTagJob:
    """A job left «running» with 21 of 30 tags done by a worker that then died."""
    return PriceTagJob.objects.create(requested_by=user, branch=branch, day=DAY, status=PriceTagJob.Status.RUNNING,
                                      tags_total=30, tags_done=21, **fields)


def test_a_job_whose_worker_died_is_queued_again_and_ends_downloadable(
        client_for, branch, large, demo_user, django_capture_on_commit_callbacks):
    # given 30 running lines in B0001 and a job whose worker died at 21 of them
    running_lines(30)
    job = dead_job(demo_user("marketer"), branch)

    # when the reaper runs within ten minutes, the job is left to its worker
    with time_machine.travel(timezone.now() + timedelta(minutes=9)):
        assert price_tag_jobs_recover() == {"restarted": [], "failed": []}
    # and when it runs after ten minutes of silence
    with time_machine.travel(timezone.now() + timedelta(minutes=11)), \
            django_capture_on_commit_callbacks(execute=True):
        report = price_tag_jobs_recover()

    # then the job was queued again and rendered whole: its owner downloads all 30 tags
    assert report == {"restarted": [job.pk], "failed": []}
    job.refresh_from_db()
    assert (job.status, job.restarts, job.tags_done, job.pages) == (PriceTagJob.Status.SUCCEEDED, 1, 30, 2)
    page = client_for("marketer").get(job.get_absolute_url()).content.decode()
    assert "Готово: ценников 30, страниц: 2." in page


def test_the_page_of_a_restarted_job_says_so(client_for, branch, large, demo_user, monkeypatch):
    # given a job the reaper queued again, whose new render has not started yet
    running_lines(30)
    job = dead_job(demo_user("marketer"), branch)
    monkeypatch.setattr("promo.services.price_tags._enqueue", lambda job: None)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        price_tag_jobs_recover()

        # then its page shows it queued again from the start, with why, and polls on
        page = client_for("marketer").get(job.get_absolute_url()).content.decode()
    assert "В очереди" in page and "Готово ценников: 0 из 30" in page
    assert "Обработчик фоновых задач останавливался; подготовка начата заново (перезапусков: 1)." in page
    assert "Подготовка не продвигается" not in page


def test_a_job_that_keeps_killing_its_worker_fails_with_the_reason(client_for, branch, large, demo_user):
    # given a job already queued again as often as allowed, asked for from the English page
    running_lines(30)
    job = dead_job(demo_user("marketer"), branch, restarts=settings.PROMO_PRICE_TAGS_MAX_RESTARTS, language="en")

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        report = price_tag_jobs_recover()

    # then it fails, with the reason in the language it was asked in, and its page offers to try again
    assert report == {"restarted": [], "failed": [job.pk]}
    job.refresh_from_db()
    assert job.status == PriceTagJob.Status.FAILED
    assert job.failure == ("The background worker stopped while preparing the tags (restarts: 2). Order the "
                           "tags again; if it fails again, contact support.")
    page = client_for("marketer").get(job.get_absolute_url()).content.decode()
    assert job.failure in page and "Попробовать ещё раз" in page


def test_finished_jobs_and_jobs_that_move_are_left_alone(branch, large, demo_user):
    user = demo_user("marketer")
    done = dead_job(user, branch, )
    PriceTagJob.objects.filter(pk=done.pk).update(status=PriceTagJob.Status.SUCCEEDED)
    moving = dead_job(user, branch)

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        PriceTagJob.objects.filter(pk=moving.pk).update(tags_done=25, updated_at=timezone.now())
        assert price_tag_jobs_recover() == {"restarted": [], "failed": []}

    assert PriceTagJob.objects.get(pk=done.pk).status == PriceTagJob.Status.SUCCEEDED
    assert PriceTagJob.objects.get(pk=moving.pk).status == PriceTagJob.Status.RUNNING


def test_the_reaper_runs_from_beat_on_the_short_queue():
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["price-tag-jobs-recover"]
    assert entry["task"] == price_tag_jobs_recover_task.name
    assert entry["schedule"] == settings.RECOVERY_INTERVAL_SECONDS
    assert app.amqp.router.route({}, entry["task"])["queue"].name == "celery"
    assert price_tag_jobs_recover_task() == {"restarted": [], "failed": []}
