"""Query counts of a whole import (read, validate, save with history, revisions, events, the
digest and its outbox rows), pinned at few and many promos: the statements do not grow with the
promos of the sheet (issue 12: an import linear in rows and in promos)."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from promo.models import OutboxMessage, PromoEvent, PromoRevision
from promo.services.imports.uploads import upload_submit
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)
# Every statement of one import, whatever the number of promos (measured: 46 for a 2-supplier
# bulk sheet, mail delivery by the eager task included; the margin leaves room for a new check,
# not for a query per promo).
MAX_QUERIES = 56


def bulk_rows(promos_per_supplier: int, prefix: str) -> list[dict]:
    """Three lines of each of two suppliers in ``promos_per_supplier`` named promos each."""
    rows = []
    for code in ("S001", "S002"):
        for product in Product.objects.filter(supplier__code=code).order_by("article")[:3]:
            for index in range(promos_per_supplier):
                rows.append({"Поставщик": code, **line(product, **{"Название акции": f"{prefix} {index + 1}"})})
    return rows


def import_sheet(user, rows, name):
    content = sheets.workbook_bytes(rows, header=sheets.BULK_HEADER)
    return upload_submit(actor=user, file=SimpleUploadedFile(name, content), original_name=name, today=TODAY)


def test_an_import_makes_the_same_statements_for_2_and_for_40_promos(demo_user, django_assert_max_num_queries):
    marketer = demo_user("marketer")

    # given / when: a bulk sheet of 2 promos, then one of 40 promos (other names, same suppliers)
    with django_assert_max_num_queries(MAX_QUERIES) as few:
        _upload, small = import_sheet(marketer, bulk_rows(1, "Малая"), "small.xlsx")
    with django_assert_max_num_queries(MAX_QUERIES) as many:
        _upload, large = import_sheet(marketer, bulk_rows(20, "Большая"), "large.xlsx")

    # then: both were saved whole, with their revisions, events and the digest
    assert small.ok and small.promos == 2 and small.lines == 6
    assert large.ok and large.promos == 40 and large.lines == 120
    assert PromoRevision.objects.filter(promo__name__startswith="Большая", number=1).count() == 40
    assert PromoEvent.objects.filter(kind=PromoEvent.Kind.PROMO_CREATED, promo__name__startswith="Большая").count() == 40
    assert OutboxMessage.objects.filter(event__kind=PromoEvent.Kind.UPLOAD_IMPORTED).exists()
    # and: the statements did not grow with the promos (the first import of a process may warm
    # a cache with one more)
    assert len(many.captured_queries) <= len(few.captured_queries), (
        len(few.captured_queries), len(many.captured_queries))
