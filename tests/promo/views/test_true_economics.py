"""The chain's true economics where people decide: the promo page (margin after compensation,
the totals at the planned quantity), the approval sheet PDF (staff only, status labels) and the
queue (the worst line margin of each promo, in a query count that does not grow)."""

from decimal import Decimal

from django.urls import reverse

from promo import mechanics
from promo.models import Promo, PromoEvent, PromoLine
from promo.services.events import event_record
from suppliers.models import Product
from tests.promo.documents.pdf import pdf_text

QUEUE = reverse("promo:approval_queue")


def row_html(page: str, article: str) -> str:
    import re
    match = re.search(rf'<tr[^>]*data-article="{article}"[^>]*>.*?</tr>', page, re.S)
    assert match, f"no row for {article}"
    return match.group(0)


def funded_3_plus_2(make_promo, *, compensation="100", plan=None) -> tuple[Promo, Product]:
    """A 3+2 promo on A100004 (regular 426.90, purchase 290.96)."""
    product = Product.objects.get(article="A100004")
    promo = make_promo(mechanic=Promo.Mechanic.N_PLUS_M, lines=0)
    PromoLine.objects.create(promo=promo, product=product, n=3, m=2, regular_price=product.regular_price,
                             compensation_percent=Decimal(compensation), planned_quantity=plan)
    return promo, product


def test_a_fully_funded_n_plus_m_is_no_loss_on_the_promo_page(client_for, make_promo):
    # given a 3+2 line the supplier funds 100 %: 256.14 a unit, 170.76 paid back
    promo, product = funded_3_plus_2(make_promo, plan=1000)
    unit = mechanics.nplusm_unit_price(product.regular_price, 3, 2)
    assert mechanics.margin(unit, product.purchase_price) < 0  # what the page used to say

    # when the category manager opens it
    row = row_html(client_for("manager3").get(promo.get_absolute_url()).content.decode(), product.article)

    # then the margin counts the compensation: the chain earns the regular margin 135.94 (31.84 %)
    assert "256,14" in row and "+170,76" in row and "135,94" in row and "31,84 %" in row
    assert "ниже закупки" not in row and "below-cost" not in row.split(">")[0]
    # and the plan: 1,000 units, 135,940.00 in margin
    assert "план 1000 шт" in row and "135\xa0940,00 ₽" in row


def test_the_plan_totals_of_the_promo_for_staff_only(client_for, make_promo):
    # given two lines with a plan (15 % off, 50 % funded) and one without
    promo = make_promo(lines=3)
    lines = list(promo.lines.select_related("product").order_by("product__article"))
    for line, plan in zip(lines, (100, 300, None), strict=True):
        line.planned_quantity = plan
        line.save()
    expected = sum(
        mechanics.line_economics(regular=line.regular_price,
                                 unit_price=mechanics.percent_price(line.regular_price, line.discount_percent),
                                 purchase_price=line.product.purchase_price,
                                 compensation_percent=line.compensation_percent,
                                 planned_quantity=line.planned_quantity).planned_margin
        for line in lines[:2])

    # when the marketer and the supplier open it
    staff = client_for("marketer").get(promo.get_absolute_url()).content.decode()
    supplier = client_for("s001").get(promo.get_absolute_url()).content.decode()

    # then the marketer reads the totals over the two planned lines, the supplier does not
    assert "По плану (строк с планом: 2 из 3, 400 шт)" in staff
    assert f"{expected:,.2f}".replace(",", "\xa0").replace(".", ",") + " ₽" in staff
    assert "По плану" not in supplier and "маржа" not in supplier


def test_the_sheet_prints_the_margin_for_staff_and_status_labels(client_for, make_promo, demo_user):
    # given a funded 3+2 promo, submitted (an event with its status)
    promo, product = funded_3_plus_2(make_promo, plan=10)
    event_record(kind=PromoEvent.Kind.PROMO_SUBMITTED, actor=demo_user("s001"), promo=promo,
                 from_status="draft", to_status="submitted")

    # when the marketer and the supplier print the approval sheet
    staff = pdf_text(client_for("marketer").get(reverse("promo:promo_sheet_pdf", args=[promo.pk])).content)
    supplier = pdf_text(client_for("s001").get(reverse("promo:promo_sheet_pdf", args=[promo.pk])).content)

    # then the marketer's shows the margin after compensation and its total at the plan
    assert "Маржа после компенсации" in staff and "135,94 (31,84 %)" in staff and "1 359,40" in staff
    # and the supplier's shows neither the margin nor the purchase price
    assert "Маржа" not in supplier and "290,96" not in supplier
    # and both print the status as people read it, never its code
    assert "На согласовании" in staff and "submitted" not in staff and "submitted" not in supplier


def test_the_queue_shows_the_worst_line_margin_of_each_promo(client_for, make_promo):
    # given a promo whose second line sells below cost (45 % off, no compensation)
    promo = make_promo(lines=2, discount=Decimal("45.00"))
    worst = promo.lines.select_related("product").order_by("product__article").last()
    PromoLine.objects.filter(pk=worst.pk).update(compensation_percent=0)
    worst.refresh_from_db()
    economics = mechanics.line_economics(
        regular=worst.regular_price, unit_price=mechanics.percent_price(worst.regular_price, Decimal("45")),
        purchase_price=worst.product.purchase_price, compensation_percent=0)

    # when the manager opens his queue
    page = client_for("manager3").get(QUEUE).content.decode()

    # then the promo's row names that line and its margin %
    import re
    row = re.search(rf'<tr data-promo="{promo.code}">.*?</tr>', page, re.S).group(0)
    cell = re.search(r'<td class="num worst-margin[^"]*">(.*?)</td>', row, re.S)
    assert f"{economics.margin_percent:.2f}".replace(".", ",") + " %" in cell.group(1)
    assert worst.product.article in cell.group(1)
    assert "bad" in cell.group(0)


def test_the_queue_reads_the_margins_in_one_query_for_the_page(bulk_promos, client_for, django_assert_max_num_queries):
    # given 30, then 300 promos waiting, some colliding already among the 30 (so that the
    # conflict check reads the other promos' branches in both, and the approved revisions in
    # force behind a newer one)
    bulk_promos(2)
    client = client_for("manager")

    def queries(count: int) -> int:
        bulk_promos(count)
        with django_assert_max_num_queries(14) as counted:
            assert client.get(QUEUE).status_code == 200
        return len(counted)

    # then the page costs the same
    assert queries(30) == queries(300)
