"""Conflict detail (promo.services.conflicts.promo_conflict_details) through the region
hierarchy: a promo for a region collides with promos for one of its cities and one of its
branches, not with a promo in another region or on other days; each overlap tells the days
both run, the branches both target and both unit prices. On the promo page the supplier sees
that its line conflicts, without the other supplier's identity or terms. A list's rows
(promo.services.conflicts.conflicting_promo_ids: the approval queue's «Конфликты» column) ask
only whether a promo conflicts, and get the same answer as the detail."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from branches.models import Branch, Region
from promo import mechanics
from promo.models import Promo, PromoLine
from promo.services.conflicts import (
    competing_products,
    conflicting_promo_ids,
    promo_conflict_details,
    promo_conflicts,
)
from suppliers.models import Product, Supplier
from tests.factories import PromoFactory, PromoLineFactory

START = date(2027, 6, 1)


def make(product, *, start, days, targeting, status=Promo.Status.SUBMITTED, supplier=None, **terms):
    mechanic = Promo.Mechanic.FIXED_PRICE if "promo_price" in terms else (
        Promo.Mechanic.N_PLUS_M if "n" in terms else Promo.Mechanic.PERCENT)
    promo = PromoFactory(supplier=supplier or product.supplier, start=start, end=start + timedelta(days=days - 1),
                         targeting=targeting, status=status, mechanic=mechanic)
    PromoLineFactory(promo=promo, product=product, discount_percent=terms.get("discount_percent"),
                     promo_price=terms.get("promo_price"), n=terms.get("n"), m=terms.get("m"))
    return promo


@pytest.fixture
def hierarchy(db):
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    region, elsewhere = Region.objects.order_by("code")[:2]
    city = Branch.objects.filter(region=region).order_by("code").first().city
    lone = Branch.objects.filter(region=region).exclude(city=city).order_by("code").first()
    promo = make(product, start=START, days=30, targeting={"regions": [region.pk]}, discount_percent=Decimal("15"))
    by_city = make(product, start=START + timedelta(days=20), days=30, targeting={"cities": [city.pk]},
                   status=Promo.Status.APPROVED, promo_price=Decimal("99.90"))
    by_branch = make(product, start=START - timedelta(days=10), days=15, targeting={"branches": [lone.pk]},
                     supplier=Supplier.objects.get(code="S002"), n=2, m=1)
    make(product, start=START, days=30, targeting={"regions": [elsewhere.pk]}, discount_percent=Decimal("20"))
    make(product, start=START + timedelta(days=30), days=10, targeting={"regions": [region.pk]},
         discount_percent=Decimal("25"))
    return product, region, city, lone, promo, by_city, by_branch


def test_a_region_collides_with_its_city_and_its_branch_only(hierarchy, demo_user):
    product, region, city, lone, promo, by_city, by_branch = hierarchy

    # when the conflicts of the region's promo are read for the marketer
    conflicts = promo_conflict_details(promo, user=demo_user("marketer"))

    # then exactly the city's and the branch's promos collide, the other region's and the later one do not
    assert [c.other for c in conflicts] == sorted([by_city, by_branch], key=lambda p: p.pk)
    city_conflict = next(c for c in conflicts if c.other == by_city)
    branch_conflict = next(c for c in conflicts if c.other == by_branch)
    # and the overlap is the days both run, in the branches both target
    assert (city_conflict.start, city_conflict.end, city_conflict.days) == (
        START + timedelta(days=20), START + timedelta(days=29), 10)
    assert city_conflict.branch_codes == tuple(sorted(Branch.objects.filter(city=city).values_list("code", flat=True)))
    assert (branch_conflict.start, branch_conflict.end, branch_conflict.days) == (START, START + timedelta(days=4), 5)
    assert branch_conflict.branch_codes == (lone.code,) and branch_conflict.branch_count == 1
    # and both unit prices are given by the mechanics: 15 %, the fixed 99.90, 2+1
    regular = promo.lines.get().regular_price
    assert city_conflict.unit_price == mechanics.percent_price(regular, Decimal("15"))
    assert city_conflict.other_unit_price == Decimal("99.90")
    assert branch_conflict.other_unit_price == mechanics.nplusm_unit_price(regular, 2, 1)
    assert all(c.visible for c in conflicts)


def test_the_supplier_sees_that_it_conflicts_but_not_with_whom(hierarchy, demo_user, client_for):
    product, region, city, lone, promo, by_city, by_branch = hierarchy

    # when s001 reads the same conflicts
    conflicts = promo_conflict_details(promo, user=demo_user("s001"))

    # then its own other promo shows, S002's is there but not visible
    assert {(c.other.pk, c.visible) for c in conflicts} == {(by_city.pk, True), (by_branch.pk, False)}

    # and on the page: S002's promo code, supplier and terms are nowhere, the fact is there
    page = client_for("s001").get(promo.get_absolute_url()).content.decode()
    assert by_city.code in page
    assert by_branch.code not in page and "S002" not in page and "2+1" not in page
    assert "пересекается с промо другого поставщика" in page

    # and the marketer's page tells everything, with the branches on demand
    page = client_for("marketer").get(promo.get_absolute_url()).content.decode()
    assert by_branch.code in page and "S002" in page
    assert f"{(START + timedelta(days=20)):%d.%m.%Y} – {(START + timedelta(days=29)):%d.%m.%Y}" in page
    assert f"<summary>филиалов: {Branch.objects.filter(city=city).count()}</summary>" in page
    assert lone.code in page


def test_the_page_reads_conflicts_in_a_fixed_number_of_queries(db, client_for, django_assert_max_num_queries):
    # given a regional promo of 3 lines, then one of 30 lines, each line colliding with a city promo
    region = Region.objects.order_by("code").first()
    city = Branch.objects.filter(region=region).first().city
    client = client_for("marketer")

    def queries(lines: int, start: date) -> int:
        products = list(Product.objects.filter(supplier__code="S001").order_by("article")[:lines])
        promo = PromoFactory(supplier=products[0].supplier, start=start, end=start + timedelta(days=20),
                             targeting={"regions": [region.pk]}, status=Promo.Status.SUBMITTED)
        for product in products:
            PromoLineFactory(promo=promo, product=product)
            make(product, start=start, days=10, targeting={"cities": [city.pk]}, discount_percent=Decimal("30"))
        client.get(promo.get_absolute_url())
        with django_assert_max_num_queries(40) as counted:
            assert client.get(promo.get_absolute_url()).status_code == 200
        return len(counted)

    # then both pages make the same number of queries
    assert queries(30, START + timedelta(days=100)) == queries(3, START + timedelta(days=200))


def test_branch_sets_expand_a_targeting_as_its_branch_filter_selects(db, django_assert_max_num_queries):
    # given rule sets of every kind over the demo chain: the chain, regions, cities, groups,
    # branches, mixed, with exclusions, empty, and ids that match nothing
    from branches.models import BranchGroup, City
    from branches.targeting import Targeting
    from promo.services.conflicts import BranchSets

    regions = list(Region.objects.order_by("code").values_list("pk", flat=True))
    cities = list(City.objects.order_by("pk").values_list("pk", flat=True))
    branches = list(Branch.objects.order_by("code").values_list("pk", flat=True))
    group = BranchGroup.objects.create(name="Гипермаркеты")
    group.branches.set(branches[3:9])
    empty_group = BranchGroup.objects.create(name="Пустая группа")
    rule_sets = [
        {"chain": True}, {"chain": True, "exclude": branches[:5]}, {"regions": regions[:2]},
        {"regions": regions[:1], "exclude": branches[:40]}, {"cities": cities[1:4]},
        {"groups": [group.pk]}, {"groups": [group.pk, empty_group.pk], "branches": branches[-2:]},
        {"branches": branches[10:12], "cities": cities[:1], "exclude": branches[11:12]},
        {}, {"exclude": branches[:3]}, {"branches": [max(branches) + 1000]}, {"regions": [max(regions) + 1000]},
    ]

    # when one BranchSets expands them all
    sets = BranchSets()
    with django_assert_max_num_queries(2):
        expanded = [sets.of(rules) for rules in rule_sets]

    # then each is the set the rule set's branch filter selects in SQL
    for rules, found in zip(rule_sets, expanded, strict=True):
        targeting = Targeting.from_json(rules)
        expected = set() if targeting.is_empty else set(
            Branch.objects.filter(targeting.branch_filter()).values_list("pk", flat=True))
        assert found == expected, rules
    assert sets.codes == dict(Branch.objects.values_list("pk", "code"))


def test_a_lists_rows_conflict_exactly_when_their_detail_shows_a_conflict(hierarchy, django_assert_max_num_queries):
    # given the hierarchy's five promos of one product (a region's, its city's, one of its
    # branches', another region's, and a later one for the region), and around them: a
    # promo of the same days whose line was rejected, a withdrawn one, a draft, and a promo of
    # two lines of which only the second collides
    product, region, city, lone, promo, by_city, by_branch = hierarchy
    everywhere = {"chain": True}
    rejected = make(product, start=START, days=30, targeting=everywhere, discount_percent=Decimal("10"))
    rejected.lines.update(decision=PromoLine.Decision.REJECTED, decision_reason="Дорого")
    withdrawn = make(product, start=START, days=30, targeting=everywhere, status=Promo.Status.WITHDRAWN,
                     discount_percent=Decimal("10"))
    draft = make(product, start=START, days=30, targeting=everywhere, status=Promo.Status.DRAFT,
                 discount_percent=Decimal("10"))
    other_product = Product.objects.filter(supplier__code="S001").order_by("article")[1]
    two_lines = make(other_product, start=START - timedelta(days=100), days=10, targeting=everywhere,
                     discount_percent=Decimal("5"))
    PromoLineFactory(promo=two_lines, product=Product.objects.filter(supplier__code="S001").order_by("article")[2])
    make(two_lines.lines.order_by("product__article").last().product, start=START - timedelta(days=95), days=3,
         targeting={"branches": [lone.pk]}, discount_percent=Decimal("7"))
    promos = list(Promo.objects.order_by("pk"))

    elsewhere = next(p for p in promos if p.targeting.get("regions") not in (None, [region.pk]))

    # when a list asks which of them conflict
    with django_assert_max_num_queries(4):
        found = conflicting_promo_ids(promos)

    # then each promo conflicts exactly when its detail lists another live promo
    assert found == {p.pk for p in promos if promo_conflicts(p)}
    # : all of them but the other region's promo, which meets the chain's promos on its days only
    # where they do not count (a rejected line, a withdrawn and a draft promo), and the promo
    # whose one line was rejected: that line will not run, so it meets nothing either (a
    # promo's own status is not the question: the withdrawn and draft promos themselves do
    # meet live ones); the two-line promo by its second line
    assert found == {p.pk for p in promos} - {elsewhere.pk, rejected.pk}
    assert {withdrawn.pk, draft.pk, two_lines.pk} <= found
    # and nothing asked, nothing read
    with django_assert_max_num_queries(0):
        assert conflicting_promo_ids([]) == set()


def test_a_promos_own_rejected_line_conflicts_with_nothing(db, client_for):
    # given an approved chain-wide promo of two products, and a submitted one of the same two
    # products on overlapping days whose first line the manager rejected (it will not run)
    first, second = Product.objects.filter(supplier__code="S001").order_by("article")[:2]
    everywhere = {"chain": True}
    running = make(first, start=START, days=30, targeting=everywhere, status=Promo.Status.APPROVED,
                   discount_percent=Decimal("10"))
    PromoLineFactory(promo=running, product=second)
    promo = make(first, start=START + timedelta(days=10), days=30, targeting=everywhere,
                 discount_percent=Decimal("15"))
    PromoLineFactory(promo=promo, product=second)
    promo.lines.filter(product=first).update(decision=PromoLine.Decision.REJECTED, decision_reason="Пересекается")

    # when its conflicts are read: the detail of its page, the pairs, and a list's rows
    details = promo_conflict_details(promo)
    pairs = promo_conflicts(promo)

    # then only its running second line collides, in every reading
    assert [(c.line.product, c.other) for c in details] == [(second, running)]
    assert [(line.product, other) for line, other in pairs] == [(second, running)]
    # and the other promo's page lists the second line only too (a rejected line, either side),
    # and so does a sheet's overlap warning (its competing lines: the running promo's, and of
    # this promo the second line only)
    assert [c.line.product for c in promo_conflict_details(running)] == [second]
    assert competing_products(product_ids=[first.pk, second.pk], first=START, last=START + timedelta(days=60),
                              exclude_promo_ids=[running.pk]) == {second.pk: {promo.pk}}
    # and on the page the rejected line's conflict cell is empty, the running one's names the promo
    page = client_for("manager").get(promo.get_absolute_url()).content.decode()
    rows = {article: page.split(f'data-article="{article}"', 1)[1].split("</tr>", 1)[0]
            for article in (first.article, second.article)}
    assert running.code not in rows[first.article]
    assert running.code in rows[second.article]

    # when the second line is rejected as well (the promo waits on nothing that runs against it)
    promo.lines.filter(product=second).update(decision=PromoLine.Decision.REJECTED, decision_reason="Дорого")

    # then nothing of it conflicts: not on its page, not in the queue's column, not for the other
    assert promo_conflict_details(promo) == [] and promo_conflicts(promo) == []
    assert conflicting_promo_ids([promo, running]) == set()
