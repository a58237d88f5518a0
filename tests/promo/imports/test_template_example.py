"""The template's own example row is never imported as a promo (QA finding 9): the importer knows
it by the template's example name and comment, in either language, skips it and says so on its
row; a template uploaded unchanged is an empty sheet."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from promo.models import Promo, PromoUpload
from promo.services.imports.template import HEADERS, SHEET_TITLES
from suppliers.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    import time_machine

    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


def download(client, language: str) -> bytes:
    response = client.get(f"{reverse('promo:template_download')}?lang={language}")
    assert response.status_code == 200
    return response.content


def with_rows(content: bytes, language: str, rows: list[dict]) -> bytes:
    """The template with ``rows`` (by field name) written under its example row."""
    book = load_workbook(BytesIO(content))
    sheet = book[SHEET_TITLES[language]["promos"]]
    fields = {title: name for name, title in HEADERS[language].items()}
    columns = [fields.get(cell.value) for cell in sheet[1]]
    example = {name: cell.value for name, cell in zip(columns, sheet[2], strict=False)}
    for row in rows:
        sheet.append([{**example, **row}.get(name) if name else None for name in columns])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes):
    client.post(reverse("promo:upload_create"),
                {"file": SimpleUploadedFile("template.xlsx", content)})
    upload = PromoUpload.objects.latest("pk")
    return upload, client.get(upload.get_absolute_url()).content.decode()


def supplier_products(count: int) -> list[Product]:
    return list(Product.objects.filter(supplier__code="S001", active=True).order_by("article")[:count])


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_template_uploaded_unchanged_imports_nothing_and_names_the_example_row(client_for, language):
    # given s001's template as downloaded, with its example row only
    client = client_for("s001")
    content = download(client, language)

    # when it is uploaded unchanged
    before = Promo.objects.count()
    upload_, html = upload(client, content)

    # then nothing is imported: the outcome of a sheet without data rows, and a warning on row 2
    assert upload_.status == PromoUpload.Status.REJECTED
    assert Promo.objects.count() == before
    assert [(e["row"], e["code"]) for e in upload_.errors] == [(0, "file_empty")]
    assert [(w["row"], w["code"]) for w in upload_.warnings] == [(2, "template_example_skipped")]
    assert "В файле нет строк с данными" in html
    name = {"ru": "Пример: скидки недели", "en": "Example: deals of the week"}[language]
    assert f"Строка — пример из шаблона («{name}»), она не загружена." in html
    assert 'data-code="template_example_skipped" data-row="2"' in html


def test_rows_added_under_the_example_are_imported_without_it(client_for, settings):
    # given the English template with two rows of s001's own products added under the example
    client = client_for("s001")
    _example_product, first, second = supplier_products(3)
    rows = [{"article": p.article, "ean": p.ean, "product_name": p.name, "regular_price": p.regular_price,
             "promo_name": "Black Friday", "comment": None} for p in (first, second)]
    content = with_rows(download(client, "en"), "en", rows)

    # when it is uploaded (the page in English)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    try:
        upload_, html = upload(client, content)
    finally:
        from django.utils import translation
        translation.activate(settings.LANGUAGE_CODE)

    # then the two rows make the promo, the example's product is not in it, and row 2 is named
    assert upload_.status == PromoUpload.Status.IMPORTED
    promo = upload_.promos.get()
    assert promo.name == "Black Friday"
    assert sorted(promo.lines.values_list("product__article", flat=True)) == sorted([first.article, second.article])
    assert not Promo.objects.filter(name__in=["Пример: скидки недели", "Example: deals of the week"]).exists()
    assert [(w["row"], w["code"]) for w in upload_.warnings] == [(2, "template_example_skipped")]
    assert "This row is the template&#x27;s example («Example: deals of the week»), so it was not imported." in html


def test_a_row_that_only_shares_the_example_name_is_the_suppliers_own(client_for):
    # given the template whose example row got a comment of the supplier's own
    client = client_for("s001")
    content = download(client, "ru")
    book = load_workbook(BytesIO(content))
    sheet = book["Акции"]
    comment = [cell.value for cell in sheet[1]].index("Комментарий")
    sheet.cell(row=2, column=comment + 1, value="Согласовано с категорией")
    buffer = BytesIO()
    book.save(buffer)

    # when it is uploaded, then the row is read as any other: a promo of that name
    upload_, _html = upload(client, buffer.getvalue())
    assert upload_.status == PromoUpload.Status.IMPORTED
    assert upload_.promos.get().name == "Пример: скидки недели"
    assert all(w["code"] != "template_example_skipped" for w in upload_.warnings)
