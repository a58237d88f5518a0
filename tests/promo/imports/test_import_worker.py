"""A large upload processed by a REAL Celery worker (a subprocess) through a real broker
(kombu's SQLAlchemy transport on the test PostgreSQL): the upload goes from queued with 0
rows done to imported with every row done, and the progress another connection reads only
grows on the way."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from promo.models import PromoUpload
from promo.services.imports.uploads import upload_submit
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

ROOT = Path(__file__).resolve().parents[3]
ROWS = 2500  # above PROMO_UPLOAD_ASYNC_ROWS (2,000): the upload is queued for the worker
TIMEOUT = 180


def database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def forget_connections() -> None:
    """Drop the app's cached broker connections and producers (made for the other broker)."""
    if celery_app._pool is not None:
        celery_app.pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def real_broker():
    """Point the producer (this process) at the broker the worker reads, with eager mode off,
    and restore the eager test configuration afterwards."""
    broker = f"sqla+postgresql+psycopg://{database_url()}"
    saved = {key: celery_app.conf[key] for key in ("broker_url", "broker_transport_options", "task_always_eager")}
    celery_app.conf.update(broker_url=broker, broker_transport_options={}, task_always_eager=False)
    forget_connections()
    yield broker
    celery_app.conf.update(**saved)
    forget_connections()
    # kombu caches one SQLAlchemy engine per broker URL; its idle connection would keep the
    # test database from being dropped.
    from kombu.transport.sqlalchemy import Channel

    for engine, _session in Channel._engines.values():
        engine.dispose()
    Channel._engines.clear()


@pytest.fixture
def worker(real_broker, settings, tmp_path):
    """``celery -A config worker`` as a subprocess against the test database and media."""
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.django.test",
        "DATABASE_URL": f"postgres://{database_url()}",
        "CELERY_BROKER_URL": real_broker,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    celery = Path(sys.executable).with_name("celery")
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(celery), "-A", "config", "worker", "--pool", "solo", "--loglevel", "info",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    # Wait until the worker has declared its queues: kombu's SQLAlchemy transport creates its
    # tables and queue rows on first use without a lock across processes, so publishing while
    # the worker declares can fail on a unique constraint.
    deadline = time.monotonic() + 60
    while b" ready." not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the worker did not start; its log:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    yield log
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.mark.worker
def test_a_real_worker_imports_a_large_upload_and_progress_goes_from_0_to_total(demo_data, demo_user, worker):
    # given: a marketer's bulk sheet of 2,500 lines (one per product, «Поставщик» filled)
    items = Product.objects.select_related("supplier").order_by("article")[:ROWS]
    rows = [{"Поставщик": p.supplier.code, **line(p)} for p in items]
    file = sheets.uploaded(rows, header=sheets.BULK_HEADER, name="bulk_2500.xlsx")

    # when: it is submitted (committed at once: this test runs outside a transaction)
    upload, result = upload_submit(actor=demo_user("marketer"), file=file, original_name=file.name)

    # then: queued, with no row done yet
    assert result is None
    seen = [tuple(PromoUpload.objects.filter(pk=upload.pk).values_list("status", "rows_done", "rows_total")[0])]
    assert seen[0][0] == PromoUpload.Status.QUEUED and seen[0][1] == 0

    # and the worker takes it to the end while this connection watches the progress
    deadline = time.monotonic() + TIMEOUT
    while seen[-1][0] not in (PromoUpload.Status.IMPORTED, PromoUpload.Status.REJECTED, PromoUpload.Status.FAILED):
        if time.monotonic() > deadline:
            pytest.fail(f"upload still {seen[-1]} after {TIMEOUT} s; worker log:\n{worker.read_text()[-3000:]}")
        time.sleep(0.05)
        state = tuple(PromoUpload.objects.filter(pk=upload.pk).values_list("status", "rows_done", "rows_total")[0])
        if state != seen[-1]:
            seen.append(state)

    status, done, total = seen[-1]
    assert status == PromoUpload.Status.IMPORTED, worker.read_text()[-3000:]
    assert done == total == ROWS
    progress = [rows_done for _status, rows_done, _total in seen]
    assert progress == sorted(progress)  # it only grows
    assert progress[0] == 0 and progress[-1] == ROWS
    # seen from this connection while the worker was still at it
    assert any(status == PromoUpload.Status.PROCESSING for status, _done, _total in seen)
    upload.refresh_from_db()
    assert upload.summary["lines"] == ROWS and upload.promos.count() == upload.summary["promos"] > 0
