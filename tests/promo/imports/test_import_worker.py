"""A large upload processed by a REAL Celery worker (a subprocess) through a real broker
(kombu's SQLAlchemy transport on the test PostgreSQL): the upload goes from queued with 0
rows done to imported with every row done, and the progress another connection reads only
grows on the way. And a worker killed with SIGKILL in the middle of an import: the upload is
left «processing» until the reaper sees its lease run out and queues it again, and the next
worker imports it whole."""

from __future__ import annotations

import os
import signal
import time
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

from promo.models import Promo, PromoUpload
from promo.services.imports.uploads import upload_submit
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line
from tests.workers import start_worker, stop_worker

ROWS = 2500  # above PROMO_UPLOAD_ASYNC_ROWS (2,000): the upload is queued for the worker
TIMEOUT = 180


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


KILL_ROWS = 10_000  # two promos of 5,000 lines: validation takes long enough to be caught at it
LEASE = 3  # seconds: the killed worker's lease runs out quickly


def upload_state(pk: int) -> tuple:
    return tuple(PromoUpload.objects.filter(pk=pk).values_list("status", "rows_done", "rows_total", "lease_until")[0])


def wait_until(predicate, what: str, log: Path, seconds: float = TIMEOUT):
    deadline = time.monotonic() + seconds
    while not (found := predicate()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not reached in {seconds} s; worker log:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)
    return found


@pytest.mark.worker
def test_a_worker_killed_mid_import_is_recovered_by_the_reaper(demo_data, demo_user, real_broker, settings,
                                                               tmp_path):
    from promo.services.imports.recovery import uploads_recover

    # given: a worker whose leases last LEASE seconds, and a bulk sheet of 10,000 lines
    log = tmp_path / "worker.log"
    first = start_worker(real_broker, log, MEDIA_ROOT=str(settings.MEDIA_ROOT), PROMO_UPLOAD_LEASE_SECONDS=str(LEASE))
    try:
        items = list(Product.objects.select_related("supplier").order_by("article")[:KILL_ROWS // 2])
        rows = [{"Поставщик": p.supplier.code, **line(p, **{"Название акции": name})}
                for name in ("Первая", "Вторая") for p in items]
        file = sheets.uploaded(rows, header=sheets.BULK_HEADER, name="bulk_10000.xlsx")
        upload, result = upload_submit(actor=demo_user("marketer"), file=file, original_name=file.name,
                                       today=date(2026, 11, 23))
        assert result is None

        # when: the worker is killed (SIGKILL, its whole process group) while it is at the rows
        wait_until(lambda: upload_state(upload.pk)[0] == PromoUpload.Status.PROCESSING
                   and 0 < upload_state(upload.pk)[1] < KILL_ROWS, "processing, some rows done", log)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=20)
    finally:
        stop_worker(first)
    status, done, total, _lease = upload_state(upload.pk)

    # then: the upload is left «processing» part way, nothing of it saved
    assert status == PromoUpload.Status.PROCESSING and 0 < done < KILL_ROWS, log.read_text()[-3000:]
    assert not upload.promos.exists()

    # and once its lease has run out, the reaper queues it again (before, it leaves it alone)
    assert uploads_recover().restarted == []
    wait_until(lambda: upload_state(upload.pk)[3] < timezone.now(), "the lease running out", log,
               seconds=LEASE + 30)
    assert uploads_recover().restarted == [upload.pk]
    assert upload_state(upload.pk)[0] == PromoUpload.Status.QUEUED

    # and the next worker imports it whole, once
    second = start_worker(real_broker, log, MEDIA_ROOT=str(settings.MEDIA_ROOT))
    try:
        wait_until(lambda: upload_state(upload.pk)[0] not in PromoUpload.Status.working(), "the end", log)
    finally:
        stop_worker(second)
    upload.refresh_from_db()
    assert upload.status == PromoUpload.Status.IMPORTED, (upload.failure, log.read_text()[-3000:])
    assert (upload.restarts, upload.rows_done, upload.summary["lines"]) == (1, KILL_ROWS, KILL_ROWS)
    assert upload.promos.count() == Promo.objects.count() == upload.summary["promos"]
