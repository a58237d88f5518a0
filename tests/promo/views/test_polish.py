"""Small things found on the way (issue 14, item 6): the queue's filters offer only the
manager's own categories and suppliers, the calendar's «Недель» shows the weeks drawn, the
status filter is a picker, the menu groups the marketer's items, and the portal has an icon."""

import re

import pytest
from django.urls import reverse

from suppliers.models import Category, Product, Supplier

pytestmark = pytest.mark.django_db


def options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {name}"
    return [value for value in re.findall(r'<option value="([^"]*)"', select.group(1)) if value]


def lazy_options(client, page: str, name: str) -> list[str]:
    """The options the picker of a lazy select loads (config.widgets.LazySelect)."""
    url = re.search(rf'<select name="{name}"[^>]*data-options-url="([^"]+)"', page).group(1)
    return [option["value"] for option in client.get(url).json()["options"] if option["value"]]


def test_the_queue_filters_list_only_his_categories_and_suppliers(client_for, demo_user):
    # given manager3, who decides C13 and C15
    managed = Category.objects.restrict(demo_user("manager3"), "decide")
    assert 0 < managed.count() < Category.objects.count()

    # when he opens his queue and its supplier picker
    client = client_for("manager3")
    page = client.get(reverse("promo:approval_queue")).content.decode()

    # then the category filter offers his categories, the supplier filter the suppliers of their products
    assert sorted(options(page, "category")) == sorted(str(pk) for pk in managed.values_list("pk", flat=True))
    suppliers = Supplier.objects.filter(pk__in=Product.objects.filter(category__in=managed).values("supplier"))
    offered = lazy_options(client, page, "supplier")
    assert sorted(offered) == sorted(str(pk) for pk in suppliers.values_list("pk", flat=True))
    assert len(offered) < Supplier.objects.count()


@pytest.mark.parametrize(("query", "drawn"), [({}, 12), ({"weeks": "26"}, 26), ({"weeks": "7"}, 12),
                                              ({"start": "2027-04-05"}, 12)])
def test_the_weeks_select_shows_the_weeks_drawn(client_for, query, drawn):
    response = client_for("marketer").get(reverse("promo:calendar"), query)
    assert response.status_code == 200
    assert (response.context["last"] - response.context["first"]).days + 1 == drawn * 7
    assert re.search(rf'<option value="{drawn}" selected>{drawn}</option>', response.content.decode())


def test_the_status_filter_is_a_picker(client_for):
    page = client_for("marketer").get(reverse("promo:promo_list")).content.decode()
    select = re.search(r'<select name="status"[^>]*>', page).group(0)
    assert "data-picker" in select and "multiple" in select


def test_the_marketers_menu_groups_its_items(client_for):
    nav = client_for("marketer").get(reverse("home")).content.decode().split('class="mainnav"')[1].split("</nav>")[0]
    top = re.sub(r"<details.*?</details>", "", nav, flags=re.S)
    # then at most seven items stand at the top level, the rest open from three groups
    assert len(re.findall(r"<a ", top)) + len(re.findall(r"<details", nav)) <= 8
    assert [re.sub(r"\s+", " ", s).strip() for s in re.findall(r"<summary>(.*?)</summary>", nav)] == [
        "Загрузки", "Работа", "Справочники"]
    for item in ("Загрузить акции", "Корректировки", "Журнал", "Выгрузки", "Филиалы", "Товары"):
        assert item in nav


def test_the_portal_has_its_own_icon(client_for, client):
    page = client_for("s001").get(reverse("home")).content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/img/favicon.svg"
