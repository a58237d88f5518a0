"""Redis as the production broker: a real redis-server (config/bin/with-redis, started and
stopped by `make test`, REDIS_URL) and a real Celery worker process with the production
settings. One task goes through Redis and back into the database, and is acknowledged only
once it has finished (acks_late)."""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import redis

from promo.models import Promo, PromoEvent, PromoRevision
from tests.factories import PromoFactory, PromoLineFactory
from tests.workers import publishing_to, start_worker, stop_worker

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60

pytestmark = [pytest.mark.worker, pytest.mark.redis]


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.fail("REDIS_URL is not set: run the suite under config/bin/with-redis (make test does)")
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def producer(redis_url):
    """This process sends its tasks to Redis (not eagerly), as a production web process does."""
    with publishing_to(redis_url, {"visibility_timeout": 3600}) as app:
        yield app


def start_production_worker(redis_url: str, tmp_path: Path):
    log = tmp_path / "worker.log"
    process = start_worker(
        redis_url, log, settings_module="config.django.production", SECRET_KEY="redis-broker-test",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        MEDIA_ROOT=str(tmp_path / "media"), EXPORT_ROOT=str(tmp_path / "exports"),
    )
    return process, log


def approved_promo_starting(day: date) -> Promo:
    promo = PromoFactory(status=Promo.Status.APPROVED, start=day, end=day + timedelta(days=6))
    PromoLineFactory(promo=promo)
    promo.approved_revision = PromoRevision.objects.create(
        promo=promo, number=1, name=promo.name, mechanic=promo.mechanic, start=promo.start, end=promo.end,
        targeting=promo.targeting, lines=[])
    promo.save()
    return promo


def test_a_task_goes_through_redis_to_a_real_worker_and_back(demo_data, producer, redis_url, tmp_path):
    # given an approved promo that starts tomorrow, and the daily task sent to Redis with no worker yet
    today = date(2027, 2, 1)
    promo = approved_promo_starting(today + timedelta(days=1))
    producer.send_task("promo.date_events", args=[today.isoformat()])
    broker = redis.Redis.from_url(redis_url)
    assert broker.llen("celery") == 1  # the default queue holds the message

    # when a worker with the production settings starts on that broker
    process, log = start_production_worker(redis_url, tmp_path)
    try:
        events = PromoEvent.objects.filter(promo=promo, kind=PromoEvent.Kind.STARTS_TOMORROW)
        deadline = time.monotonic() + TIMEOUT
        while not events.exists() and time.monotonic() < deadline:
            time.sleep(0.2)

        # then it ran the task: «starts tomorrow» is recorded for the promo, once
        assert events.count() == 1, log.read_text()[-3000:]
        # and the message is gone from the queue and, once finished, acknowledged
        while broker.hlen("unacked") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert broker.llen("celery") == 0 and broker.hlen("unacked") == 0, log.read_text()[-3000:]
    finally:
        stop_worker(process)
    assert "Connected to redis://" in log.read_text()
    broker.close()
