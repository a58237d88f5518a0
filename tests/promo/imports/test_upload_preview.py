"""The upload page's preview of a corrected sheet that waits for a confirmation, as the supplier
reads it: every changed line named like the added and removed ones, and «Показаны N строк из M»
only when lines were really left out of the list (QA findings 2 and 3)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from promo.models import PromoUpload
from promo.services.imports import preview
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db
NAME = "Весенняя распродажа"


@pytest.fixture(autouse=True)
def frozen_today():
    import time_machine

    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


def products(count: int) -> list[Product]:
    return list(Product.objects.filter(supplier__code="S001").order_by("article")[:count])


def named(items, **values):
    return [line(p, **{"Название акции": NAME, **values}) for p in items]


def upload_page(client, rows) -> str:
    client.post(reverse("promo:upload_create"), {"file": sheets.uploaded(rows)})
    upload = PromoUpload.objects.latest("pk")
    assert upload.status == PromoUpload.Status.AWAITING_CONFIRMATION
    return client.get(upload.get_absolute_url()).content.decode()


@pytest.fixture
def s001(client_for):
    """s001 with a promo of 6 lines uploaded earlier (discount 15 %)."""
    client = client_for("s001")
    client.post(reverse("promo:upload_create"), {"file": sheets.uploaded(named(products(6)))})
    assert PromoUpload.objects.latest("pk").status == PromoUpload.Status.IMPORTED
    return client


def rows_of(html: str, kind: str) -> list[str]:
    return [chunk.split("</tr>")[0] for chunk in html.split(f'data-kind="{kind}"')[1:]]


def test_every_change_listed_shows_no_notice_and_changed_lines_show_the_product_name(s001):
    # given the sheet again without the first line, with the next two at 20 % and one new line
    items = products(7)
    removed, changed, same, added = items[0], items[1:3], items[3:6], items[6]
    rows = named(changed, **{"Скидка, %": 20}) + named(same) + named([added])

    # when s001 uploads it and opens the preview
    html = upload_page(s001, rows)

    # then the 4 changes are all listed, with no «Показаны 0 строк из 4»
    assert len(rows_of(html, "removed")) == 1 and len(rows_of(html, "added")) == 1
    assert "Показаны" not in html and "preview-truncated" not in html
    # and each changed line shows its product's name, as the removed and added lines do
    changed_rows = rows_of(html, "changed")
    assert len(changed_rows) == 2
    for product, row in zip(changed, changed_rows, strict=True):
        assert product.article in row and f"<td>{escape(product.name)}</td>" in row
    assert f"<td>{escape(removed.name)}</td>" in rows_of(html, "removed")[0]
    assert f"<td>{escape(added.name)}</td>" in rows_of(html, "added")[0]


def test_a_list_cut_short_says_how_many_lines_it_shows(s001, monkeypatch):
    # given a page that lists at most 2 lines of each kind, and a sheet that removes 4 lines
    # and changes the other 2
    monkeypatch.setattr(preview, "SHOWN_LINES", 2)
    items = products(6)
    rows = named(items[4:], **{"Скидка, %": 20})

    # when s001 opens the preview
    html = upload_page(s001, rows)

    # then it lists 2 removed and 2 changed lines and says so: 4 of 6
    assert len(rows_of(html, "removed")) == 2 and len(rows_of(html, "changed")) == 2
    assert "Показаны 4 строк из 6; все изменения — в API загрузки." in html


def test_the_names_of_changed_lines_cost_one_query_whatever_their_number(client_for):
    # given two suppliers' corrections waiting: one changes 2 lines, one changes 20
    def waiting_page_queries(count: int) -> int:
        client = client_for("s001")
        name = f"Акция на {count}"
        items = products(count + 1)
        client.post(reverse("promo:upload_create"),
                    {"file": sheets.uploaded([line(p, **{"Название акции": name}) for p in items])})
        rows = [line(p, **{"Название акции": name, "Скидка, %": 20}) for p in items[1:]]
        client.post(reverse("promo:upload_create"), {"file": sheets.uploaded(rows)})
        upload = PromoUpload.objects.latest("pk")
        assert upload.status == PromoUpload.Status.AWAITING_CONFIRMATION
        assert upload.preview["promos"][0]["changed"] == count
        with CaptureQueriesContext(connection) as queries:
            html = client.get(upload.get_absolute_url()).content.decode()
        assert all(f"<td>{escape(p.name)}</td>" in html for p in items[1:])
        return len(queries)

    # when each preview page is opened, then both cost the same number of queries
    assert waiting_page_queries(20) <= waiting_page_queries(2)
