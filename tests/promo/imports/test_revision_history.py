"""What a supplier reads in a promo's history after a corrected re-upload: every line the
revision added, removed or changed, however soon after the first upload it came, worded in
the reader's language."""

from datetime import date

import pytest
import time_machine
from django.utils import translation

from promo.models import PromoEvent
from promo.selectors import promo_history
from promo.services.imports.confirmation import upload_confirm
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def submit(user, rows, name):
    return sheets.submit(user, rows, name, today=TODAY)


def revision_rows(promo, user) -> list[tuple[str, str, str]]:
    [entry] = [e for e in promo_history(promo=promo, user=user) if e["kind"] == PromoEvent.Kind.REVISION_CREATED]
    return [(change.title, change.old, change.new) for change in entry["changes"]]


def test_a_corrected_sheet_uploaded_seconds_after_the_first_shows_its_added_line(demo_user):
    # given: a promo of three lines, uploaded by s001
    s001 = demo_user("s001")
    items = list(Product.objects.filter(supplier__code="S001").order_by("article")[:4])
    with time_machine.travel("2026-11-23 10:00:00 +07:00", tick=False):
        first, result = submit(s001, [line(p) for p in items[:3]], "first.xlsx")
    assert result.ok
    promo = first.promos.get()

    # when: five seconds later the corrected sheet drops the third line, adds a fourth and
    # changes the first one's discount (it waits for a confirmation: it removes a line)
    with time_machine.travel("2026-11-23 10:00:05 +07:00", tick=False):
        corrected, result = submit(s001, [line(items[0], **{"Скидка, %": 35}), line(items[1]), line(items[3])],
                                   "corrected.xlsx")
        assert result.needs_confirmation
        upload_confirm(upload=corrected, actor=s001, fingerprint=corrected.preview["fingerprint"])

    # then: the revision's history entry lists all three changes, the added line too
    rows = revision_rows(promo, s001)
    assert (f"{items[0].article} · скидка, %", "15", "35") in rows
    assert (items[2].article, "строка удалена", "—") in rows
    assert (items[3].article, "—", "строка добавлена") in rows
    # and the lines of the first upload are not shown as added to it
    assert not any(title in (items[0].article, items[1].article) for title, _old, _new in rows)


def test_a_corrected_uploads_revision_is_worded_in_the_readers_language(demo_user):
    # given: a promo revised by a corrected sheet uploaded by a supplier reading Russian
    s001 = demo_user("s001")
    items = list(Product.objects.filter(supplier__code="S001").order_by("article")[:2])
    first, _result = submit(s001, [line(p) for p in items], "first.xlsx")
    corrected, result = submit(s001, [line(items[0], **{"Скидка, %": 35}), line(items[1])], "corrected.xlsx")
    assert result.ok and result.revisions
    promo = first.promos.get()

    def reason(language):
        with translation.override(language):
            [entry] = [e for e in promo_history(promo=promo, user=s001) if e["kind"] == PromoEvent.Kind.REVISION_CREATED]
            return entry["reason"]

    # then: each reader reads why the revision came, in their own language
    assert reason("ru") == f"Исправленная загрузка № {corrected.pk}"
    assert reason("en") == f"Corrected upload No. {corrected.pk}"


def test_each_upload_in_a_promos_history_says_which_file_it_was_and_what_it_did_to_the_promo(demo_user):
    # given: a promo uploaded, corrected by a second sheet, then sent again unchanged
    s001 = demo_user("s001")
    items = list(Product.objects.filter(supplier__code="S001").order_by("article")[:2])
    first, _result = submit(s001, [line(p) for p in items], "first.xlsx")
    corrected, result = submit(s001, [line(items[0], **{"Скидка, %": 35}), line(items[1])], "corrected.xlsx")
    assert result.ok and result.revisions
    # (the same lines in another order: another file, not a duplicate of the second)
    again, result = submit(s001, [line(items[1]), line(items[0], **{"Скидка, %": 35})], "again.xlsx")
    assert result.ok and not result.revisions
    promo = first.promos.get()

    def uploads(language):
        with translation.override(language):
            return [e["summary"] for e in promo_history(promo=promo, user=s001)
                    if e["kind"] == PromoEvent.Kind.UPLOAD_IMPORTED]

    # then: each import names its upload and what it did to this promo, in the reader's language
    assert uploads("ru") == [f"Файл загружен: № {first.pk} «first.xlsx», создано промо",
                             f"Файл загружен: № {corrected.pk} «corrected.xlsx», ревизия 2",
                             f"Файл загружен: № {again.pk} «again.xlsx», без изменений"]
    assert uploads("en")[1] == f"File uploaded: No. {corrected.pk} «corrected.xlsx», revision 2"
