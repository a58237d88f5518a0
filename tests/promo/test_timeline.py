"""The shelf-price timeline of a product, read from the database (promo/timeline.py), the page
and ``GET /api/v1/products/{id}/timeline/``: on random promos the timeline equals a
day-by-day computation from the promos themselves; the API answers in its documented shape;
another supplier's promo is shown without its code and price; queries stay flat."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from branches.models import Branch, Region
from branches.targeting import Targeting, resolve
from exports.selection import select, shelf_setters
from promo import mechanics
from promo.models import Promo, PromoEvent, PromoLine
from promo.services.documents import price_tags_for
from promo.services.revisions import revision_freeze_decisions, revision_record
from promo.timeline import product_timeline
from suppliers.models import Product, Supplier
from tests.factories import PromoFactory, PromoLineFactory

FIRST = date(2027, 5, 3)
TIMELINE = "promo:product_timeline"


def api_timeline(pk: int) -> str:
    return f"/api/v1/products/{pk}/timeline/"


def shelf_promo(product, *, start, days=14, status="approved", discount="15", targeting=None, approved_at=None,
                supplier=None, pending_discount=None):
    """A promo of ``product``: ``approved`` (its revision in force, approved at ``approved_at``),
    ``submitted`` (never approved), or ``pending`` (approved, with a new revision at
    ``pending_discount`` waiting: status submitted)."""
    promo = PromoFactory(supplier=supplier or product.supplier, start=start, end=start + timedelta(days=days - 1),
                         targeting=targeting or {"chain": True}, status=Promo.Status.SUBMITTED)
    line = PromoLineFactory(promo=promo, product=product, discount_percent=Decimal(discount))
    revision_record(promo=promo)
    if status in ("approved", "pending"):
        line.decision = PromoLine.Decision.ACCEPTED
        line.save()
        promo.status = Promo.Status.APPROVED
        promo.approved_revision = revision_freeze_decisions(promo=promo)
        promo.save()
        event = PromoEvent.objects.create(kind=PromoEvent.Kind.PROMO_APPROVED, promo=promo)
        PromoEvent.objects.filter(pk=event.pk).update(created_at=approved_at or timezone.now())
    if status == "pending":
        line.discount_percent = Decimal(pending_discount)
        line.decision = PromoLine.Decision.PENDING
        line.save()
        promo.status = Promo.Status.SUBMITTED
        promo.revision += 1
        promo.save()
        revision_record(promo=promo)
    return promo


def brute(product, *, first, last, branches) -> set[tuple]:
    """``(day, branch code, layer, promo code)`` from the promos themselves, day by day: each
    promo's rules resolved on that day, its unit price by promo/mechanics.py, the winner
    by the default rule written out (lowest price, then earlier first approval, then code)."""
    candidates = []
    for promo in Promo.objects.exclude(status__in=[Promo.Status.DRAFT, *Promo.Status.final()]):
        approvals = promo.events.filter(kind=PromoEvent.Kind.PROMO_APPROVED).order_by("created_at")
        if promo.approved_revision_id:
            revision = promo.approved_revision
            for line in revision.lines:
                if line["product_id"] == product.pk and line["decision"] != "rejected":
                    price = mechanics.percent_price(product.regular_price, Decimal(line["discount_percent"]))
                    candidates.append(("approved", promo.code, revision.start, revision.end, revision.targeting,
                                       price, approvals.first().created_at))
        if promo.status == Promo.Status.SUBMITTED:
            for line in promo.lines.filter(product=product).exclude(decision="rejected"):
                price = mechanics.percent_price(product.regular_price, line.discount_percent)
                candidates.append(("submitted", promo.code, promo.start, promo.end, promo.targeting, price, None))

    def best(found):
        if not found:
            return None
        latest = timezone.make_aware(datetime(9999, 1, 1))
        return min(found, key=lambda c: (c[5], c[6] or latest, c[1]))

    result = set()
    day = first
    while day <= last:
        reach: dict[str, list] = {}
        for candidate in candidates:
            if candidate[2] <= day <= candidate[3]:
                for code in resolve(Targeting.from_json(candidate[4]), on=day).filter(
                        code__in=branches).values_list("code", flat=True):
                    reach.setdefault(code, []).append(candidate)
        for code, found in reach.items():
            in_force = best([c for c in found if c[0] == "approved"])
            if in_force:
                result.add((day, code, "approved", in_force[1]))
            overall = best(found)
            if overall and overall[0] == "submitted":
                result.add((day, code, "submitted", overall[1]))
        day += timedelta(days=1)
    return result


def expand(rows) -> set[tuple]:
    found = set()
    for row in rows:
        day = row.start
        while day <= row.end:
            found |= {(day, code, row.status, row.promo) for code in row.branches}
            day += timedelta(days=1)
    return found


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.tuples(
    st.sampled_from(["approved", "submitted", "pending"]), st.integers(0, 20), st.integers(1, 20),
    st.sampled_from(["10", "15", "15", "25"]), st.sampled_from(["chain", "region", "city"]),
    st.integers(0, 3)), min_size=1, max_size=5))
def test_timeline_equals_a_day_by_day_computation_from_the_promos(plan, demo_user):
    with transaction.atomic():
        # given random promos of one product: approved (at random hours), submitted, and
        # approved with a pending revision; for the chain, a region or a city
        product = Product.objects.filter(supplier__code="S001").order_by("article").first()
        region = Region.objects.order_by("code").first()
        city = Branch.objects.filter(region=region).order_by("code").first().city
        targets = {"chain": {"chain": True}, "region": {"regions": [region.pk]}, "city": {"cities": [city.pk]}}
        for status, offset, days, discount, target, hour in plan:
            shelf_promo(product, start=FIRST + timedelta(days=offset), days=days, status=status, discount=discount,
                        targeting=targets[target], pending_discount="30",
                        approved_at=timezone.make_aware(datetime(2027, 1, 1, 8 + hour)))
        scope = list(Branch.objects.filter(region=region).values_list("code", flat=True))
        last = FIRST + timedelta(days=34)

        # when the timeline of the region is read
        timeline = product_timeline(product=product, user=demo_user("marketer"), first=FIRST, last=last,
                                    branches=Branch.objects.filter(region=region))

        # then every day and branch shows the promo the rule picks, in both layers
        assert expand(timeline.rows) == brute(product, first=FIRST, last=last, branches=scope)
        transaction.set_rollback(True)


@pytest.fixture
def overlap(db):
    """One product of S001: P1 approved at 15 % for the chain (first approved), P2 approved at
    25 % in one region from the 8th day, P3 submitted at 30 % for the chain (awaiting)."""
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    region = Region.objects.order_by("code").first()
    p1 = shelf_promo(product, start=FIRST, days=21, approved_at=timezone.make_aware(datetime(2027, 1, 1, 9)))
    p2 = shelf_promo(product, start=FIRST + timedelta(days=7), days=7, discount="25",
                     targeting={"regions": [region.pk]}, approved_at=timezone.make_aware(datetime(2027, 1, 1, 10)))
    p3 = shelf_promo(product, start=FIRST + timedelta(days=14), days=14, status="submitted", discount="30")
    return product, region, p1, p2, p3


def test_api_answers_the_segments_in_the_documented_shape(client_for, overlap):
    product, region, p1, p2, p3 = overlap
    in_region = sorted(Branch.objects.filter(region=region).open_on(FIRST).open_on(FIRST + timedelta(days=27))
                       .values_list("code", flat=True))
    assert in_region == sorted(Branch.objects.filter(region=region).open_on(FIRST + timedelta(days=12))
                               .values_list("code", flat=True)), "a branch opens or closes in the window"

    # when the marketer asks for the region's first four weeks, with the region by its code
    response = client_for("marketer").get(api_timeline(product.pk), {
        "region": region.code, "from": FIRST.isoformat(), "to": (FIRST + timedelta(days=27)).isoformat()})

    # then: P1 for a week, P2 (cheaper) for a week, P1 again, and P3 where it would win
    assert response.status_code == 200
    price = {p: str(mechanics.percent_price(product.regular_price, Decimal(d))) for p, d in
             ((p1, "15"), (p2, "25"), (p3, "30"))}
    day = lambda n: (FIRST + timedelta(days=n)).isoformat()  # noqa: E731
    assert response.json() == [
        {"from": day(0), "to": day(6), "promo": p1.code, "status": "approved", "unit_price": price[p1],
         "branches": in_region},
        {"from": day(7), "to": day(13), "promo": p2.code, "status": "approved", "unit_price": price[p2],
         "branches": in_region},
        {"from": day(14), "to": day(20), "promo": p1.code, "status": "approved", "unit_price": price[p1],
         "branches": in_region},
        {"from": day(14), "to": day(27), "promo": p3.code, "status": "submitted", "unit_price": price[p3],
         "branches": in_region},
    ]
    # and a region by its id and one branch by its code give the same days
    by_id = client_for("marketer").get(api_timeline(product.pk), {"region": region.pk, "from": day(0), "to": day(27)})
    assert by_id.json() == response.json()
    one = client_for("marketer").get(api_timeline(product.pk), {"branch": in_region[0].lower(), "from": day(0),
                                                                "to": day(27)})
    assert [row["branches"] for row in one.json()] == [[in_region[0]]] * 4


def test_a_supplier_sees_the_days_taken_by_another_suppliers_promo_without_who_or_at_what_price(
        client_for, overlap):
    product, region, p1, p2, p3 = overlap
    # given a promo of S002 on S001's product, cheaper than everything
    other = shelf_promo(product, start=FIRST, days=3, discount="50", supplier=Supplier.objects.get(code="S002"),
                        approved_at=timezone.make_aware(datetime(2027, 1, 1, 7)))

    # when s001 reads its product's timeline
    rows = client_for("s001").get(api_timeline(product.pk), {"from": FIRST.isoformat(),
                                                              "to": FIRST.isoformat()}).json()

    # then the first day is taken by a promo without code or price; S002's code is nowhere
    assert rows[0]["promo"] is None and rows[0]["unit_price"] is None and rows[0]["status"] == "approved"
    page = client_for("s001").get(reverse(TIMELINE, args=[product.pk]), {"from": FIRST.isoformat()})
    assert other.code not in page.content.decode()
    assert "другое промо" in page.content.decode()
    # and another supplier's product is not found at all
    foreign = Product.objects.filter(supplier__code="S002").first()
    assert client_for("s001").get(api_timeline(foreign.pk)).status_code == 404
    assert client_for("s001").get(reverse(TIMELINE, args=[foreign.pk])).status_code == 404


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"from": "2027-05-10", "to": "2027-05-01"}, "__all__", "Дата «по» раньше даты «с»."),
    ({"from": "2027-01-01", "to": "2028-06-01"}, "__all__", "Не больше 366 дней за раз."),
    ({"from": "вчера"}, "from", "Введите правильную дату."),
    ({"branch": "B9999"}, "branch", "Филиал «B9999» не найден."),
])
def test_bad_queries_are_refused_with_a_reason(client_for, overlap, query, field, message):
    product = overlap[0]
    response = client_for("marketer").get(api_timeline(product.pk), query)
    assert response.status_code == 400
    body = response.json()
    assert body["fields"] == ({} if field == "__all__" else {field: [message]})
    assert message in body["message"]
    assert body["code"] == {"__all__": "period_invalid", "from": "invalid", "branch": "branch_unknown"}[field]
    page = client_for("marketer").get(reverse(TIMELINE, args=[product.pk]), query)
    assert page.status_code == 400 and message in page.content.decode()


def test_the_page_draws_the_picture_with_the_regular_price_as_baseline(client_for, overlap):
    product, region, p1, p2, p3 = overlap
    response = client_for("manager").get(reverse(TIMELINE, args=[product.pk]),
                                         {"from": FIRST.isoformat(), "to": (FIRST + timedelta(days=27)).isoformat()})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="shelf-timeline"' in page
    assert '<line class="regular"' in page
    # (P1 everywhere, then outside P2's region while P2 runs there, then everywhere again)
    assert page.count('<g class="shelf-bar approved"') == 4
    assert page.count('<g class="shelf-bar submitted"') == 1
    assert f'href="/promo/{p2.pk}/"' in page
    # and the product page loads it, the promo page links each line to it
    product_page = client_for("manager").get(reverse("suppliers:product_detail", args=[product.pk])).content.decode()
    assert f'hx-get="{reverse(TIMELINE, args=[product.pk])}"' in product_page
    promo_page = client_for("manager").get(p1.get_absolute_url()).content.decode()
    assert f'{reverse(TIMELINE, args=[product.pk])}?from={FIRST:%Y-%m-%d}' in promo_page


def test_queries_do_not_grow_with_the_promos(db, client_for, django_assert_max_num_queries):
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    client = client_for("marketer")
    regions = list(Region.objects.order_by("code"))

    def count(promos: int) -> int:
        for index in range(promos):
            shelf_promo(product, start=FIRST + timedelta(days=index % 20), days=10, discount=str(10 + index % 30),
                        targeting={"regions": [regions[index % len(regions)].pk]},
                        status=("approved", "submitted", "pending")[index % 3], pending_discount="40")
        for url in (api_timeline(product.pk), reverse(TIMELINE, args=[product.pk])):
            with django_assert_max_num_queries(20) as queries:
                assert client.get(url, {"from": FIRST.isoformat()}).status_code == 200
        return len(queries)

    # given 2 promos, then 30 more, over every region: the same number of queries
    small = count(2)
    assert count(30) <= small + len(regions)  # one query per distinct targeting at most


@pytest.mark.django_db
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.tuples(st.integers(0, 12), st.integers(1, 15), st.sampled_from(["10", "15", "15", "25"]),
                               st.sampled_from(["chain", "region", "city"]), st.integers(0, 3)),
                     min_size=1, max_size=5),
       offset=st.integers(0, 20))
def test_the_timeline_agrees_with_the_export_and_the_price_tags_for_the_day(plan, offset, demo_user):
    with transaction.atomic():
        # given random approved promos of one product over the chain, a region or a city
        product = Product.objects.filter(supplier__code="S001").order_by("article").first()
        region = Region.objects.order_by("code").first()
        city = Branch.objects.filter(region=region).order_by("code").first().city
        targets = {"chain": {"chain": True}, "region": {"regions": [region.pk]}, "city": {"cities": [city.pk]}}
        for start, days, discount, target, hour in plan:
            shelf_promo(product, start=FIRST + timedelta(days=start), days=days, discount=discount,
                        targeting=targets[target], approved_at=timezone.make_aware(datetime(2027, 1, 1, 8 + hour)))
        day = FIRST + timedelta(days=offset)
        # (branches open all along: the export also leaves out a branch closing before a promo ends)
        steady = dict(Branch.objects.filter(region=region, closed__isnull=True, opened__lt=FIRST)
                      .values_list("pk", "code"))

        # when the timeline, the export of that night and the price tags of that day are read
        timeline = product_timeline(product=product, user=demo_user("marketer"), first=day, last=day,
                                    branches=Branch.objects.filter(pk__in=steady))
        on_shelf = {(code, row.promo) for row in timeline.rows if row.status == "approved" for code in row.branches}
        exported = {(steady[branch], code) for (branch, product_id), code
                    in shelf_setters(select(business_date=day)).items()
                    if product_id == product.pk and branch in steady}
        some_branch = Branch.objects.get(pk=min(steady))
        tags = {tag.promo_code for tag in price_tags_for(branch=some_branch, day=day) if tag.article == product.article}

        # then all three name the same promo for each branch
        assert on_shelf == exported
        assert tags == {code for branch, code in on_shelf if branch == some_branch.code}
        transaction.set_rollback(True)


def test_an_empty_window_points_to_the_products_next_promo(client_for, overlap):
    product, region, p1, p2, p3 = overlap
    url = reverse(TIMELINE, args=[product.pk])
    before = {"from": (FIRST - timedelta(days=60)).isoformat(), "to": (FIRST - timedelta(days=31)).isoformat()}

    # when the supplier opens a window before the first promo (the regular price all along)
    page = client_for("s001").get(url, before).content.decode()

    # then the page says when the next one starts and links to the window from that day
    assert "ни одно промо не ставит цену" in page
    assert f"Ближайшее промо этого товара — с {FIRST:%d.%m.%Y}" in page
    link = f'{url}?from={FIRST:%Y-%m-%d}&amp;to={FIRST + timedelta(days=90):%Y-%m-%d}'
    assert f'href="{link}"' in page
    # and that window shows the promo
    assert p1.code in client_for("s001").get(url, {"from": FIRST.isoformat()}).content.decode()
    # a region's window keeps the region; P2 alone starts later there but P1 covers the chain
    in_region = client_for("s001").get(url, {**before, "region": region.code}).content.decode()
    assert f'href="{url}?region={region.code}&amp;from={FIRST:%Y-%m-%d}' in in_region
    # and after the last promo there is nothing to point to
    after = client_for("s001").get(url, {"from": (FIRST + timedelta(days=40)).isoformat()}).content.decode()
    assert "ни одно промо не ставит цену" in after and "Ближайшее промо" not in after


def test_the_next_promo_is_looked_for_in_the_branches_asked_for(client_for, db):
    # given a product whose only promo runs in one region
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    region, elsewhere = Region.objects.order_by("code")[:2]
    shelf_promo(product, start=FIRST, targeting={"regions": [region.pk]})
    url = reverse(TIMELINE, args=[product.pk])
    before = {"from": (FIRST - timedelta(days=30)).isoformat(), "to": (FIRST - timedelta(days=1)).isoformat()}

    # when a window before it is shown for another region, then no next promo is announced there
    assert "Ближайшее промо" not in client_for("s001").get(url, {**before, "region": elsewhere.code}).content.decode()
    # while in its own region it is
    assert "Ближайшее промо" in client_for("s001").get(url, {**before, "region": region.code}).content.decode()


def test_the_branch_count_is_of_the_branches_trading_in_the_window_and_a_closed_one_has_no_shelf(
        client_for, overlap):
    product = overlap[0]
    url = reverse(TIMELINE, args=[product.pk])
    window = {"from": FIRST.isoformat(), "to": (FIRST + timedelta(days=27)).isoformat()}
    closed = Branch.objects.exclude(closed=None).filter(closed__lte=FIRST).first()
    assert closed is not None, "the demo set has a branch closed before the window"

    # when the chain's timeline is shown, then it counts the branches with a shelf in the window
    timeline = client_for("marketer").get(url, window).context["timeline"]
    trading = {pk for day in range(28) for pk in
               Branch.objects.open_on(FIRST + timedelta(days=day)).values_list("pk", flat=True)}
    assert timeline.branch_count == len(trading) < Branch.objects.count()
    # and a branch closed before it has no shelf, said so rather than «the regular price»
    page = client_for("marketer").get(url, {**window, "branch": closed.code}).content.decode()
    assert "ни один из выбранных филиалов не работает" in page and "на полке регулярная цена" not in page


def test_the_bar_labels_group_money_as_the_table_does(client_for, db):
    # given a promo of S002's product above 1 000 ₽, at 10 %
    product = Product.objects.filter(supplier__code="S002", regular_price__gte=Decimal("1000")).order_by("article").first()
    promo = shelf_promo(product, start=FIRST, days=60, discount="10")
    price = mechanics.percent_price(product.regular_price, Decimal("10"))
    assert price >= Decimal("1000")

    # when s002 opens the timeline, then the bar's label writes the price as the table does
    page = client_for("s002").get(reverse(TIMELINE, args=[product.pk]), {"from": FIRST.isoformat()}).content.decode()
    grouped = f"{price:,.2f}".replace(",", "\xa0").replace(".", ",")
    assert f'{grouped} ₽</td>' in page
    assert f'>{promo.code} {grouped}</text>' in page


def test_the_english_page_calls_the_approved_state_in_force_everywhere(client_for, overlap):
    from django.conf import settings as conf
    from django.utils import translation

    product, region, p1, p2, p3 = overlap
    # given a manager who reads the portal in English
    client = client_for("manager")
    client.cookies[conf.LANGUAGE_COOKIE_NAME] = "en"

    # when he opens the product's timeline
    with translation.override(conf.LANGUAGE_CODE):  # the request's language stays in the request
        page = client.get(reverse(TIMELINE, args=[product.pk]),
                          {"from": FIRST.isoformat(), "to": (FIRST + timedelta(days=27)).isoformat()}).content.decode()

    # then the legend and every approved row's badge say «in force», never «live»
    assert "in force (approved)" in page
    assert page.count('<span class="badge approved">in force</span>') == 4
    assert '<span class="badge submitted">awaiting approval</span>' in page
    assert not re.search(r"\blive\b", page, re.IGNORECASE)
