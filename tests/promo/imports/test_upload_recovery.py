"""Crash recovery of uploads (issue 11 item 5): a process working on an upload renews its
lease; when it dies the reaper (beat) queues the upload again or fails it with the reason, the
upload page says what happened, and a process that lost its upload writes nothing. (The same
with a real worker killed by SIGKILL: test_import_worker.py.)"""

from datetime import date, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from promo.models import Promo, PromoUpload
from promo.services.imports import validation
from promo.services.imports.leases import upload_claim
from promo.services.imports.recovery import uploads_recover
from promo.services.imports.uploads import upload_create, upload_process
from promo.tasks.imports import uploads_recover_task
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


def products(count: int) -> list[Product]:
    return list(Product.objects.filter(supplier__code="S001").order_by("article")[:count])


def crashed(user, *, rows: int = 3) -> PromoUpload:
    """An upload a process took (processing, rows done, a lease) and then died on: nothing
    renews its lease any more."""
    upload = upload_create(actor=user, file=sheets.uploaded([line(p) for p in products(rows)]), original_name="p.xlsx")
    assert upload_claim(upload)
    PromoUpload.objects.filter(pk=upload.pk).update(rows_done=1, rows_total=rows)
    return upload


def after_lease(**extra):
    """The moment the dead process's lease has run out (plus ``extra``)."""
    return time_machine.travel(timezone.now() + timedelta(seconds=settings.PROMO_UPLOAD_LEASE_SECONDS + 1, **extra),
                               tick=False)


def test_an_upload_whose_process_died_is_queued_again_and_imported(demo_user, django_capture_on_commit_callbacks,
                                                                    client_for):
    upload = crashed(demo_user("s001"))

    # while its lease runs, the reaper leaves it alone (the process may still be working)
    assert uploads_recover().restarted == []

    # when the lease has run out, the reaper queues it again and the worker imports it
    with after_lease(), django_capture_on_commit_callbacks(execute=True):
        report = uploads_recover()

    assert report.restarted == [upload.pk]
    upload.refresh_from_db()
    assert (upload.status, upload.restarts, upload.attempt) == (PromoUpload.Status.IMPORTED, 1, 2)
    assert Promo.objects.filter(uploads=upload).get().lines.count() == 3
    # and its page says it was restarted
    html = client_for("s001").get(upload.get_absolute_url()).content.decode()
    assert "Обработка прерывалась" in html and "перезапусков: 1" in html


def test_an_upload_that_keeps_killing_its_worker_fails_with_the_reason(demo_user, client_for, monkeypatch):
    # given: the upload was restarted as often as allowed, and died again
    upload = crashed(demo_user("s001"))
    PromoUpload.objects.filter(pk=upload.pk).update(restarts=settings.PROMO_UPLOAD_MAX_RESTARTS)

    with after_lease():
        report = uploads_recover()

    assert report.failed == [upload.pk]
    upload.refresh_from_db()
    assert upload.status == PromoUpload.Status.FAILED and upload.lease_until is None
    assert "Обработчик файла остановился" in upload.failure
    assert not Promo.objects.filter(uploads=upload).exists()
    html = client_for("s001").get(upload.get_absolute_url()).content.decode()
    assert "Сбой" in html and "Обработчик файла остановился" in html


def test_a_queued_upload_no_worker_took_is_published_again_then_failed(demo_user, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    from promo.tasks.imports import upload_process_task

    published = []
    monkeypatch.setattr(upload_process_task, "delay", lambda *args: published.append(args))
    upload = upload_create(actor=demo_user("s001"), file=sheets.uploaded([line(products(1)[0])]),
                           original_name="p.xlsx")

    # a lost message: published again once the queue lease ran out
    lease = timedelta(seconds=settings.PROMO_UPLOAD_QUEUE_LEASE_SECONDS + 1)
    with time_machine.travel(timezone.now() + lease, tick=False), django_capture_on_commit_callbacks(execute=True):
        report = uploads_recover()
    assert report.republished == [upload.pk]
    assert published == [(upload.pk, upload.uploaded_by_id)]
    upload.refresh_from_db()
    assert upload.status == PromoUpload.Status.QUEUED
    # and after the queue timeout with still no worker, it fails with the reason
    timeout = timedelta(seconds=settings.PROMO_UPLOAD_QUEUE_TIMEOUT_SECONDS + 1)
    with time_machine.travel(timezone.now() + timeout, tick=False):
        assert uploads_recover().failed == [upload.pk]
    upload.refresh_from_db()
    assert upload.status == PromoUpload.Status.FAILED and "не был взят в обработку" in upload.failure


def test_a_process_that_lost_its_upload_writes_nothing(demo_user, monkeypatch):
    # given: while this process validates, its lease runs out and the reaper gives the upload to
    # another worker (which took it: the attempt moved on)
    upload = upload_create(actor=demo_user("s001"), file=sheets.uploaded([line(p) for p in products(3)]),
                           original_name="p.xlsx")
    run = validation.SheetValidator.run

    def slow_run(self, rows):
        result = run(self, rows)
        PromoUpload.objects.filter(pk=upload.pk).update(attempt=F("attempt") + 1)
        return result

    monkeypatch.setattr(validation.SheetValidator, "run", slow_run)

    # when this process goes on
    result = upload_process(upload=upload, today=TODAY)

    # then it stops without saving or marking anything: the other worker owns the upload
    assert result is None
    assert not Promo.objects.exists()
    assert PromoUpload.objects.get(pk=upload.pk).status == PromoUpload.Status.PROCESSING


def test_progress_renews_the_lease(demo_user):
    upload = upload_create(actor=demo_user("s001"), file=sheets.uploaded([line(p) for p in products(2)]),
                           original_name="p.xlsx")
    seen = []

    def watch(done, total):
        seen.append(PromoUpload.objects.values_list("lease_until", flat=True).get(pk=upload.pk))

    later = timezone.now() + timedelta(minutes=3)
    with time_machine.travel(later, tick=False):
        assert upload_process(upload=upload, today=TODAY, progress=watch).ok
    assert seen and all(lease == later + timedelta(seconds=settings.PROMO_UPLOAD_LEASE_SECONDS) for lease in seen)
    upload.refresh_from_db()
    assert upload.lease_until is None  # finished: nothing to watch


def test_the_reaper_runs_every_minute_from_beat(demo_user):
    entry = settings.CELERY_BEAT_SCHEDULE["uploads-recover"]
    assert entry["task"] == uploads_recover_task.name == "promo.uploads_recover"
    assert entry["schedule"] <= 60
    assert uploads_recover_task() == {"restarted": [], "republished": [], "failed": [], "expired": 0}


def test_the_upload_page_of_a_restarted_upload_in_progress_keeps_polling(client_for, demo_user):
    upload = crashed(demo_user("s001"))
    PromoUpload.objects.filter(pk=upload.pk).update(restarts=1, status=PromoUpload.Status.QUEUED)

    html = client_for("s001").get(reverse("promo:upload_progress", args=[upload.pk])).content.decode()

    assert "hx-trigger" in html and "перезапусков: 1" in html
