"""The import progress bar covers the saving step: while the lines go into the database (one
transaction), another connection sees the upload's saved lines grow and the bar move past the
reading share, below 100 % until the upload is imported."""

from __future__ import annotations

import threading

import pytest

from promo.models import PromoUpload
from promo.services.imports import progress
from promo.services.imports.uploads import upload_create, upload_process
from suppliers.models import Product
from tests.promo.imports import sheets


def seen_from_another_connection(upload_id: int) -> tuple[int, int, int, str]:
    """The upload as another request would read it now (its own thread, its own connection)."""
    found = {}

    def read() -> None:
        from django.db import connections

        try:
            row = PromoUpload.objects.with_saving().get(pk=upload_id)
            found["row"] = (row.save_done, row.save_total, row.progress_percent, row.status)
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(30)
    return found["row"]


def test_another_connection_sees_the_saving_progress(demo_data, demo_user, monkeypatch):
    # given a sheet of 40 lines in 4 promos, stored by s001
    products = list(Product.objects.filter(supplier__code="S001").order_by("article")[:40])
    rows = [sheets.line(product, **{"Название акции": f"Акция {index % 4}"}) for index, product in enumerate(products)]
    upload = upload_create(actor=demo_user("s001"), file=sheets.uploaded(rows), original_name="big.xlsx")
    observed = []
    advance = progress.SaveProgress.advance

    def watched(self, lines: int) -> None:
        advance(self, lines)
        observed.append(seen_from_another_connection(upload.pk))

    monkeypatch.setattr(progress.SaveProgress, "advance", watched)

    # when it is processed (as the worker processes a large one)
    result = upload_process(upload=upload)

    # then, during the saving transaction, another connection saw the lines saved grow to all
    # of them, the bar between the reading share and 100 %, the upload still processing
    assert result.ok
    assert observed, "the save step reported no progress"
    done = [row[0] for row in observed]
    assert done == sorted(done) and done[-1] == 40
    assert {row[1] for row in observed} == {40}
    assert all(PromoUpload.READ_SHARE < row[2] < 100 for row in observed)
    assert {row[3] for row in observed} == {PromoUpload.Status.PROCESSING}
    # and once imported it is full
    upload.refresh_from_db()
    assert (upload.status, upload.progress_percent) == (PromoUpload.Status.IMPORTED, 100)


@pytest.mark.django_db
def test_inside_an_outer_transaction_the_saving_step_stays_quiet(demo_user, monkeypatch):
    # given an upload made inside a transaction (a dry run, a test): no other connection sees it
    products = list(Product.objects.filter(supplier__code="S001").order_by("article")[:3])
    upload = upload_create(actor=demo_user("s001"), file=sheets.uploaded([sheets.line(p) for p in products]),
                           original_name="small.xlsx")
    threads = []
    monkeypatch.setattr(progress, "_write_apart", lambda *args: threads.append(args))
    # when it is processed, then no write on a second connection is tried
    assert upload_process(upload=upload).ok
    assert threads == []


@pytest.mark.django_db
def test_a_save_step_of_many_small_steps_writes_its_progress_a_bounded_number_of_times(monkeypatch):
    # given the saving progress of 1,000 lines, live (each write opens a connection)
    upload = PromoUpload(pk=1, attempt=1)
    written = []
    monkeypatch.setattr(progress, "_write_apart", lambda upload_id, attempt, fields: written.append(fields["done"]))
    saving = progress.SaveProgress(upload, total=1000, live=True)

    # when it starts and advances one line at a time (a corrected sheet revising 1,000 promos)
    saving.start()
    for _line in range(1000):
        saving.advance(1)

    # then it was written at the start, every 5 % and at the end, in order, and the upload
    # object always holds the exact count
    assert written[0] == 0 and written[-1] == 1000
    assert written == sorted(written) and len(written) <= 22
    assert (upload.saving_done, upload.saving_total) == (1000, 1000)
