"""An upload saving while other people change the same promos, each in a thread with its own
PostgreSQL connection: the save step takes its row locks in the order every other batch of the
portal takes them (primary key, ascending), so it waits for them and never deadlocks with them."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from promo.models import Promo, PromoUpload
from promo.services.imports.uploads import upload_submit
from tests.concurrency import Worker, run_against_mass_correction
from tests.factories import PromoFactory, PromoLineFactory
from tests.promo.imports import sheets
from tests.promo.imports.sheets import END, START, line
from tests.promo.imports.test_import_service import TODAY, products

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_corrected_upload_and_a_mass_correction_on_the_same_promos_both_go_through(demo_data, demo_user):
    # given two submitted promos of S001 in the same fortnight, «Акция А» (the older) and
    # «Акция Б», and a manager's decision on «Акция А» in progress (its row locked)
    s001, marketer = demo_user("s001"), demo_user("marketer")
    a1, a2, b1, b2 = products("S001", 4)
    older = PromoFactory(supplier=a1.supplier, name="Акция А", start=START, end=END, status=Promo.Status.SUBMITTED)
    newer = PromoFactory(supplier=a1.supplier, name="Акция Б", start=START, end=END, status=Promo.Status.SUBMITTED)
    lines = [PromoLineFactory(promo=older, product=a1), PromoLineFactory(promo=older, product=a2),
             PromoLineFactory(promo=newer, product=b1), PromoLineFactory(promo=newer, product=b2)]
    assert older.pk < newer.pk
    revision = newer.revision

    # when a marketer's mass correction of all four lines waits for «Акция А», and the supplier's
    # corrected sheet of «Акция Б» is saved meanwhile (it waits too), until the decision ends
    content = sheets.workbook_bytes([line(b1, **{"Название акции": "Акция Б", "Скидка, %": 25}),
                                     line(b2, **{"Название акции": "Акция Б", "Скидка, %": 25})])
    mass, upload = run_against_mass_correction(older, lines, marketer, lambda: upload_submit(
        actor=s001, file=SimpleUploadedFile("b.xlsx", content), original_name="b.xlsx", today=TODAY))

    # then neither was refused by a deadlock: the mass correction and the upload both went
    # through, one after the other
    assert mass.error is None, repr(mass.error)
    assert upload.error is None, repr(upload.error)
    stored, result = upload.result
    assert result.ok, result.errors
    stored.refresh_from_db()
    assert stored.status == PromoUpload.Status.IMPORTED
    assert result.revisions == [{"promo": newer.code, "added": 0, "removed": 0, "changed": 2}]
    older.refresh_from_db()
    newer.refresh_from_db()
    assert set(older.lines.values_list("discount_percent", flat=True)) == {Decimal("20.00")}
    assert newer.revision == revision + 2  # one revision each, whichever went first


def test_two_sheets_of_the_same_new_promo_saved_at_once_make_one_promo(demo_data, demo_user, monkeypatch):
    """One after the other, the second sheet of a promo is its next revision. At once (a large
    file in the worker while its corrected copy goes through the page, two colleagues of one
    supplier), both found no such promo when they were checked: the save step must look again
    once the other has saved, or the supplier has the promo twice."""
    from promo.services.imports import uploads

    # given two different sheets of the same new promo «Весна» of S001: the second adds a line
    s001 = demo_user("s001")
    a, b, c = products("S001", 3)
    first = sheets.workbook_bytes([line(p, **{"Название акции": "Весна"}) for p in (a, b)])
    second = sheets.workbook_bytes([line(p, **{"Название акции": "Весна"}) for p in (a, b, c)])
    # and both are checked before either is saved
    both_checked = threading.Barrier(2)
    save = uploads.upload_save

    def save_when_both_are_checked(**kwargs):
        both_checked.wait(60)
        return save(**kwargs)

    monkeypatch.setattr(uploads, "upload_save", save_when_both_are_checked)

    # when both are uploaded at the same moment
    workers = [Worker(lambda content=content, name=name: upload_submit(
        actor=s001, file=SimpleUploadedFile(name, content), original_name=name, today=TODAY))
        for content, name in ((first, "a.xlsx"), (second, "b.xlsx"))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)

    # then S001 has one «Весна»: the sheet saved second is its next revision (or, when it would
    # remove the added line, waits for a confirmation), never a second promo
    assert [worker.error for worker in workers] == [None, None]
    promos = Promo.objects.filter(supplier=a.supplier, name="Весна")
    assert promos.count() == 1
    statuses = sorted(PromoUpload.objects.get(pk=worker.result[0].pk).status for worker in workers)
    assert statuses in (["imported", "imported"], ["awaiting_confirmation", "imported"])
    if statuses == ["imported", "imported"]:
        assert promos.get().revision == 2 and promos.get().lines.count() == 3
