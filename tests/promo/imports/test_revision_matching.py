"""Which promo a corrected sheet revises when two promos share a name and a period: «Июль» for
one region and «Июль» for another are two promos (rows group by their branches too). A sheet of
one region's rows revises that region's promo. Before, it revised the newest of the two, so a
correction of the Altai rows could rewrite the Novosibirsk promo (its prices and its branches),
and the Altai promo stayed as it was."""

from datetime import date

import pytest
import time_machine

from branches.models import Region
from branches.targeting import Targeting
from promo.models import Promo
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


def submit(user, rows, name):
    return sheets.submit(user, rows, name, today=TODAY)


def rows_of(items, region, discount=15):
    return [line(p, **{"Название акции": "Июль", "Филиалы": region.name, "Скидка, %": discount}) for p in items]


@pytest.mark.parametrize("first", ["first region first", "second region first"])
def test_a_correction_of_one_regions_rows_revises_that_regions_promo(demo_user, first):
    # given: «Июль» in two regions, the same products and period, uploaded in one sheet (in
    # either order, so either promo is the newer one)
    s001 = demo_user("s001")
    items = list(Product.objects.filter(supplier__code="S001").order_by("article")[:2])
    one, two = Region.objects.order_by("name")[:2]
    rows = rows_of(items, one) + rows_of(items, two)
    if first == "second region first":
        rows = rows_of(items, two) + rows_of(items, one)
    upload, result = submit(s001, rows, "july.xlsx")
    assert result.ok and upload.promos.count() == 2
    by_region = {Targeting.from_json(p.targeting).regions: p for p in upload.promos.all()}
    promo_one, promo_two = by_region[(one.pk,)], by_region[(two.pk,)]

    # when: the supplier corrects the second region's discount only
    _corrected, result = submit(s001, rows_of(items, two, discount=25), "july-two.xlsx")

    # then: the second region's promo is revised; the first region's keeps its branches and terms
    assert result.ok and [row["promo"] for row in result.revisions] == [promo_two.code]
    promo_one.refresh_from_db()
    promo_two.refresh_from_db()
    assert (promo_two.revision, Targeting.from_json(promo_two.targeting).regions) == (2, (two.pk,))
    assert sorted(promo_two.lines.values_list("discount_percent", flat=True)) == [25, 25]
    assert (promo_one.revision, Targeting.from_json(promo_one.targeting).regions) == (1, (one.pk,))
    assert sorted(promo_one.lines.values_list("discount_percent", flat=True)) == [15, 15]
    assert Promo.objects.count() == 2
