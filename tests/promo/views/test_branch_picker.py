"""The targeting editor's pickers without a browser: the markup that static/js/pickers.js turns
into a searchable Tom Select (branches grouped by «region · city», each option telling its city
and region), the selection kept on a refused save, and a query count that does not grow with
the branches. The browser side is tests/e2e/test_branch_picker.py."""

import re

from django.urls import reverse

from branches.models import Branch, City
from tests.factories import BranchFactory


def test_branches_are_grouped_by_region_and_city_and_searchable_by_city(client_for, make_promo):
    # given a promo for the whole chain
    promo = make_promo()

    # when the marketer opens the targeting editor
    page = client_for("marketer").get(reverse("promo:targeting_edit", args=[promo.pk])).content.decode()

    # then each branch picker is a plain multiple select marked for the picker script, with one
    # group per city named «region · city», every branch once, carrying its city and region
    select = re.search(r'<select name="branches".*?</select>', page, re.S).group(0)
    assert 'data-picker="branches"' in select and "multiple" in select
    branch = Branch.objects.select_related("city", "region").get(code="B0001")
    group = re.search(rf'<optgroup label="{branch.region.name} · {branch.city.name}">(.*?)</optgroup>',
                      select, re.S)
    assert group, "no group of the branch's city"
    in_city = Branch.objects.filter(city=branch.city).count()
    assert group.group(1).count("<option") == in_city
    assert re.search(rf'<option value="{branch.pk}" data-region="{branch.region.name}" '
                     rf'data-city="{branch.city.name}">B0001 {branch.name}</option>', group.group(1))
    assert select.count("<option") == Branch.objects.count()
    # and the exclusions pick from the same list, the cities are grouped by region
    assert 'data-picker="branches"' in re.search(r'<select name="exclude".*?</select>', page, re.S).group(0)
    cities = re.search(r'<select name="cities".*?</select>', page, re.S).group(0)
    assert cities.count("<optgroup") == City.objects.values("region").distinct().count()
    # and the picker's script and styles are served locally
    assert "/static/vendor/tom-select/tom-select.complete.min.js" in page
    assert "/static/js/pickers.js" in page


def test_a_refused_save_keeps_the_picked_branches(client_for, make_promo):
    # given the editor opened on an old version of the promo
    promo = make_promo()
    picked = list(Branch.objects.order_by("code")[:3])
    data = {"version": promo.version + 5, "branches": [b.pk for b in picked], "reason": "Три филиала"}

    # when the marketer saves three branches on a stale page
    response = client_for("marketer").post(reverse("promo:targeting_edit", args=[promo.pk]), data)

    # then she is told, and the three stay picked in the picker
    assert response.status_code == 409
    select = re.search(r'<select name="branches".*?</select>', response.content.decode(), re.S).group(0)
    assert len(re.findall(r"<option [^>]*selected", select)) == 3


def test_the_editor_reads_the_branches_once_whatever_their_number(client_for, make_promo,
                                                                   django_assert_max_num_queries):
    # given a promo, and the editor's queries with the demo chain's 300 branches
    promo = make_promo()
    client = client_for("marketer")
    url = reverse("promo:targeting_edit", args=[promo.pk])
    client.get(url)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200

    # when 200 more branches open in new cities
    BranchFactory.create_batch(200)

    # then the editor makes the same number of queries
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200
