"""A slow worker whose run was taken over (its lease ran out, the reaper queued the run again
and another worker took it) and that then fails before its next heartbeat (the disk fills up:
two workers now write the same night): it stops without a word, and the run stays the other
worker's. It must not fail the run the other worker is doing, nor tell the marketers it failed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from exports.models import ExportRun
from exports.recovery import run_claim
from exports.services import export_run, export_run_queue, export_runs_recover
from exports.writers import FileSink
from promo.models import PromoEvent
from tests.exports.conftest import NIGHT
from tests.exports.test_recovery import later, some_promos


@pytest.mark.django_db
def test_a_worker_that_lost_its_run_and_then_fails_leaves_the_run_to_the_other_worker(export_root, monkeypatch):
    # given a run whose worker, after its first file, is found silent by the reaper (lease
    # run out): the reaper removes the staging folder and queues it again, and a second
    # worker takes it
    some_promos()
    run = export_run_queue(business_date=NIGHT)
    close = FileSink.close
    taken = []

    def close_then_lose_the_run(self):
        close(self)
        if not taken:
            ExportRun.objects.filter(pk=run.pk).update(lease_until=timezone.now())
            assert export_runs_recover(now=later(1)).restarted == [run.pk]
            other = ExportRun.objects.get(pk=run.pk)
            taken.append(run_claim(other))
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSink, "close", close_then_lose_the_run)

    # when the first worker's disk fills up right then
    result = export_run(run=run)

    # then it stops: the run is still running, as the second worker's (attempt 2), with no
    # error and no «export failed» event for the marketers
    assert taken == [True]
    run.refresh_from_db()
    assert (run.status, run.attempt, run.error) == (ExportRun.Status.RUNNING, 2, "")
    assert result.status == ExportRun.Status.RUNNING
    assert not PromoEvent.objects.filter(kind=PromoEvent.Kind.EXPORT_FAILED).exists()
