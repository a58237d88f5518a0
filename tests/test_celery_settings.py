"""The Celery settings production relies on (config/settings/celery.py, docs/operations.md):
Redis hands a task to another worker only after the longest task and the longest retry
countdown, a killed worker's task comes back a bounded number of times, and a long import or
export never waits behind the mail (nor the mail behind them)."""

import importlib

import pytest
from django.conf import settings

import config.settings.celery as celery_settings
from config.celery import app
from promo.tasks.documents import price_tags_render_task
from promo.tasks.imports import upload_process_task


@pytest.fixture
def redis_settings(monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    yield importlib.reload(celery_settings)
    monkeypatch.undo()
    importlib.reload(celery_settings)


def test_redis_redelivers_only_after_the_longest_task_and_the_longest_retry_countdown(redis_settings):
    # given the production broker, Redis
    timeout = redis_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]

    # then a message is handed out again only once no worker can still be running or holding it
    assert timeout > upload_process_task.time_limit
    assert timeout > price_tags_render_task.time_limit
    longest_countdown = settings.SET10_RETRY_DELAY * 2 ** (settings.SET10_UPLOAD_RETRIES - 1)
    assert timeout > longest_countdown
    # and a killed worker's task is retried a bounded number of times, acknowledged only when done
    assert redis_settings.CELERY_TASK_ACKS_LATE and redis_settings.CELERY_TASK_RETRY_ON_WORKER_LOST
    assert not redis_settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert redis_settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_other_brokers_get_no_redis_options(monkeypatch):
    # given the filesystem broker of `make run` or kombu's SQLAlchemy transport
    monkeypatch.setenv("CELERY_BROKER_URL", "sqla+postgresql+psycopg://u@h/db")
    try:
        module = importlib.reload(celery_settings)
        # then no Redis option reaches them (SQLAlchemy would refuse it)
        assert module.CELERY_BROKER_TRANSPORT_OPTIONS == {}
    finally:
        monkeypatch.undo()
        importlib.reload(celery_settings)


@pytest.mark.parametrize(("task", "queue"), [
    ("promo.upload_process", "imports"),
    ("exports.tasks.export_nightly", "exports"),
    ("exports.tasks.export_run_task", "exports"),
    ("exports.tasks.export_set10_deliver", "exports"),
    ("promo.price_tags_render", "exports"),  # a large branch's price tags: minutes, like an export
    ("promo.price_tag_jobs_clean", "celery"),
    ("promo.outbox_send", "celery"),
    ("promo.date_events", "celery"),
    ("promo.decision_deadlines", "celery"),
])
def test_each_task_goes_to_its_queue_and_a_plain_worker_consumes_all(task, queue):
    # when a task is sent, it is routed to its queue
    assert app.amqp.router.route({}, task)["queue"].name == queue
    # and a worker started without -Q consumes every queue
    assert set(app.amqp.queues) == {"celery", "imports", "exports"}


def test_the_decision_deadlines_run_daily_with_the_other_schedules(settings):
    # given the one beat schedule (config/settings/celery.py)
    entry = settings.CELERY_BEAT_SCHEDULE["workflow-decision-deadlines"]
    # then the reminders and escalations run once a day at PROMO_DEADLINES_AT, local time
    assert entry["task"] == "promo.decision_deadlines"
    assert entry["schedule"].hour == {settings.PROMO_DEADLINES_HOUR}
    assert entry["schedule"].minute == {settings.PROMO_DEADLINES_MINUTE}
    assert "promo.decision_deadlines" in app.tasks
