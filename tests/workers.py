"""Real Celery workers for the tests that are about tasks (marker ``worker``).

The suite runs Celery eagerly; a test about a task instead points this process at a real broker
(:func:`publishing_to`, or the ``real_broker`` fixture: kombu's SQLAlchemy transport on the test
PostgreSQL) and starts ``celery -A config worker`` as a subprocess against the test database
(:func:`start_worker`, or the ``worker`` fixture). The fixtures are registered in
``tests/conftest.py``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from bench.web.server import database_url
from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 60


def child_database_url() -> str:
    """The test database as a ``DATABASE_URL`` for a child process (its name is known only here)."""
    return database_url(connection.settings_dict)


def forget_broker_connections() -> None:
    """Drop the app's cached broker connections and producers (made for another broker), and
    kombu's global pools (keyed by broker URL: a second test on the same broker would get the
    pool the first one closed)."""
    from kombu import pools

    if celery_app._pool is not None:
        celery_app.pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()


@contextmanager
def publishing_to(broker_url: str, transport_options: dict | None = None):
    """This process sends its tasks to ``broker_url`` (not eagerly), as a web process does;
    the eager test configuration comes back afterwards."""
    keys = ("broker_url", "broker_transport_options", "task_always_eager")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=broker_url, broker_transport_options=transport_options or {},
                           task_always_eager=False)
    forget_broker_connections()
    try:
        yield celery_app
    finally:
        celery_app.conf.update(**saved)
        forget_broker_connections()


def start_worker(broker_url: str, log: Path, *, settings_module: str = "config.django.test",
                 **extra_env: str) -> subprocess.Popen:
    """``celery -A config worker`` (solo pool) as a subprocess in a session of its own (so a
    signal to its group reaches every process of it), on ``broker_url`` and the test database;
    returns once the worker says it is ready. Waiting matters: kombu's SQLAlchemy transport
    creates its tables and queue rows on first use without a lock across processes, so
    publishing while the worker declares its queues can fail on a unique constraint."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": child_database_url(),
        "CELERY_BROKER_URL": broker_url,
        **extra_env,
    }
    celery = Path(sys.executable).with_name("celery")
    start = log.stat().st_size if log.exists() else 0
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(celery), "-A", "config", "worker", "--pool", "solo", "--loglevel", "info",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + READY_TIMEOUT
    while b" ready." not in log.read_bytes()[start:]:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the worker did not start; its log:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    return process


def stop_worker(process: subprocess.Popen, timeout: float = 30) -> None:
    """A warm shutdown (TERM), then KILL if it does not end in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def real_broker():
    """kombu's SQLAlchemy transport on the test PostgreSQL, which this process publishes to."""
    broker = "sqla+postgresql+psycopg://" + child_database_url().removeprefix("postgres://")
    with publishing_to(broker):
        yield broker
    # kombu caches one SQLAlchemy engine per broker URL; its idle connection would keep the
    # test database from being dropped.
    from kombu.transport.sqlalchemy import Channel

    for engine, _session in Channel._engines.values():
        engine.dispose()
    Channel._engines.clear()


@pytest.fixture
def worker(real_broker, settings, tmp_path):
    """A real worker on ``real_broker`` with the test's media folder; yields its log file."""
    log = tmp_path / "worker.log"
    process = start_worker(real_broker, log, MEDIA_ROOT=str(settings.MEDIA_ROOT))
    yield log
    stop_worker(process)
