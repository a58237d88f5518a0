"""«Ценники»: an A4 PDF of tags for every promo line running in a branch on a day, from the
branch page and the ``price_tags`` command."""

import re
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from branches.models import Region
from promo.models import Promo
from promo.services.documents import ean_svg, price_tags_for, price_tags_pdf
from tests.factories import PromoFactory, PromoLineFactory
from tests.promo.documents.conftest import DAY, approve, s001_products
from tests.promo.documents.pdf import body, pdf_pages, pdf_text
from tests.promo.documents.tagdata import running_lines

pytestmark = pytest.mark.django_db


def tags_url(branch, day="2027-02-10") -> str:
    return f"{reverse('promo:price_tags')}?branch={branch.pk}&date={day}"


def test_tags_show_name_old_and_promo_price_period_and_ean_of_running_lines_only(
        branch, percent_promo, nplusm_promo):
    # given promos that do not run in B0001 on 10.02.2027: another region, not yet started,
    # cancelled, and one never approved
    first, second, third = s001_products(3)
    elsewhere = PromoFactory(supplier=percent_promo.supplier, name="Омская акция", start=date(2027, 2, 1),
                             end=date(2027, 2, 28), targeting={"regions": [Region.objects.get(code="OMS").pk]})
    later = PromoFactory(supplier=percent_promo.supplier, name="Мартовская", start=date(2027, 3, 1),
                         end=date(2027, 3, 10))
    cancelled = PromoFactory(supplier=percent_promo.supplier, name="Отменённая", start=date(2027, 2, 1),
                             end=date(2027, 2, 28))
    draft = PromoFactory(supplier=percent_promo.supplier, name="Черновая", start=date(2027, 2, 1),
                         end=date(2027, 2, 28))
    for promo in (elsewhere, later, cancelled, draft):
        PromoLineFactory(promo=promo, product=s001_products(10)[5 + promo.pk % 5])
    for promo in (elsewhere, later, cancelled):
        approve(promo)
    Promo.objects.filter(pk=cancelled.pk).update(status=Promo.Status.CANCELLED)

    # when the tags of B0001 for 10.02.2027 are printed
    content = price_tags_pdf(branch=branch, day=DAY)

    # then there is one tag per running, not rejected line
    text = pdf_text(content)
    assert [tag.article for tag in price_tags_for(branch=branch, day=DAY)] == sorted(
        [first.article, third.article], key=lambda a: {first.article: first.name, third.article: third.name}[a])
    assert first.name in text and third.name in text
    assert second.name not in text  # its line was rejected
    for promo in (elsewhere, later, cancelled, draft):
        assert promo.code not in text
    # with the old price, the promo price, the period and the barcode digits
    assert "319,90 ₽" in text and "271,92 ₽" in text and "−15%" in text
    assert "Акция с 01.02.2027 по 28.02.2027" in text
    assert first.ean in text
    # and «2+1» for the N+M line, with its period
    assert "2+1" in text
    assert "Акция с 05.02.2027 по 15.02.2027" in text


def test_a_day_without_promos_prints_one_page_saying_so(branch, percent_promo):
    text = pdf_text(price_tags_pdf(branch=branch, day=date(2027, 5, 1)))

    assert "нет промо-акций" in text
    assert "01.05.2027" in text


def test_twenty_one_tags_fill_an_a4_page(branch, percent_promo):
    # given 25 running lines
    for product in s001_products(30)[5:28]:
        PromoLineFactory(promo=percent_promo, product=product)
    approve(percent_promo)

    content = price_tags_pdf(branch=branch, day=DAY)

    assert len(price_tags_for(branch=branch, day=DAY)) == 24
    assert pdf_pages(content) == 2


def test_the_barcode_is_drawn_from_the_ean():
    # EAN-13 has 30 bars (3 guards of 2 or 3 bars + 2 per digit), EAN-8 has 22
    assert ean_svg("4614155800444").count("M") == 30
    assert ean_svg("96385074").count("M") == 22
    assert ean_svg("4614155800445") == ""  # wrong check digit: no bars rather than wrong ones
    assert ean_svg("") == ""


def test_the_branch_page_offers_the_tags(client_for, branch):
    page = client_for("marketer").get(branch.get_absolute_url()).content.decode()

    assert f'action="{reverse("promo:price_tags")}"' in page and 'method="post"' in page
    assert f'name="branch" value="{branch.pk}"' in page


def test_the_page_serves_the_pdf(client_for, branch, percent_promo):
    response = client_for("marketer").get(tags_url(branch))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert percent_promo.lines.first().product.name in pdf_text(body(response))


def test_a_supplier_gets_tags_of_its_own_promos_only(client_for, branch, percent_promo):
    own = pdf_text(body(client_for("s001").get(tags_url(branch))))
    foreign = pdf_text(body(client_for("s002").get(tags_url(branch))))

    assert percent_promo.code in own
    assert percent_promo.code not in foreign


@pytest.mark.parametrize("day", ["31.02.2027", "завтра", ""])
def test_a_bad_date_goes_back_to_the_branch_with_a_message(client_for, branch, day):
    response = client_for("marketer").get(tags_url(branch, day), follow=True)

    assert response.redirect_chain[-1][0] == branch.get_absolute_url()
    assert "Укажите дату в формате ДД.ММ.ГГГГ или ГГГГ-ММ-ДД." in response.content.decode()


def test_an_unknown_branch_goes_back_to_the_branch_list(client_for):
    response = client_for("marketer").get(f"{reverse('promo:price_tags')}?branch=999999&date=2027-02-10",
                                          follow=True)

    assert response.redirect_chain[-1][0] == reverse("branches:branch_list")
    assert "Выберите филиал." in response.content.decode()


def test_the_command_writes_the_pdf(tmp_path, branch, percent_promo):
    out = tmp_path / "tags.pdf"

    call_command("price_tags", branch="b0001", date="2027-02-10", out=str(out), verbosity=0)

    assert out.read_bytes().startswith(b"%PDF")
    assert percent_promo.lines.first().product.name in pdf_text(out.read_bytes())
    assert not (tmp_path / "tags.pdf.part").exists()


def test_the_command_renders_a_large_branch_in_chunks_and_reports_progress(tmp_path, branch, settings):
    # given 50 running lines (3 pages) and chunks of one page
    settings.PROMO_PRICE_TAGS_CHUNK_PAGES = 1
    running_lines(50)
    out, report = tmp_path / "tags.pdf", StringIO()

    # when the command runs with -v 2
    call_command("price_tags", branch="B0001", date="2027-02-10", out=str(out), verbosity=2, stdout=report)

    # then the file has the three pages, and the command said how far it got and what it wrote
    assert pdf_pages(out.read_bytes()) == 3
    assert report.getvalue().splitlines() == [
        "ценников готово: 21 из 50", "ценников готово: 42 из 50", "ценников готово: 50 из 50",
        f"B0001, 10.02.2027: ценников 50, страниц 3, записано в {out}",
    ]


@pytest.mark.parametrize(("options", "message"), [
    ({"branch": "B9999", "date": "2027-02-10"}, "Филиал «B9999» не найден."),
    ({"branch": "B0001", "date": "10.02.2027"}, "Неверная дата «10.02.2027»: нужен формат ГГГГ-ММ-ДД."),
])
def test_the_command_explains_bad_input(tmp_path, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("price_tags", out=str(tmp_path / "tags.pdf"), **options)


def test_tags_are_read_in_queries_per_rule_set_not_per_line(branch, percent_promo, nplusm_promo,
                                                            django_assert_max_num_queries):
    # given 40 more running lines
    for product in s001_products(50)[5:45]:
        PromoLineFactory(promo=percent_promo, product=product)
    approve(percent_promo)

    # then listing the tags costs the promos query plus one per distinct targeting
    with django_assert_max_num_queries(3):
        tags = price_tags_for(branch=branch, day=DAY)
    assert len(tags) == 42


def test_a_fixed_price_tag_promises_no_more_discount_than_given(branch):
    # given a fixed price of 99.00 on a product regularly at 179.90 (45.97 % off)
    product = s001_products(5)[4]
    promo = PromoFactory(supplier=product.supplier, mechanic=Promo.Mechanic.FIXED_PRICE, start=date(2027, 2, 1),
                         end=date(2027, 2, 28))
    PromoLineFactory(promo=promo, product=product, regular_price=Decimal("179.90"), discount_percent=None,
                     promo_price=Decimal("99.00"))
    approve(promo)

    # then the tag shows the price and a whole-percent discount rounded down
    [tag] = price_tags_for(branch=branch, day=DAY)
    assert (tag.unit_price, tag.shown_discount) == (Decimal("99.00"), Decimal("44"))
    text = pdf_text(price_tags_pdf(branch=branch, day=DAY))
    assert "179,90 ₽" in text and "99,00 ₽" in text and "−44%" in text


def test_tags_downloaded_from_english_pages_are_in_the_shops_language(client_for, branch, percent_promo):
    # given a marketer who reads the portal in English
    client = client_for("marketer")
    client.cookies["django_language"] = "en"

    # when he downloads B0001's tags for 10.02.2027 (few: rendered at once)
    response = client.get(tags_url(branch))
    text = pdf_text(body(response))

    # then the tags say the period and the prices as the shop's customers read them (Russian)
    assert response.status_code == 200
    assert "Акция с" in text and "Promo from" not in text
    assert re.search(r"\d+,\d{2} ₽", text) and not re.search(r"\d+\.\d{2} ₽", text)
