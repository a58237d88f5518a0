"""The supplier and branch filters of the promo lists (config.widgets.LazySelect): the page
writes only the chosen option, with its name; the picker loads the rest from
``/promo/filter-options/<list>/<field>/`` (promo/views/filter_options.py): exactly the choices
the form offers this user. The filter filters as before; a malformed value is a form error."""

import re

import pytest
from django.urls import reverse

from branches.models import Branch
from suppliers.models import Category, Product, Supplier

pytestmark = pytest.mark.django_db

QUEUE = reverse("promo:approval_queue")
PROMOS = reverse("promo:promo_list")


def select(page: str, name: str) -> str:
    found = re.search(rf'<select name="{name}"[^>]*>.*?</select>', page, re.S)
    assert found, f"no select {name}"
    return found.group(0)


def written_options(page: str, name: str) -> list[tuple[str, bool, str]]:
    """``(value, selected, label)`` of each option the page writes into the select."""
    return [(value, bool(selected), label) for value, selected, label in
            re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select(page, name))]


def loaded(client, page: str, name: str) -> list[dict]:
    """What the picker loads for the select (its data-options-url)."""
    url = re.search(r'data-options-url="([^"]+)"', select(page, name)).group(1)
    response = client.get(url)
    assert response.status_code == 200
    return response.json()["options"]


def test_the_queue_writes_the_chosen_supplier_only_and_still_filters_by_it(client_for, make_promo):
    # given promos of S001 and S002 in the manager's queue
    own = make_promo(supplier="S001")
    other = make_promo(supplier="S002")
    s002 = Supplier.objects.get(code="S002")
    client = client_for("manager")

    # when he opens the queue, then filters it by S002
    unfiltered = client.get(QUEUE).content.decode()
    response = client.get(QUEUE, {"supplier": s002.pk})
    page = response.content.decode()

    # then the unfiltered page writes no supplier and no branch, only the empty choice
    assert [value for value, _selected, _label in written_options(unfiltered, "supplier")] == [""]
    assert [value for value, _selected, _label in written_options(unfiltered, "branch")] == [""]
    # and the filtered one lists S002's promo only, with S002 chosen under its name
    assert [promo.code for promo in response.context["promos"]] == [other.code]
    assert own.code not in page
    assert written_options(page, "supplier") == [("", False, "---------"), (str(s002.pk), True, str(s002))]
    # and the picker of either page loads the same suppliers, S002 among them, named as chosen
    options = loaded(client, page, "supplier")
    assert options == loaded(client, unfiltered, "supplier")
    assert {"value": str(s002.pk), "text": str(s002)} in options
    assert options[0] == {"value": "", "text": "---------"}


def test_the_branch_filter_loads_every_branch_and_keeps_the_chosen_one(client_for, make_promo):
    # given a promo for one branch and one for another, on the promo list of the marketer
    first, second = Branch.objects.order_by("code")[:2]
    mine = make_promo(targeting={"branches": [first.pk]})
    make_promo(targeting={"branches": [second.pk]})
    client = client_for("marketer")

    # when she filters the list by the first branch
    response = client.get(PROMOS, {"branch": first.pk})
    page = response.content.decode()

    # then only its promo is listed, the branch is shown chosen by its name, and the picker
    # loads every branch of the chain, in the form's order
    assert [promo.code for promo in response.context["page_obj"]] == [mine.code]
    assert (str(first.pk), True, str(first)) in written_options(page, "branch")
    values = [option["value"] for option in loaded(client, page, "branch") if option["value"]]
    assert values == [str(pk) for pk in Branch.objects.values_list("pk", flat=True)]


@pytest.mark.parametrize(("username", "listing"), [("manager3", "queue"), ("s001", "promos"),
                                                   ("marketer", "promos"), ("manager", "queue")])
def test_the_loaded_suppliers_are_those_the_person_may_pick(client_for, demo_user, username, listing):
    # given the suppliers each filter may offer: a supplier user its own; a manager, in his
    # queue, the suppliers of products of his categories; the marketer every one
    user = demo_user(username)
    if listing == "queue":
        expected = Supplier.objects.filter(products__category__in=Category.objects.restrict(user, "decide"))
    else:
        expected = Supplier.objects.restrict(user)

    # when the person's picker loads the suppliers
    response = client_for(username).get(reverse("promo:filter_options", args=[listing, "supplier"]))

    # then exactly those, each once
    values = [option["value"] for option in response.json()["options"] if option["value"]]
    assert sorted(values) == sorted({str(pk) for pk in expected.values_list("pk", flat=True)})
    assert values and len(values) == len(set(values))


def test_the_options_are_for_the_lists_people_may_open(client, client_for):
    url = reverse("promo:filter_options", args=["queue", "supplier"])
    # anonymous: to the login; a supplier user: not the queue's; a manager: the queue's
    assert client.get(url).status_code == 302
    assert client_for("s001").get(url).status_code == 403
    manager = client_for("manager")
    assert manager.get(url).status_code == 200
    # and an unknown list, an unknown field or a field the page writes whole: not found
    for listing, name in (("nowhere", "supplier"), ("queue", "nothing"), ("queue", "category"), ("promos", "q")):
        assert manager.get(reverse("promo:filter_options", args=[listing, name])).status_code == 404


@pytest.mark.parametrize("value", ["²", "abc", "-1", str(2**70), "999999"])
def test_a_malformed_or_unknown_supplier_is_refused_in_russian(client_for, make_promo, value):
    # given a promo in the queue
    make_promo()

    # when the queue is asked for a supplier that is not one
    response = client_for("manager").get(QUEUE, {"supplier": value})

    # then the page says so, chooses nothing and lists nothing filtered by it
    page = response.content.decode()
    assert response.status_code == 200
    assert "Выберите корректный вариант" in page
    assert written_options(page, "supplier") == [("", False, "---------")]


def test_a_supplier_outside_his_categories_is_not_offered_nor_shown(client_for, demo_user):
    # given a supplier none of whose products is in manager1's categories
    managed = Category.objects.restrict(demo_user("manager1"), "decide")
    foreign = Supplier.objects.exclude(pk__in=Product.objects.filter(category__in=managed).values("supplier")).first()
    assert foreign is not None

    # when manager1 asks his queue for it
    page = client_for("manager1").get(QUEUE, {"supplier": foreign.pk}).content.decode()

    # then it is refused and not written as chosen
    assert "Выберите корректный вариант" in page
    assert str(foreign) not in select(page, "supplier")


NOSCRIPT = re.compile(r'<noscript><button type="submit" class="link" name="all_options" value="(\w+)">([^<]+)</button>'
                      r"</noscript>")


@pytest.mark.parametrize(("username", "url"), [("marketer", PROMOS), ("manager", QUEUE)])
def test_without_javascript_the_chosen_supplier_can_be_changed_for_another(client_for, make_promo, username, url):
    # given promos of S001 and S002, and a browser without JavaScript: what it sends is the
    # filter form's fields and the button pressed, as the test client does here
    own = make_promo(supplier="S001")
    other = make_promo(supplier="S002")
    s001, s002 = Supplier.objects.get(code="S001"), Supplier.objects.get(code="S002")
    client = client_for(username)

    # when the list is filtered by S002, then each lazy select offers the way to every option
    page = client.get(url, {"supplier": s002.pk}).content.decode()
    assert NOSCRIPT.findall(page) == [("supplier", "Показать все варианты"), ("branch", "Показать все варианты")]
    assert len(written_options(page, "supplier")) == 2

    # when the person presses «Показать все варианты» of the supplier (the form sent as it is)
    response = client.get(url, {"supplier": s002.pk, "status": "submitted", "all_options": "supplier"})
    page = response.content.decode()

    # then the list is still filtered by S002, and the supplier select writes every supplier
    # the picker would load, S002 chosen; the branch select stays lazy
    rows = response.context["promos" if url == QUEUE else "page_obj"]
    assert [promo.code for promo in rows] == [other.code]
    written = written_options(page, "supplier")
    assert [{"value": value, "text": label} for value, _selected, label in written] == loaded(client, page, "supplier")
    assert [value for value, selected, _label in written if selected] == [str(s002.pk)]
    assert NOSCRIPT.findall(page) == [("branch", "Показать все варианты")]
    assert len(written_options(page, "branch")) == 1

    # when the person picks S001 among them and sends the form, then the list follows
    response = client.get(url, {"supplier": s001.pk, "status": "submitted"})
    assert [promo.code for promo in response.context["promos" if url == QUEUE else "page_obj"]] == [own.code]
    assert (str(s001.pk), True, str(s001)) in written_options(response.content.decode(), "supplier")


@pytest.mark.parametrize("count", [10, 10_000])
def test_every_option_written_costs_a_flat_number_of_queries(bulk_promos, client_for, django_assert_max_num_queries,
                                                            count):
    # given 10, then 10,000 promos
    bulk_promos(count)
    client = client_for("marketer")
    client.get(PROMOS)  # warms the per-process caches (content types)

    # when the marketer asks the list for every supplier, then for every branch too
    with django_assert_max_num_queries(10) as lazy:
        client.get(PROMOS, {"status": "submitted"})
    with django_assert_max_num_queries(11) as every:
        page = client.get(PROMOS, {"status": "submitted", "all_options": ["supplier", "branch"]}).content.decode()

    # then each select writes every option for one query of its own, whatever the number of rows
    assert len(written_options(page, "branch")) == Branch.objects.count() + 1
    assert len(written_options(page, "supplier")) == Supplier.objects.count() + 1
    assert len(every) <= len(lazy) + 2
