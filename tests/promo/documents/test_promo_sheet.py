"""«Лист согласования»: one promo's terms, lines with prices, decisions and history as PDF,
from the promo page and the API, restricted like the promo."""

import re
import subprocess

import pytest
from django.urls import reverse

from promo.models import PromoEvent
from promo.services.documents import promo_sheet_context
from promo.services.events import event_record
from tests.factories import PromoLineFactory
from tests.promo.documents.conftest import s001_products
from tests.promo.documents.pdf import body, embedded_fonts, pdf_text

pytestmark = pytest.mark.django_db


def sheet_url(promo) -> str:
    return reverse("promo:promo_sheet_pdf", args=[promo.pk])


def test_the_sheet_holds_terms_prices_decisions_and_history_in_cyrillic(client_for, percent_promo, demo_user):
    # given the manager approved the promo with a comment
    event_record(kind=PromoEvent.Kind.PROMO_APPROVED, actor=demo_user("manager"), promo=percent_promo,
                 from_status="submitted", to_status="approved", reason="Согласовано с закупками")

    # when the marketer downloads the approval sheet
    response = client_for("marketer").get(sheet_url(percent_promo))

    # then it is a PDF with the terms, each line's prices and the decisions with who and when
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Лист согласования" in text
    assert f"{percent_promo.code} «Зимняя распродажа»" in text
    assert "S001" in text
    assert "01.02.2027 – 28.02.2027" in text
    # (the term and the shopper's discount of one percent read alike, as on the promo page: «15 %»)
    assert "319,90" in text and "271,92" in text and "15 %" in text  # regular, promo, discount
    assert "490,90" in text and "392,72" in text and "20 %" in text
    assert ",00 %" not in text
    assert "Цена выше рынка" in text
    assert "КМ (все категории)" in text
    assert "Согласовано с закупками" in text
    assert "первая ревизия" in text


def test_the_fonts_are_embedded(client_for, percent_promo):
    response = client_for("marketer").get(sheet_url(percent_promo))

    assert embedded_fonts(response.content) >= {"PortalSans", "PortalSans-Bold"}


@pytest.mark.parametrize(("username", "status"), [
    ("marketer", 200),
    ("s001", 200),       # the promo's own supplier
    ("manager3", 200),   # manages the lines' categories
    ("s002", 404),       # another supplier
    ("manager1", 404),   # manages other categories
])
def test_the_sheet_is_restricted_like_the_promo(client_for, percent_promo, username, status):
    assert client_for(username).get(sheet_url(percent_promo)).status_code == status


def test_anonymous_visitors_are_sent_to_the_login_page(client, percent_promo):
    response = client.get(sheet_url(percent_promo))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_supplier_never_sees_internal_events_on_the_sheet(client_for, percent_promo, demo_user):
    # given an internal comment of the manager
    event_record(kind=PromoEvent.Kind.COMMENT_ADDED, actor=demo_user("manager"), promo=percent_promo,
                 reason="Маржа под вопросом", internal=True, notify=False)

    # then chain staff see it on the sheet, the supplier does not
    assert "Маржа под вопросом" in pdf_text(client_for("marketer").get(sheet_url(percent_promo)).content)
    assert "Маржа под вопросом" not in pdf_text(client_for("s001").get(sheet_url(percent_promo)).content)


def test_the_promo_page_links_the_sheet(client_for, percent_promo):
    page = client_for("marketer").get(percent_promo.get_absolute_url()).content.decode()

    assert f'href="{sheet_url(percent_promo)}"' in page


@pytest.mark.parametrize(("username", "status"), [("s001", 200), ("marketer", 200), ("s002", 404)])
def test_the_api_serves_the_sheet_restricted_like_the_promo(api_client, demo_user, percent_promo, username, status):
    api_client.force_authenticate(demo_user(username))

    response = api_client.get(f"/api/v1/promos/{percent_promo.pk}/sheet.pdf", HTTP_ACCEPT="application/pdf")

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert "Зимняя распродажа" in pdf_text(response.content)


def test_the_api_refuses_anonymous_callers(api_client, percent_promo):
    response = api_client.get(f"/api/v1/promos/{percent_promo.pk}/sheet.pdf")

    assert response.status_code in (401, 403)


def test_the_sheet_reads_lines_in_a_fixed_number_of_queries(percent_promo, demo_user, django_assert_max_num_queries):
    # given a promo with 40 more lines
    for product in s001_products(45)[3:43]:
        PromoLineFactory(promo=percent_promo, product=product)
    marketer = demo_user("marketer")

    with django_assert_max_num_queries(10):
        context = promo_sheet_context(promo=percent_promo, user=marketer)
        for row in context["rows"]:
            str(row["line"].product.category.name)
    assert len(context["rows"]) == 42


def words_past_the_right_edge(content: bytes, tmp_path) -> list[str]:
    """Words poppler places (even in part) beyond the page's right edge, or that it drops because
    they start beyond it: what a printed sheet would lose."""
    path = tmp_path / "sheet.pdf"
    path.write_bytes(content)
    xhtml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True,
                           text=True).stdout
    past = []
    for width, page in re.findall(r'<page width="([\d.]+)"[^>]*>(.*?)</page>', xhtml, re.S):
        past += [word for x_max, word in re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)<', page)
                 if float(x_max) > float(width)]
    return past


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_lines_table_fits_the_page_with_its_decision_column(client_for, percent_promo, tmp_path, language):
    # given a promo a manager decided, and the marketer's sheet, which has the margin columns too
    client = client_for("marketer")
    client.cookies["django_language"] = language

    # when the marketer downloads the approval sheet in either language
    response = client.get(sheet_url(percent_promo))

    # then no word of the lines table runs off the page, and each line's decision is printed
    # (the «Решение» column used to start beyond the right edge in Russian and be cut in English)
    content = body(response)
    assert words_past_the_right_edge(content, tmp_path) == []
    text = pdf_text(content)
    decided = {"ru": ("Принято", "Отклонено: Цена выше рынка"), "en": ("Accepted", "Rejected: Цена выше рынка")}
    assert all(word in text for word in decided[language])
