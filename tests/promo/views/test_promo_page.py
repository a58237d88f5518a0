"""The promo page: terms, prices by the mechanic, margin against the purchase price (staff
only), the diff of a revision, overlap conflicts, decision controls only for the manager's
own lines, and the comment thread (internal comments never reach suppliers)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from branches.models import Region
from branches.targeting import Targeting, resolve
from promo.models import Promo, PromoComment, PromoLine
from promo.services.revisions import revision_record
from suppliers.models import Category, Product, Supplier
from tests.factories import ProductFactory, PromoLineFactory


def row_html(page: str, article: str) -> str:
    """The <tr> of one line on the promo page."""
    match = re.search(rf'<tr[^>]*data-article="{article}"[^>]*>.*?</tr>', page, re.S)
    assert match, f"no row for {article}"
    return match.group(0)


def test_prices_discount_and_margin_for_staff(client_for, make_promo):
    # given A100002 (regular 490.90, purchase 277.72) at 45 % off without compensation, below
    # cost, and at 15 % off with the supplier paying back half of the discount
    deep = make_promo(discount=Decimal("45.00"), products=[Product.objects.get(article="A100002")])
    PromoLine.objects.filter(promo=deep).update(compensation_percent=Decimal("0"))
    mild = make_promo(discount=Decimal("15.00"), products=[Product.objects.get(article="A100002")])
    PromoLine.objects.filter(promo=mild).update(compensation_percent=Decimal("50"))
    client = client_for("manager3")

    # when the category manager opens them
    deep_row = row_html(client.get(deep.get_absolute_url()).content.decode(), "A100002")
    mild_row = row_html(client.get(mild.get_absolute_url()).content.decode(), "A100002")

    # then each line shows regular and promo price, discount and margin; below cost in red
    assert "490,90" in deep_row and "270,00" in deep_row and "45 %" in deep_row
    assert "277,72" in deep_row and "-7,72" in deep_row and "ниже закупки" in deep_row
    assert "below-cost" in deep_row.split(">")[0]
    assert 'class="num margin bad"' in deep_row
    # and the margin counts the compensation: 417.27 + 36.82 back - 277.72 = 176.37 (38.84 % of 454.09)
    assert "417,27" in mild_row and "176,37" in mild_row and "38,84 %" in mild_row and "+36,82" in mild_row
    assert "below-cost" not in mild_row.split(">")[0] and "ниже закупки" not in mild_row


def test_supplier_never_sees_purchase_prices(client_for, make_promo):
    # given the same promo
    promo = make_promo(discount=Decimal("45.00"), lines=2)

    # when its supplier opens it
    page = client_for("s001").get(promo.get_absolute_url()).content.decode()

    # then prices and discounts are there, purchase prices and margins are not
    assert "270,00" in page
    assert "277,72" not in page
    assert "Маржа" not in page and "ниже закупки" not in page


def test_fixed_price_and_n_plus_m_effective_discount(client_for, make_promo):
    # given a fixed-price promo (A100026: 491.90 -> 393.52) and an N+M promo (2+1)
    fixed = make_promo(mechanic=Promo.Mechanic.FIXED_PRICE, lines=0)
    PromoLineFactory(promo=fixed, product=Product.objects.get(article="A100026"), discount_percent=None,
                     promo_price=Decimal("393.52"))
    nplusm = make_promo(mechanic=Promo.Mechanic.N_PLUS_M, lines=0)
    PromoLineFactory(promo=nplusm, product=Product.objects.get(article="A100003"), discount_percent=None,
                     n=2, m=1)
    client = client_for("marketer")

    # when the marketer opens them
    fixed_row = row_html(client.get(fixed.get_absolute_url()).content.decode(), "A100026")
    nplusm_row = row_html(client.get(nplusm.get_absolute_url()).content.decode(), "A100003")

    # then the effective discount follows the mechanic
    assert "393,52" in fixed_row and "20 %" in fixed_row
    assert "2+1" in nplusm_row and "259,27" in nplusm_row and "33,33 %" in nplusm_row


def cells(row: str) -> list[str]:
    """The texts of a row's number cells, tags and spaces squeezed."""
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r'<td class="num[^"]*">(.*?)</td>', row, re.S)]


@pytest.mark.parametrize(("language", "whole", "fraction"), [("ru", "15 %", "12,50 %"), ("en", "15 %", "12.50 %")])
def test_the_term_and_the_discount_of_one_percent_read_alike(client_for, make_promo, language, whole, fraction):
    # given a percent promo with a whole discount (A100001: 15 % of 319.90, 271.92 at the
    # till) and a fractional one (A100002: 12.5 % of 490.90, 429.54), compensated 10 % and 12.5 %
    promo = make_promo(lines=2)
    PromoLine.objects.filter(promo=promo, product__article="A100001").update(compensation_percent=Decimal("10"))
    PromoLine.objects.filter(promo=promo, product__article="A100002").update(
        discount_percent=Decimal("12.50"), compensation_percent=Decimal("12.5"))
    client = client_for("manager")
    client.post(reverse("set_language"), {"language": language})

    # when the manager opens the page in his language
    page = client.get(promo.get_absolute_url()).content.decode()

    # then the term («Условие») and the shopper's discount («Скидка») read the same figure the
    # same way: «15 %» twice, not «15 %» next to «15,00 %»; a fraction with its two places
    regular, term, unit, discount = cells(row_html(page, "A100001"))[:4]
    assert (term, discount) == (whole, whole)
    regular, term, unit, discount = cells(row_html(page, "A100002"))[:4]
    assert (term, discount) == (fraction, fraction)
    # and the compensation reads by the same rule
    assert whole.replace("15", "10") in cells(row_html(page, "A100001"))
    assert fraction in cells(row_html(page, "A100002"))[4:]


def test_revision_diff_is_highlighted(client_for, make_promo):
    # given a promo whose second revision changed one discount, added one line and removed one
    promo = make_promo(lines=3)
    first, second, third = promo.lines.select_related("product").order_by("product__article")
    second.discount_percent = Decimal("25.00")
    second.save()
    third.delete()
    PromoLineFactory(promo=promo, product=Product.objects.get(article="A100010"))
    promo.revision = 2
    promo.save()
    revision_record(promo=promo, reason="Исправленный файл")

    # when the manager opens it
    page = client_for("manager3").get(promo.get_absolute_url()).content.decode()

    # then the changed line shows old -> new, the added one is marked, the removed one listed
    assert "diff-changed" in row_html(page, second.product.article).split(">")[0]
    assert "15 → 25" in row_html(page, second.product.article)
    assert "diff-added" in row_html(page, "A100010").split(">")[0]
    assert re.search(rf'<tr class="diff-removed"><td class="mono">{third.product.article}</td>', page)
    assert "diff-" not in row_html(page, first.product.article).split(">")[0]
    assert "Изменения ревизии 2 против 1" in page


def test_conflicts_link_to_the_other_promo(client_for, make_promo):
    # given two live promos of the same product over overlapping days in the whole chain
    product = Product.objects.get(article="A100001")
    promo = make_promo(products=[product])
    other = make_promo(products=[product], start=date(2027, 4, 15), status=Promo.Status.APPROVED)

    # when the manager opens the first
    page = client_for("manager3").get(promo.get_absolute_url()).content.decode()

    # then the line links to the other promo
    row = row_html(page, "A100001")
    assert re.search(rf'<a class="conflict" href="{other.get_absolute_url()}"[^>]*>{other.code}</a>', row)


def test_manager_gets_controls_only_for_lines_he_decides(client_for, make_promo):
    # given a promo of S001 with its C13/C15 lines and one line of a C01 product
    promo = make_promo(lines=2)
    foreign = PromoLineFactory(promo=promo, product=ProductFactory(
        supplier=promo.supplier, category=Category.objects.get(code="C01")))

    # when manager3 (C13-C18) and manager1 (C01-C06) open it
    page3 = client_for("manager3").get(promo.get_absolute_url()).content.decode()
    page1 = client_for("manager1").get(promo.get_absolute_url()).content.decode()

    # then each has decision inputs for his own lines only
    own = promo.lines.exclude(pk=foreign.pk)
    for line in own:
        assert f'name="decision_{line.pk}"' in page3
        assert f'name="decision_{line.pk}"' not in page1
    assert f'name="decision_{foreign.pk}"' not in page3
    assert f'name="decision_{foreign.pk}"' in page1


def test_line_decisions_with_accept_rest(client_for, make_promo):
    # given a submitted promo of three lines
    promo = make_promo(lines=3)
    first, second, third = promo.lines.order_by("product__article")

    # when the manager rejects one with a reason and accepts the rest
    response = client_for("manager3").post(
        reverse("promo:lines_decide", args=[promo.pk]),
        {"version": promo.version, f"decision_{second.pk}": "rejected", f"reason_{second.pk}": "Дорого",
         "accept_rest": "1"},
    )

    # then the promo is approved with that one line rejected and its reason kept
    promo.refresh_from_db()
    assert response.status_code == 302
    assert promo.status == Promo.Status.APPROVED
    decisions = dict(promo.lines.values_list("pk", "decision"))
    assert decisions == {first.pk: "accepted", second.pk: "rejected", third.pk: "accepted"}
    assert PromoLine.objects.get(pk=second.pk).decision_reason == "Дорого"


def test_reject_line_without_reason_keeps_the_input(client_for, make_promo):
    # given a submitted promo
    promo = make_promo(lines=2)
    line = promo.lines.first()

    # when the manager rejects a line without a reason
    response = client_for("manager3").post(
        reverse("promo:lines_decide", args=[promo.pk]),
        {"version": promo.version, f"decision_{line.pk}": "rejected"},
    )

    # then he is told why, his choice is still ticked, and nothing is decided
    page = response.content.decode()
    assert response.status_code == 400
    assert "Укажите причину отклонения" in page
    assert re.search(rf'<input type="radio" name="decision_{line.pk}" value="rejected"[^>]*checked', page)
    assert set(promo.lines.values_list("decision", flat=True)) == {PromoLine.Decision.PENDING}


def test_internal_comments_are_for_staff_only(client_for, make_promo, demo_user):
    # given a promo with an open and an internal comment
    promo = make_promo()
    PromoComment.objects.create(promo=promo, author=demo_user("manager3"), text="Открытый вопрос")
    PromoComment.objects.create(promo=promo, author=demo_user("manager3"), text="Только для своих",
                                internal=True)

    # when its supplier and the manager open the page
    supplier_page = client_for("s001").get(promo.get_absolute_url()).content.decode()
    manager_page = client_for("manager3").get(promo.get_absolute_url()).content.decode()

    # then the supplier sees only the open one and has no «internal» checkbox
    assert "Открытый вопрос" in supplier_page
    assert "Только для своих" not in supplier_page
    assert 'name="internal"' not in supplier_page
    assert "Только для своих" in manager_page and 'name="internal"' in manager_page


def test_supplier_cannot_post_an_internal_comment(client_for, make_promo):
    # given a promo of S001
    promo = make_promo()

    # when its supplier posts a comment with «internal» forced into the form
    response = client_for("s001").post(reverse("promo:comment_add", args=[promo.pk]),
                                       {"text": "Когда решение?", "internal": "on"})

    # then the comment is added as an open one
    comment = promo.comments.get()
    assert response.status_code == 302
    assert comment.text == "Когда решение?" and comment.internal is False


def test_staff_posts_an_internal_comment(client_for, make_promo):
    # given a promo
    promo = make_promo()

    # when the manager posts an internal comment
    client_for("manager3").post(reverse("promo:comment_add", args=[promo.pk]),
                                {"text": "Проверить закупку", "internal": "on"})

    # then it is stored as internal and the supplier's page does not show it
    assert promo.comments.get().internal is True
    assert "Проверить закупку" not in client_for("s001").get(promo.get_absolute_url()).content.decode()


def test_supplier_never_sees_another_suppliers_promo(client_for, make_promo):
    # given promos of S001 and S002
    own = make_promo(supplier="S001")
    foreign = make_promo(supplier="S002")
    client = client_for("s001")

    # when s001 looks at its list, the calendar and the foreign promo's pages
    listing = client.get(reverse("promo:promo_list")).content.decode()
    calendar = client.get(reverse("promo:calendar"), {"start": "2027-03-29"}).content.decode()

    # then the foreign promo appears nowhere and its pages are not found
    assert own.code in listing and own.code in calendar
    assert foreign.code not in listing and foreign.code not in calendar
    assert client.get(foreign.get_absolute_url()).status_code == 404
    assert client.get(reverse("promo:promo_history", args=[foreign.pk])).status_code == 404


def test_status_phase_and_targeting(client_for, make_promo):
    # given an approved promo with its revision in force, targeted to one region
    promo = make_promo(status=Promo.Status.APPROVED, targeting={"regions": [1]})
    promo.approved_revision = promo.revisions.get()
    promo.save()

    # when the supplier opens it
    page = client_for("s001").get(promo.get_absolute_url()).content.decode()

    # then the status, the phase derived from the dates and the resolved branches show
    assert '<span class="badge approved">Согласовано</span>' in page
    assert "скоро начнётся" in page
    count = resolve(Targeting(regions=(1,)), on=promo.start, until=promo.end).count()
    assert Region.objects.get(pk=1).name in page
    assert f'<span class="branch-count">{count}</span>' in page


def test_a_rejected_promo_tells_its_supplier_how_to_go_on(client_for, make_promo):
    # given a promo every line of which was rejected
    promo = make_promo(status=Promo.Status.REJECTED)
    promo.lines.update(decision=PromoLine.Decision.REJECTED, decision_reason="Дорого")
    upload_url = reverse("promo:upload_create")

    # when its supplier and a category manager open it
    supplier = client_for("s001").get(promo.get_absolute_url()).content.decode()
    manager = client_for("manager").get(promo.get_absolute_url()).content.decode()

    # then the supplier is pointed to a corrected upload; the manager has nothing to do there
    assert "Исправьте файл и" in supplier and f'href="{upload_url}"' in supplier
    assert "Исправьте файл и" not in manager



def test_promo_page_query_count_does_not_grow_with_lines(client_for, make_promo, django_assert_max_num_queries):
    # given promos of 5 and of 40 lines
    small = make_promo(lines=5)
    large = make_promo(lines=40)
    client = client_for("manager3")
    client.get(reverse("home"))  # warms the per-process caches (content types)

    # when the manager opens each (session, user, roles, grants, promo, lines, his lines,
    # revision, overlaps with the other promo's lines, branches, what he may see of them,
    # comments, the correction form's choices)
    with django_assert_max_num_queries(16) as small_queries:
        client.get(small.get_absolute_url())
    with django_assert_max_num_queries(16) as large_queries:
        client.get(large.get_absolute_url())

    # then the number of queries does not depend on the number of lines
    assert len(large_queries) == len(small_queries)


def lines_form_as_sent(page: str) -> dict:
    """What the browser sends with «Сохранить решения» of ``page``: the version, each ticked
    decision and each reason box (the inputs join the form by its id)."""
    data = {"version": re.search(r'name="version" value="(\d+)"', page).group(1), "save": ""}
    for tag in re.findall(r'<input [^>]*form="lines-form"[^>]*>', page):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="radio"' in tag and " checked" not in tag:
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                data[name] = "on"
            continue
        data[name] = value.group(1) if value else ""
    return data


def test_saving_the_decisions_again_unchanged_is_no_error(client_for, make_promo):
    # given a promo of three lines, one rejected with a reason and one accepted by manager3
    promo = make_promo(lines=3)
    first, second, _third = promo.lines.order_by("product__article")
    client = client_for("manager3")
    url = reverse("promo:lines_decide", args=[promo.pk])
    saved = client.post(url, {"version": promo.version, f"decision_{first.pk}": "rejected",
                              f"reason_{first.pk}": "Дорого", f"decision_{second.pk}": "accepted"})
    assert saved.status_code == 302
    events, history = promo.events.count(), PromoLine.history.filter(promo_id=promo.pk).count()

    # when he presses «Сохранить решения» again on the page, which shows them ticked
    page = client.get(promo.get_absolute_url()).content.decode()
    again = client.post(url, lines_form_as_sent(page), follow=True)

    # then it is no error: he is told nothing changed, and nothing did
    assert again.status_code == 200 and again.redirect_chain[0][1] == 302
    text = again.content.decode()
    assert "Решения не изменились." in text
    assert "Проверьте заполнение формы" not in text and "Не выбрано ни одного решения" not in text
    assert promo.events.count() == events
    assert PromoLine.history.filter(promo_id=promo.pk).count() == history
    assert PromoLine.objects.get(pk=first.pk).decision_reason == "Дорого"


def test_saving_with_no_decision_at_all_says_so(client_for, make_promo):
    # given a promo none of whose lines is decided
    promo = make_promo(lines=2)

    # when the manager presses «Сохранить решения» without ticking anything
    response = client_for("manager3").post(reverse("promo:lines_decide", args=[promo.pk]),
                                           {"version": promo.version, "save": ""})

    # then he is asked to choose one, and nothing is decided
    assert response.status_code == 400
    assert "Не выбрано ни одного решения." in response.content.decode()
    assert set(promo.lines.values_list("decision", flat=True)) == {PromoLine.Decision.PENDING}


@pytest.mark.parametrize(("language", "regular", "unit"), [("ru", "1\xa0281,90", "1\xa0153,71"),
                                                           ("en", "1,281.90", "1,153.71")])
def test_money_on_the_promo_page_groups_thousands_like_my_products(client_for, make_promo, language, regular, unit):
    # given a product of 1281.90 ₽ at 10 % off (A100002's category: manager3's)
    category = Product.objects.get(article="A100002").category
    product = ProductFactory(supplier=Supplier.objects.get(code="S001"), category=category,
                             regular_price=Decimal("1281.90"), purchase_price=Decimal("900.00"))
    promo = make_promo(products=[product], discount=Decimal("10.00"))
    client = client_for("s001")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    # when its supplier opens the promo and «Мои товары»
    row = row_html(client.get(promo.get_absolute_url()).content.decode(), product.article)
    products = client.get(reverse("suppliers:product_list"), {"q": product.article}).content.decode()

    # then the promo page writes the regular and the promo price as «Мои товары» writes prices
    assert f">{regular}<" in products
    assert regular in row and unit in row
    assert "1281" not in row and "1153" not in row
