"""Two batches at once on real PostgreSQL, each in a thread with its own connection: a worker
thread that keeps its backend pid, result and error, a wait until a backend waits for a row
lock, and the scene the lock-order tests share (a decision holds a promo, a mass correction
waits for it, then the batch under test waits too)."""

from __future__ import annotations

import threading
from decimal import Decimal

from django.db import connection, transaction

from promo.models import Promo
from promo.services.mass_corrections import mass_correction_apply
from tests.promo.imports.test_import_service import TODAY


def backend_pid() -> int:
    connection.ensure_connection()
    return connection.connection.info.backend_pid


def wait_until_blocked(pid: int) -> None:
    """Wait (on the test's own connection, a fresh snapshot each query) until the backend
    ``pid`` waits for a row lock. Not a timed assertion: the outcome is checked afterwards."""
    blocked = threading.Event()
    for _ in range(600):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'", [pid])
            if cursor.fetchone():
                return
        blocked.wait(0.05)
    raise AssertionError(f"backend {pid} never waited for a lock")


class Worker(threading.Thread):
    """Runs ``action`` on a connection of its own; keeps its backend pid, result and error."""

    def __init__(self, action):
        super().__init__(daemon=True)
        self.action = action
        self.pid: int | None = None
        self.started_work = threading.Event()
        self.result = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.pid = backend_pid()
            self.started_work.set()
            self.result = self.action()
        except BaseException as error:  # noqa: BLE001 - the test reads it
            self.error = error
        finally:
            self.started_work.set()
            connection.close()


def run_against_mass_correction(older: Promo, lines, marketer, daily_run):
    """A manager's decision on ``older`` holds its row; a marketer's mass correction of
    ``lines`` waits for it; then ``daily_run`` (another batch: an upload, the daily runs) starts
    and waits too; then the decision ends. Returns the mass correction's and the batch's
    workers once both ended."""
    held, release = threading.Event(), threading.Event()

    def deciding():
        with transaction.atomic():
            list(Promo.objects.select_for_update().filter(pk=older.pk))
            held.set()
            release.wait(60)

    decision = Worker(deciding)
    decision.start()
    assert held.wait(30)
    mass = Worker(lambda: mass_correction_apply(actor=marketer, line_ids=[x.pk for x in lines],
                                                reason="Единая скидка", discount_percent=Decimal("20"),
                                                today=TODAY))
    mass.start()
    mass.started_work.wait(30)
    wait_until_blocked(mass.pid)
    run = Worker(daily_run)
    run.start()
    run.started_work.wait(30)
    wait_until_blocked(run.pid)
    release.set()
    for worker in (decision, mass, run):
        worker.join(120)
    assert decision.error is None
    return mass, run
