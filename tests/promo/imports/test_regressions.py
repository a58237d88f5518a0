"""Regressions found by the quality pass on the import: values a sheet may hold that used to
fail the whole upload with a server error, or slip through as a price nobody asked for."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from promo.models import Promo, PromoLine, PromoUpload
from promo.services.imports.uploads import XLSX_CONTENT_TYPE, upload_submit
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def submit(user, rows):
    content = sheets.workbook_bytes(rows)
    return upload_submit(actor=user, file=SimpleUploadedFile("promo.xlsx", content), original_name="promo.xlsx",
                         today=TODAY)


@pytest.mark.parametrize("mechanic", ["40000+1", "2+40000", "100+1", "200 за 1"])
def test_an_n_plus_m_too_large_is_an_error_on_its_cell(demo_user, mechanic):
    # given: a row whose N or M is beyond what a shelf offer (and the database) holds
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    before = (Promo.objects.count(), PromoLine.objects.count())

    # when: the supplier uploads it
    upload, result = submit(demo_user("s001"), [line(product, **{"Механика": mechanic})])

    # then: a rejected upload with the error on the mechanic cell, in Russian; nothing saved
    assert not result.ok
    assert [(e["row"], e["code"], e["column"]) for e in result.errors] == [(2, "nplusm_invalid", "Механика")]
    assert "не больше 99" in result.errors[0]["message"]
    assert upload.status == PromoUpload.Status.REJECTED
    assert (Promo.objects.count(), PromoLine.objects.count()) == before


def test_a_promo_price_that_rounds_to_zero_kopecks_is_refused(demo_user):
    # given: a fixed price of a tenth of a kopeck (float noise of a formula)
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()

    # when
    _upload, result = submit(demo_user("s001"), [line(product, **{"Механика": "Цена", "Скидка, %": None,
                                                                  "Промо-цена": 0.001})])

    # then: the «price must be above zero» error, not a line at 0,00
    assert [(e["row"], e["code"]) for e in result.errors] == [(2, "price_invalid")]
    assert "больше нуля" in result.errors[0]["message"]
    assert not PromoLine.objects.filter(product=product).exists()


@pytest.mark.parametrize("supplier", ["²", "abc", "9" * 30])
def test_the_template_for_an_odd_supplier_id_is_the_plain_template(client_for, supplier):
    # when: a marketer's template link carries something that is no supplier id
    response = client_for("marketer").get(reverse("promo:template_download"), {"supplier": supplier})

    # then: the template without a supplier's products, not a server error
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE


def test_a_date_in_a_far_year_is_an_error_on_its_cell(demo_user):
    # given: a start and an end in the year 9999 (a typo passing every other date rule)
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()

    # when
    _upload, result = submit(demo_user("s001"), [line(product, **{"Начало": date(9999, 6, 1),
                                                                  "Окончание": date(9999, 6, 30)})])

    # then: date_invalid on both cells with the range in Russian; nothing saved
    assert [(e["row"], e["code"], e["column"]) for e in result.errors] == [
        (2, "date_invalid", "Начало"), (2, "date_invalid", "Окончание")]
    assert "между 01.01.2000 и 31.12.2099" in result.errors[0]["message"]
    assert not PromoLine.objects.filter(product=product).exists()
