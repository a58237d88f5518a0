"""The lines table of a big promo page, written cheaply (issue 12): numbers written as the
template filter writes them, the decision inputs of 300 lines from one set of choices with what
a refused form posted kept, the line to correct offered from the page's lines, and a query
count that does not grow with the lines."""

import re
from decimal import Decimal

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from config.widgets import FlatSelect, FlatSelectMultiple
from promo.changes import percent_text
from promo.models import PromoLine
from promo.views.promo_lines import Numbers
from suppliers.models import Category, Product, Supplier
from suppliers.querysets import DECIDE
from tests.factories import ProductFactory

# Prices and percents as the models keep them, and the odd cases around them.
amounts = st.decimals(min_value=Decimal("-99999999.9999"), max_value=Decimal("99999999.9999"), places=4,
                      allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("language", ["ru", "en"])
@settings(max_examples=300, deadline=None)
@given(value=st.one_of(amounts, st.sampled_from([Decimal("0"), Decimal("-0.004"), Decimal("-0.005"),
                                                 Decimal("2.345"), Decimal("30.00"), Decimal("-30"),
                                                 Decimal("1E+3"), Decimal("0.05")])),
       places=st.sampled_from([1, 2, -2]))
def test_numbers_are_written_as_floatformat_writes_them(language, value, places):
    # given a number and the places the promo page shows it with
    with translation.override(language):
        # when the page writes it, then it reads as the template filter would write it
        assert Numbers()(value, places) == floatformat(value, places)


@pytest.mark.parametrize("language", ["ru", "en"])
@settings(max_examples=300, deadline=None)
@given(value=st.one_of(amounts, st.sampled_from([Decimal("0"), Decimal("-0.004"), Decimal("1281.9"),
                                                 Decimal("-1234567.895"), Decimal("999.995"), Decimal("1E+3")])))
def test_money_is_written_as_the_ui_writes_it_thousands_grouped(language, value):
    # given an amount of roubles, when the page writes it, then it reads as floatformat:"2g"
    # (the money of every other page, «Мои товары» included) writes it
    with translation.override(language):
        assert Numbers().money(value) == floatformat(value, "2g")


@pytest.mark.parametrize("language", ["ru", "en"])
@settings(max_examples=300, deadline=None)
@given(value=st.one_of(amounts, st.sampled_from([Decimal("15"), Decimal("15.00"), Decimal("14.999"),
                                                 Decimal("12.5"), Decimal("12.495"), Decimal("-0.001")])))
def test_a_percent_is_written_as_the_change_rows_write_it(language, value):
    # given a percent (a term, a shopper's discount, a compensation), when the page writes it,
    # then it reads as promo.changes writes it (one rule: hundredths, a whole number when whole)
    with translation.override(language):
        assert Numbers().percent(value) == f"{percent_text(value)} %"
    assert percent_text(Decimal("14.999")) == "15" and percent_text(Decimal("12.5")) in ("12,50", "12.50")


def test_numbers_leave_what_is_not_a_decimal_to_floatformat():
    number = Numbers()
    assert number(None, 2) == "" and number.money(None) == ""
    assert number.money(1281) == floatformat(1281, "2g")
    assert number(3, 2) == floatformat(3, 2)
    assert number(Decimal("12.5"), 3) == floatformat(Decimal("12.5"), 3)


def spaced(html: str) -> str:
    return re.sub(r">\s+<", "><", html)


@pytest.mark.parametrize("value", [None, "", 2, "1"])
def test_the_flat_select_writes_what_the_select_writes(value):
    # given choices with a group and text to escape
    choices = [("", "---------"), (1, "A<1> «x»"), ("Группа", [(2, 'B & "c"'), (3, "d")])]
    attrs = {"id": "id_line", "required": True, "data-x": False}

    # when both widgets render them, then the markup is the same (up to blanks between tags)
    assert spaced(FlatSelect(choices=choices).render("line", value, attrs)) == spaced(
        forms.Select(choices=choices).render("line", value, attrs))
    # and so for a multiple choice, with one or several values chosen
    for chosen in (value, [value, 3], []):
        assert spaced(FlatSelectMultiple(choices=choices).render("line", chosen, attrs)) == spaced(
            forms.SelectMultiple(choices=choices).render("line", chosen, attrs))


@pytest.fixture
def big_promo(make_promo):
    """A submitted promo of 300 lines of S001 (the demo's 50 and 250 more in C13, manager3's,
    and C01, manager1's; manager decides all 18 categories), at a discount that leaves some
    below the price floor."""

    def make(lines: int = 300):
        supplier = Supplier.objects.get(code="S001")
        have = Product.objects.filter(supplier=supplier).count()
        categories = [Category.objects.get(code="C13"), Category.objects.get(code="C01")]
        for index in range(max(0, lines - have)):
            ProductFactory(supplier=supplier, category=categories[index % 2], article=f"A9{index:05d}",
                           regular_price=Decimal("100.00"), purchase_price=Decimal("60.00"))
        products = list(Product.objects.filter(supplier=supplier).order_by("article")[:lines])
        return make_promo(products=products, discount=Decimal("30.00"))

    return make


def categories_of(username: str) -> set[str]:
    return set(Category.objects.restrict(get_user_model().objects.get(username=username), DECIDE)
               .values_list("code", flat=True))


def decision_inputs(page: str) -> set[str]:
    return set(re.findall(r'<input type="radio" name="(decision_\d+)"', page))


@pytest.mark.parametrize(("username", "cap"), [("manager", 16), ("manager3", 16), ("marketer", 16), ("s001", 17)])
def test_a_promo_of_300_lines_costs_the_queries_of_one_of_10(client_for, big_promo, django_assert_max_num_queries,
                                                             username, cap):
    # given a promo of 10 lines and one of 300
    small, large = big_promo(10), big_promo(300)
    client = client_for(username)
    client.get(reverse("home"))  # warms the per-process caches (content types)

    # when the person opens both
    with django_assert_max_num_queries(cap) as few:
        small_page = client.get(small.get_absolute_url())
    with django_assert_max_num_queries(cap) as many:
        large_page = client.get(large.get_absolute_url())

    # then the same number of queries, every line shown
    assert small_page.status_code == large_page.status_code == 200
    assert len(few) == len(many)
    assert large_page.content.decode().count('<tr class="') >= 300


def test_each_manager_gets_the_inputs_of_his_lines_on_a_300_line_page(client_for, big_promo):
    # given 300 lines, some in C13 (manager3's), the others in categories of manager1 and
    # manager2; manager decides them all
    promo = big_promo()
    lines = PromoLine.objects.filter(promo=promo).select_related("product__category")
    of_manager3 = {f"decision_{line.pk}" for line in lines if line.product.category.code in categories_of("manager3")}
    assert 0 < len(of_manager3) < 300

    # when each opens the page
    manager3 = client_for("manager3").get(promo.get_absolute_url()).content.decode()
    manager = client_for("manager").get(promo.get_absolute_url()).content.decode()

    # then each has the three choices of each of his lines, and only his, each choice labelled
    assert decision_inputs(manager3) == of_manager3
    assert decision_inputs(manager) == {f"decision_{line.pk}" for line in lines}
    line = next(line for line in lines if line.product.category.code == "C13")
    for index, (value, label) in enumerate([("", "не решено"), ("accepted", "Принять"), ("rejected", "Отклонить")]):
        assert re.search(rf'<label for="id_lines_decision_{line.pk}_{index}"><input type="radio" '
                         rf'name="decision_{line.pk}" value="{value}"[^>]*id="id_lines_decision_{line.pk}_{index}"'
                         rf'[^>]*> {label}</label>', manager3)
    # and the group and the reason box are named after the line
    assert f'aria-label="Ваше решение: {line.product.article}"' in manager3
    assert f'aria-label="причина отклонения: {line.product.article}"' in manager3


def test_a_refused_decision_keeps_what_was_posted(client_for, big_promo, settings):
    # given a floor of 40 % (the 30 % discount leaves the added lines at 14 %) and a manager
    # who accepts one line below it, ticks «ниже порога» and types a reason, rejects a second
    # line without a reason and accepts a third
    settings.PROMO_MARGIN_FLOOR_PERCENT = "40"
    promo = big_promo()
    mine = list(PromoLine.objects.filter(promo=promo, product__category__code="C13", product__article__startswith="A9")
                .order_by("product__article")[:3])
    below, rejected, accepted = mine
    client = client_for("manager3")

    # when he saves
    response = client.post(reverse("promo:lines_decide", args=[promo.pk]), {
        "version": promo.version, f"decision_{below.pk}": "accepted", f"below_floor_{below.pk}": "on",
        f"reason_{below.pk}": "Распродажа", f"decision_{rejected.pk}": "rejected",
        f"decision_{accepted.pk}": "accepted"})

    # then nothing is saved, and the page shows every choice as he made it
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(rf'name="decision_{below.pk}" value="accepted"[^>]*checked', page)
    assert re.search(rf'name="below_floor_{below.pk}"[^>]*checked', page)
    assert re.search(rf'name="reason_{below.pk}" value="Распродажа"', page)
    assert re.search(rf'name="decision_{rejected.pk}" value="rejected"[^>]*checked', page)
    assert re.search(rf'name="decision_{accepted.pk}" value="accepted"[^>]*checked', page)
    assert set(PromoLine.objects.filter(promo=promo).values_list("decision", flat=True)) == {"pending"}


def test_the_line_to_correct_is_one_of_the_page_lines(client_for, big_promo):
    # given the 300-line promo
    promo = big_promo()

    # when manager3 and the marketer open it
    manager3 = client_for("manager3").get(promo.get_absolute_url()).content.decode()
    marketer = client_for("marketer").get(promo.get_absolute_url()).content.decode()

    # then the manager may pick his lines only, the marketer any, in the order of the table
    def offered(page):
        select = re.search(r'<select name="line".*?</select>', page, re.S).group(0)
        return [int(pk) for pk in re.findall(r'<option value="(\d+)"', select)]

    lines = list(PromoLine.objects.filter(promo=promo).order_by("product__article").select_related("product__category"))
    assert offered(marketer) == [line.pk for line in lines]
    mine = categories_of("manager3")
    assert offered(manager3) == [line.pk for line in lines if line.product.category.code in mine]
