"""Two requests for the same large branch's price tags at the same moment (a double click, or
two tabs), each in a thread with its own PostgreSQL connection: one job is queued and both
requests land on it, so the worker renders the branch once."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from branches.models import Branch
from promo.models import PriceTagJob
from promo.services import price_tags
from tests.promo.documents.conftest import DAY
from tests.promo.documents.tagdata import running_lines

pytestmark = pytest.mark.django_db(transaction=True)


def waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'", [pid])
        return cursor.fetchone() is not None


def test_two_requests_at_once_queue_one_job(demo_data, settings, monkeypatch):
    # given 30 running lines in B0001, more than the 20 answered at once, and a queue that
    # only takes the jobs (nothing renders them here)
    settings.PROMO_PRICE_TAGS_ASYNC_TAGS = 20
    running_lines(30)
    marketer = get_user_model().objects.get(username="marketer")
    branch = Branch.objects.get(code="B0001")
    monkeypatch.setattr(price_tags, "_enqueue", lambda job: None)
    # each request, having found no unfinished job, waits before queueing its own until the
    # other request has got as far, or waits for a lock (not a timed assertion)
    create = price_tags.price_tag_job_create
    pids: dict[str, int] = {}
    arrived = {name: threading.Event() for name in ("first", "second")}
    gone = threading.Event()

    def create_when_both_are_here(**kwargs):
        name = threading.current_thread().name
        arrived[name].set()
        other = "second" if name == "first" else "first"
        watcher = threading.Event()
        while not (arrived[other].is_set() or gone.is_set()
                   or (other in pids and waits_for_a_lock(pids[other]))):
            watcher.wait(0.05)
        return create(**kwargs)

    monkeypatch.setattr(price_tags, "price_tag_job_create", create_when_both_are_here)
    answers: dict[str, price_tags.PriceTagsAnswer] = {}
    failures: list[BaseException] = []

    def ask(name: str) -> None:
        try:
            connection.ensure_connection()
            pids[name] = connection.connection.info.backend_pid
            answers[name] = price_tags.price_tags_request(actor=marketer, branch=branch, day=DAY)
        except BaseException as error:  # noqa: BLE001 - the test reads it
            failures.append(error)
        finally:
            arrived[name].set()
            gone.set()
            connection.close()

    # when the marketer asks twice at the same moment
    threads = [threading.Thread(target=ask, args=(name,), name=name) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    # then one job is queued, and both requests are answered with it
    assert failures == []
    jobs = list(PriceTagJob.objects.all())
    assert len(jobs) == 1
    assert {answer.job.pk for answer in answers.values()} == {jobs[0].pk}
    assert jobs[0].status == PriceTagJob.Status.QUEUED and jobs[0].tags_total == 30
