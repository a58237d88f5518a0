"""The optional «План, шт» column: its header spellings, its values, the saved plan, a corrected
upload that changes it (a new revision with the change), and the template that offers it."""

from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from promo.services.imports import headers as h
from promo.services.imports.template import build_template
from promo.services.imports.uploads import upload_submit
from promo.services.imports.values import ValueProblem, parse_quantity
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

TODAY = date(2026, 11, 23)
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("title", ["План, шт", "план шт.", "План продаж", "Planned quantity", "Plan", "ПРОГНОЗ, ШТ"])
def test_header_spellings_find_the_column(title):
    assert h.match_header(title) == h.PLANNED_QUANTITY


@pytest.mark.parametrize(("raw", "expected"), [
    (1200, 1200), (1200.0, 1200), ("1 200", 1200), ("1\u00a0200 шт", 1200), ("0", 0), (None, None), ("", None),
])
def test_whole_units_are_read(raw, expected):
    assert parse_quantity(raw) == expected


@pytest.mark.parametrize("raw", ["12,5", 12.5, "-3", "много", "15%", True])
def test_anything_but_whole_units_is_refused(raw):
    with pytest.raises(ValueProblem) as problem:
        parse_quantity(raw)
    assert problem.value.code == "quantity_invalid"


def submit(user, rows, header):
    content = sheets.workbook_bytes(rows, header=header)
    return upload_submit(actor=user, file=SimpleUploadedFile("plan.xlsx", content), original_name="plan.xlsx",
                         today=TODAY)


def test_the_plan_is_saved_and_a_corrected_upload_changes_it(demo_user):
    # given a sheet with the plan column: one line with a plan, one without
    s001 = demo_user("s001")
    first, second = Product.objects.filter(supplier__code="S001").order_by("article")[:2]
    header = [*sheets.HEADER, "План, шт"]

    # when it is uploaded
    upload, result = submit(s001, [line(first, **{"План, шт": "1 500"}), line(second)], header)

    # then the plans are on the lines and in the frozen revision
    assert result.ok
    promo = upload.promos.get()
    assert dict(promo.lines.values_list("product__article", "planned_quantity")) == {
        first.article: 1500, second.article: None}
    assert {row["article"]: row["planned_quantity"] for row in promo.revisions.get().lines} == {
        first.article: 1500, second.article: None}

    # when a corrected sheet raises the plan
    upload, result = submit(s001, [line(first, **{"План, шт": 2000}), line(second)], header)

    # then the promo gets a new revision whose diff names the change
    assert result.ok
    promo.refresh_from_db()
    assert promo.revision == 2 and promo.lines.get(product=first).planned_quantity == 2000
    changed = promo.revisions.get(number=2).diff["changed"]
    assert [(row["article"], row["fields"]["planned_quantity"]) for row in changed] == [(first.article, [1500, 2000])]


def test_a_bad_plan_is_an_error_on_its_cell(demo_user):
    s001 = demo_user("s001")
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    upload, result = submit(s001, [line(product, **{"План, шт": "12,5"})], [*sheets.HEADER, "План, шт"])
    assert [(p["row"], p["code"], p["column"]) for p in result.errors] == [(2, "quantity_invalid", "План, шт")]
    assert result.errors[0]["message"] == (
        "«12,5» в колонке «План, шт» — не целое число штук. Укажите план продаж в штуках, "
        "например 1200, или оставьте ячейку пустой.")


def test_the_template_offers_the_column():
    book = load_workbook(BytesIO(build_template(language="ru", today=TODAY)), read_only=True)
    headers = [cell.value for cell in next(book.worksheets[0].iter_rows(max_row=1))]
    assert "План, шт" in headers
