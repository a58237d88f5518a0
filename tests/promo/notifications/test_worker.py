"""The outbox with real moving parts: a Celery worker consuming a real (filesystem) broker sends
the mail after the commit, and two workers claiming at once never take the same message.
Transactional tests: the data is committed, so other threads and connections see it."""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection, transaction

from config.celery import app
from promo.models import OutboxMessage, PromoEvent
from promo.notifications.outbox import outbox_claim
from promo.services.events import event_record

Kind = PromoEvent.Kind


def wait_for(predicate, *, seconds: float = 30) -> bool:
    """Poll until ``predicate()`` holds (a worker works at its own pace)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.fixture
def filesystem_broker(tmp_path):
    """Celery as in production, not eager: tasks go through a filesystem broker in tmp_path."""
    queue, processed = tmp_path / "queue", tmp_path / "processed"
    queue.mkdir()
    processed.mkdir()
    saved = {key: app.conf[key] for key in ("broker_url", "broker_transport_options", "task_always_eager")}
    app.conf.update(
        broker_url="filesystem://", task_always_eager=False,
        broker_transport_options={"data_folder_in": str(queue), "data_folder_out": str(queue),
                                  "processed_folder": str(processed),
                                  "control_folder": str(tmp_path / "control")},
    )
    _reset_producer_pool()
    yield app
    app.conf.update(saved)
    _reset_producer_pool()


def _reset_producer_pool() -> None:
    # The app caches its broker connection pool and producer pool, built for the broker it
    # saw first: forget them (as Celery does after a fork) so the next task uses this one.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.worker
@pytest.mark.smtp
def test_a_real_worker_sends_the_outbox_after_the_commit(demo_data, world, smtp_server, filesystem_broker):
    # given a mail server and a worker consuming the broker
    mailbox = smtp_server()
    with start_worker(filesystem_broker, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        # when a change commits
        with transaction.atomic():
            event = event_record(kind=Kind.PROMO_SUBMITTED, actor=world.author, promo=world.promo)
        queued = OutboxMessage.objects.filter(event=event)
        expected = sorted(queued.values_list("to_address", flat=True))

        # then the worker delivers every message, each once, and marks it sent
        assert wait_for(lambda: not queued.exclude(status=OutboxMessage.Status.SENT).exists())
    assert sorted(rcpt for envelope in mailbox.envelopes for rcpt in envelope.rcpt_tos) == expected


@pytest.mark.django_db(transaction=True)
def test_a_worker_skips_the_messages_another_worker_is_claiming(demo_data, world, monkeypatch):
    # given queued messages (no worker runs: nothing sends them after the commit)
    monkeypatch.setattr("promo.notifications.outbox._send_queued", lambda: None)
    event_record(kind=Kind.PROMO_SUBMITTED, actor=world.author, promo=world.promo)
    total = OutboxMessage.objects.count()
    held, release = threading.Event(), threading.Event()
    first_worker: list[int] = []

    def claim_slowly() -> None:
        # the first worker locks two rows and is still inside its claim
        try:
            with transaction.atomic():
                rows = list(OutboxMessage.objects.select_for_update().order_by("pk")[:2])
                first_worker.extend(row.pk for row in rows)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=claim_slowly)
    thread.start()
    try:
        assert held.wait(10)
        # when a second worker claims meanwhile, it neither waits nor takes the locked rows
        second_worker = [row.pk for row in outbox_claim(limit=100)]
    finally:
        release.set()
        thread.join()

    assert len(second_worker) == total - 2
    assert not set(second_worker) & set(first_worker)
