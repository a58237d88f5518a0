"""The one shape of a promo line on its way from the sheet to a revision, its diff and the
exports (promo/snapshots.py): what a revision stores, and that every revision already stored
reads the same, whatever form its decimals were written in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from exports.selection import select
from promo import mechanics
from promo.models import Promo, PromoRevision
from promo.services.imports.uploads import upload_submit
from promo.services.revisions import stored_lines
from promo.snapshots import LineSnapshot
from suppliers.models import Product
from tests.exports.conftest import END, NIGHT, START, approved_promo
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

TODAY = date(2026, 11, 23)
DECIMAL_KEYS = ("discount_percent", "promo_price", "regular_price", "compensation_percent")


def old_form(rows: list[dict]) -> list[dict]:
    """Revision lines as the first release stored them: integral decimals through
    ``normalize()`` ("2E+1" for 20), no ``decision_reason``."""
    old = []
    for row in rows:
        row = {key: value for key, value in row.items() if key != "decision_reason"}
        for key in DECIMAL_KEYS:
            value = row.get(key)
            if value is not None and Decimal(value) == Decimal(value).to_integral():
                row[key] = str(Decimal(value).normalize())
        old.append(row)
    return old


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999999.99"), places=2)
percents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
snapshots = st.builds(
    LineSnapshot,
    product_id=st.integers(min_value=1, max_value=10**9),
    article=st.text(max_size=20), ean=st.from_regex(r"\d{13}", fullmatch=True), name=st.text(max_size=40),
    discount_percent=st.none() | percents, promo_price=st.none() | money,
    n=st.none() | st.integers(min_value=1, max_value=99), m=st.none() | st.integers(min_value=1, max_value=99),
    regular_price=money, compensation_percent=st.none() | percents, comment=st.text(max_size=40),
    decision=st.sampled_from(["pending", "accepted", "rejected"]), decision_reason=st.text(max_size=40),
)


@given(snapshot=snapshots)
def test_a_snapshot_reads_back_as_it_was_written(snapshot):
    stored = snapshot.to_json()
    # decimals are stored as plain strings (never an exponent), read back as the same numbers
    for key in DECIMAL_KEYS:
        assert stored[key] is None or ("E" not in stored[key] and Decimal(stored[key]) == getattr(snapshot, key))
    assert LineSnapshot.from_json(stored) == snapshot
    assert LineSnapshot.from_json(stored).to_json() == stored


def test_a_row_in_the_first_release_form_reads_as_the_same_line():
    # given a frozen line as the first release stored it (exponents, no decision_reason)
    row = {"product_id": 7, "article": "A100001", "ean": "4600000000008", "name": "Шампунь",
           "discount_percent": "2E+1", "promo_price": None, "n": None, "m": None, "regular_price": "1E+2",
           "compensation_percent": "5E+1", "comment": "", "decision": "accepted"}

    # when it is read
    snapshot = LineSnapshot.from_json(row)

    # then its numbers are the ones meant, and it is written back in today's form
    assert (snapshot.discount_percent, snapshot.regular_price, snapshot.compensation_percent) == (20, 100, 50)
    assert snapshot.decision_reason == ""
    assert snapshot.to_json() == {**row, "discount_percent": "20", "regular_price": "100",
                                "compensation_percent": "50", "decision_reason": "", "planned_quantity": None}


def test_a_row_with_unreadable_values_reads_them_as_empty():
    # given a hand-edited row: words for numbers, a float for N
    snapshot = LineSnapshot.from_json({"product_id": "7", "discount_percent": "много", "n": 2.0, "m": "1,5"})
    # then nothing raises; what cannot be read is empty
    assert (snapshot.product_id, snapshot.discount_percent, snapshot.n, snapshot.m) == (7, None, 2, None)
    assert (snapshot.article, snapshot.comment, snapshot.decision) == ("", "", "pending")


@pytest.mark.django_db
def test_a_corrected_upload_against_a_revision_stored_in_the_old_form_shows_only_real_changes(demo_user):
    # given a promo imported with a 20 % discount and 50 % compensation, whose revision 1 is
    # stored the way the first release wrote it
    s001 = demo_user("s001")
    first, second = Product.objects.filter(supplier__code="S001").order_by("article")[:2]
    rows = [line(product, **{"Скидка, %": 20, "Компенсация поставщика, %": 50}) for product in (first, second)]
    upload, result = upload_submit(actor=s001, file=SimpleUploadedFile("p.xlsx", sheets.workbook_bytes(rows)),
                                   original_name="p.xlsx", today=TODAY)
    assert result.ok
    promo = upload.promos.get()
    revision = promo.revisions.get()
    PromoRevision.objects.filter(pk=revision.pk).update(lines=old_form(revision.lines))

    # when the corrected sheet changes the second line's discount only
    rows[1]["Скидка, %"] = 30
    upload2, result = upload_submit(actor=s001, file=SimpleUploadedFile("p2.xlsx", sheets.workbook_bytes(rows)),
                                    original_name="p2.xlsx", today=TODAY)

    # then revision 2 shows that one change, in today's form, and nothing for the old-form values
    assert result.ok and result.revisions == [{"promo": promo.code, "added": 0, "removed": 0, "changed": 1}]
    diff = promo.revisions.get(number=2).diff
    assert diff["changed"] == [{"product_id": second.pk, "article": second.article,
                                "fields": {"discount_percent": ["20", "30"]}}]


@pytest.mark.django_db
def test_an_approved_revision_stored_in_the_old_form_exports_the_same_prices():
    # given two approved 20 % promos on the same products, one frozen in today's form, the other
    # in the first release's form
    products = list(Product.objects.filter(supplier__code="S002").order_by("article")[:2])
    today_form = approved_promo(products=products, name="Сегодня", discount_percent=Decimal("20.00"),
                                compensation_percent=Decimal("50.00"), start=START, end=END)
    old = approved_promo(products=products, name="Давно", discount_percent=Decimal("20.00"),
                         compensation_percent=Decimal("50.00"), start=START, end=END)
    revision = old.approved_revision
    PromoRevision.objects.filter(pk=revision.pk).update(lines=old_form(revision.lines))
    assert revision.lines != old_form(revision.lines)

    # when the night is selected for export
    selection = {promo.pk: promo for promo in select(business_date=NIGHT).promos}

    # then both leave with the same lines: discount, price through the mechanics, compensation
    def terms(promo):
        return [(record.article, record.discount_percent, record.computed_price, record.compensation)
                for record in selection[promo.pk].lines]

    assert terms(old) == terms(today_form)
    for record, product in zip(selection[old.pk].lines, products, strict=True):
        assert record.discount_percent == 20 and record.compensation == "50"
        assert record.computed_price == mechanics.percent_price(product.regular_price, Decimal(20))


@pytest.mark.django_db
def test_stored_lines_read_every_revision_of_a_promo():
    # given an approved promo
    products = list(Product.objects.filter(supplier__code="S003").order_by("article")[:3])
    promo = approved_promo(products=products, mechanic=Promo.Mechanic.N_PLUS_M)
    # when its frozen lines are read
    lines = stored_lines(promo.approved_revision)
    # then they are its lines, by article, with their terms and decisions
    assert [line.article for line in lines] == [product.article for product in products]
    assert {(line.n, line.m, line.decision) for line in lines} == {(2, 1, "accepted")}
