"""Crash recovery of export runs (issue 11 item 5): a run's folder appears only complete (its
files and manifest are written in a hidden staging folder renamed at the end), so a worker killed
between two file renames leaves nothing that looks complete; its lease runs out and the reaper
removes the half-written folder and runs it again, or fails it with the reason."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from exports.models import ExportRun
from exports.services import export_run, export_run_queue, export_runs_recover
from exports.tasks import export_runs_recover_task
from exports.writers import FileSink
from promo.models import Promo, PromoEvent
from tests.exports.conftest import NIGHT, approved_promo
from tests.factories import BranchFactory, ProductFactory, SupplierFactory
from tests.workers import child_database_url

ROOT = Path(__file__).resolve().parents[2]

# Run in a child process: export the queued run, and kill the process (SIGKILL: no cleanup, no
# exception handler) right after the first file got its final name and before the second.
KILL_BETWEEN_RENAMES = """
import os, signal, sys
import django
django.setup()
from exports.models import ExportRun
from exports.services import export_run
from exports.writers import FileSink

commit = FileSink.commit

def commit_then_die(self):
    commit(self)
    os.kill(os.getpid(), signal.SIGKILL)

FileSink.commit = commit_then_die
export_run(run=ExportRun.objects.get(pk=int(sys.argv[1])))
"""


def some_promos():
    branches = [BranchFactory() for _ in range(2)]
    products = [ProductFactory(supplier=SupplierFactory()) for _ in range(3)]
    approved_promo(products=products[:2], targeting={"branches": [b.pk for b in branches]})
    approved_promo(products=products, targeting={"chain": True}, mechanic=Promo.Mechanic.N_PLUS_M)


def visible(root: Path) -> list[Path]:
    """Everything a reader of the export root sees: entries whose names do not start with «.»."""
    return sorted(path for path in root.rglob("*")
                  if not any(part.startswith(".") for part in path.relative_to(root).parts))


def later(seconds: int):
    return timezone.now() + timedelta(seconds=seconds)


@pytest.mark.django_db(transaction=True)
def test_an_export_killed_between_two_file_renames_leaves_nothing_that_looks_complete(
        demo_data, export_root, client_for, django_capture_on_commit_callbacks):
    # given: approved promos and a queued run of the night (committed: the child process sees them)
    some_promos()
    run = export_run_queue(business_date=NIGHT)

    # when: its worker process is killed after renaming its first file, before the second
    child = subprocess.run(
        [sys.executable, "-c", KILL_BETWEEN_RENAMES, str(run.pk)], cwd=ROOT, capture_output=True, timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.django.test", "DATABASE_URL": child_database_url(),
             "EXPORT_ROOT": str(export_root)},
    )
    assert child.returncode == -9, child.stderr.decode()[-3000:]

    # then: the first file did get its final name, but only inside the hidden staging folder;
    # no run folder, no file and no manifest is visible in the export root
    run.refresh_from_db()
    assert run.status == ExportRun.Status.RUNNING and run.attempt == 1
    staging = export_root / f".{run.name}.1.part"
    renamed = [path.name for path in staging.iterdir() if not path.name.startswith(".")]
    assert len(renamed) == 1 and run.name in renamed[0]
    assert visible(export_root) == []
    assert not (export_root / run.name).exists()
    # and nothing of the run can be downloaded
    assert client_for("marketer").get(f"/exports/{run.pk}/manifest.json").status_code == 404

    # when: its lease has run out, the reaper removes the staging folder and runs it again
    with django_capture_on_commit_callbacks(execute=True):
        assert export_runs_recover().restarted == []  # the lease still runs
        report = export_runs_recover(now=later(settings.EXPORT_RUN_LEASE_SECONDS + 1))
    assert report.restarted == [run.pk]

    # then: the run is complete, under its final name, once
    run.refresh_from_db()
    assert (run.status, run.restarts, run.attempt) == (ExportRun.Status.SUCCEEDED, 1, 2)
    manifest = json.loads((export_root / run.name / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(entry["name"] for entry in manifest["files"]) == sorted(run.files.values_list("name", flat=True))
    assert [path.name for path in export_root.iterdir()] == [run.name]  # no staging folder left


@pytest.mark.django_db
def test_a_fault_between_two_renames_fails_the_run_and_leaves_nothing_visible(export_root, monkeypatch):
    some_promos()
    commit = FileSink.commit
    calls = []

    def commit_then_fail(self):
        commit(self)
        calls.append(self.name)
        if len(calls) == 1:
            raise OSError(errno.EIO, "диск отключён")

    monkeypatch.setattr(FileSink, "commit", commit_then_fail)

    run = export_run(business_date=NIGHT)

    assert run.status == ExportRun.Status.FAILED and "не удалось записать в папку выгрузок (EIO)" in run.error
    assert "диск отключён" not in run.error
    assert len(calls) == 1
    assert not export_root.exists() or list(export_root.iterdir()) == []
    assert run.files.count() == 0


@pytest.mark.django_db
def test_a_run_whose_worker_died_twice_fails_with_the_reason_and_the_marketers_hear(export_root):
    # given: a run taken by a worker that died, already restarted as often as allowed
    run = export_run_queue(business_date=NIGHT)
    ExportRun.objects.filter(pk=run.pk).update(status=ExportRun.Status.RUNNING, attempt=2, started_at=timezone.now(),
                                               lease_until=timezone.now(), restarts=settings.EXPORT_RUN_MAX_RESTARTS)
    leftover = export_root / f".{run.name}.2.part"
    leftover.mkdir(parents=True)
    (leftover / "sap_cond_a04.xml").write_text("half")

    report = export_runs_recover(now=later(1))

    assert report.failed == [run.pk]
    run.refresh_from_db()
    assert run.status == ExportRun.Status.FAILED and "обработчик остановился" in run.error
    assert not leftover.exists()
    assert PromoEvent.objects.filter(kind=PromoEvent.Kind.EXPORT_FAILED, payload__run_id=run.pk).exists()


@pytest.mark.django_db
def test_a_dead_run_with_a_later_run_of_its_date_is_failed_not_restarted(export_root):
    dead = export_run_queue(business_date=NIGHT)
    ExportRun.objects.filter(pk=dead.pk).update(status=ExportRun.Status.RUNNING, attempt=1,
                                                started_at=timezone.now(), lease_until=timezone.now())
    newer = export_run(business_date=NIGHT)  # (made after the dead one: it fails it first)

    dead.refresh_from_db()
    assert newer.status == ExportRun.Status.SUCCEEDED
    assert dead.status == ExportRun.Status.FAILED and "прервана" in dead.error


@pytest.mark.django_db
def test_a_worker_that_lost_its_run_writes_nothing(export_root, monkeypatch):
    # given: while this worker writes, its lease runs out and the run goes to another worker
    run = export_run_queue(business_date=NIGHT)
    close = FileSink.close

    def close_and_lose(self):
        close(self)
        ExportRun.objects.filter(pk=run.pk).update(attempt=99)

    monkeypatch.setattr(FileSink, "close", close_and_lose)

    result = export_run(run=run)

    # then it stops: no file, no record, the run left to the other worker
    assert result.status == ExportRun.Status.RUNNING and result.files.count() == 0
    assert visible(export_root) == [] and not any(export_root.iterdir())


@pytest.mark.django_db
def test_a_queued_run_no_worker_took_fails_after_the_timeout(export_root):
    run = export_run_queue(business_date=NIGHT)

    assert export_runs_recover(now=later(60)).failed == []
    report = export_runs_recover(now=later(settings.EXPORT_RUN_TIMEOUT_MINUTES * 60 + 1))

    assert report.failed == [run.pk]
    run.refresh_from_db()
    assert run.status == ExportRun.Status.FAILED and "не была взята в работу" in run.error


@pytest.mark.django_db
def test_the_export_reaper_runs_from_beat_on_the_short_queue():
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["exports-recover"]
    assert entry["task"] == export_runs_recover_task.name and entry["schedule"] <= 60
    assert app.amqp.router.route({}, entry["task"])["queue"].name == "celery"
    assert export_runs_recover_task() == {"restarted": [], "failed": []}


@pytest.mark.django_db
def test_the_run_page_says_the_run_was_restarted(export_root, client_for):
    run = export_run(business_date=NIGHT)
    ExportRun.objects.filter(pk=run.pk).update(restarts=1)

    html = client_for("marketer").get(f"/exports/{run.pk}/").content.decode()

    assert "Выгрузка прерывалась" in html and "перезапусков: 1" in html
