"""The category manager's approval screen: his queue with counts, the age of the oldest
promo, filters, sorting and bulk decisions; and a flat query count with 1,000 promos."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from promo.models import Promo, PromoLine
from promo.services.point_corrections import promo_correct
from promo.services.transitions import promo_approve, promo_submit
from suppliers.models import Product, Supplier

QUEUE = reverse("promo:approval_queue")
BULK = reverse("promo:promo_bulk")
START_FAR = date(2027, 4, 1)


def test_queue_of_1000_promos_keeps_a_flat_query_count(bulk_promos, client_for, django_assert_max_num_queries):
    # given 1,000 promos waiting for the manager of every category
    bulk_promos(1000)
    client = client_for("manager")
    client.get(QUEUE)  # a running server has Django's content-type cache warm already

    # when he opens his queue (first and a later page): session, user, roles, his categories,
    # one count (the queue's size, oldest and overdue, also the pager's when nothing is
    # filtered), the page, its lines (counts and margins), the overlap check (the pairs of
    # promos; the others' branches when there is a pair), the suppliers' open requests and
    # the filter choices (categories, regions: the suppliers and branches load when their
    # picker opens), whatever the queue's length
    with django_assert_max_num_queries(13):
        response = client.get(QUEUE)
    with django_assert_max_num_queries(13):
        later = client.get(QUEUE, {"page": 7, "sort": "supplier"})

    # then he sees the total and a page of 50, each with its numbers
    assert response.status_code == later.status_code == 200
    assert response.context["totals"]["total"] == 1000
    assert len(response.context["promos"]) == 50
    assert response.content.decode().count('name="promos"') == 50


def test_queue_shows_only_his_categories_with_counts_and_oldest(client_for, make_promo, demo_user):
    # given two promos of S001 (C13/C15, manager3's) submitted on different days, and a draft
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 2, 10, 0)), tick=False):
        old = make_promo(status=Promo.Status.DRAFT)
        promo_submit(promo=old, actor=demo_user("s001"))
    recent = make_promo(status=Promo.Status.DRAFT)
    promo_submit(promo=recent, actor=demo_user("s001"))
    draft = make_promo(status=Promo.Status.DRAFT)

    # when manager3 and manager1 (C01-C06) open their queues
    mine = client_for("manager3").get(QUEUE, {"sort": "age"})
    other = client_for("manager1").get(QUEUE)

    # then manager3 sees both submitted promos, the oldest first, and when it was sent
    page = mine.content.decode()
    codes = [promo.code for promo in mine.context["promos"]]
    assert codes[:2] == [old.code, recent.code]
    assert draft.code not in page
    assert mine.context["totals"]["total"] == 2
    assert mine.context["totals"]["oldest"].date() == date(2026, 11, 2)
    assert "02.11.2026" in page
    # and manager1, who decides none of their categories, has an empty queue
    assert other.context["totals"]["total"] == 0
    assert old.code not in other.content.decode()


def test_a_resubmitted_revision_shows_the_age_of_its_own_submission(client_for, make_promo, demo_user):
    # given a promo sent on 02.11, approved, and corrected (a new revision back to approval) on 20.11
    promo = make_promo(status=Promo.Status.DRAFT)
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 2, 10, 0)), tick=False):
        promo_submit(promo=promo, actor=demo_user("s001"))
        promo_approve(promo=promo, actor=demo_user("manager"))
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 20, 10, 0)), tick=False):
        promo_correct(promo=promo, actor=demo_user("marketer"), reason="Короче", end=promo.end - timedelta(days=3))

    # when manager3 opens his queue
    response = client_for("manager3").get(QUEUE)

    # then the age is that of the revision waiting, not of the first submission
    (row,) = response.context["promos"]
    assert timezone.localtime(row.submitted_at).date() == date(2026, 11, 20)
    assert response.context["totals"]["oldest"].date() == date(2026, 11, 20)
    assert "20.11.2026" in response.content.decode()


def test_the_queue_sorts_by_decision_due_date_and_shows_the_overdue_in_red(client_for, make_promo, demo_user,
                                                                          settings):
    # given 3 working days to decide, never later than 100 days before the start, and three
    # promos sent for approval: on Monday 02.11 (due 05.11), on Friday 20.11 (due Wednesday
    # 25.11) and on Monday 23.11 one that starts on 04.03.2027 (due 100 days before: Tuesday 24.11)
    settings.PROMO_DECISION_WORKING_DAYS, settings.PROMO_DECISION_BUFFER_DAYS = 3, 100
    sent = {}
    for name, day, start in (("late", 2, START_FAR), ("calm", 20, START_FAR), ("urgent", 23, date(2027, 3, 4))):
        with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, day, 10, 0)), tick=False):
            sent[name] = make_promo(status=Promo.Status.DRAFT, start=start)
            promo_submit(promo=sent[name], actor=demo_user("s001"))
    late, calm, urgent = sent["late"], sent["calm"], sent["urgent"]

    # when manager3 opens his queue on Tuesday 24.11, by default and sorted by age
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 24, 12, 0)), tick=False):
        client = client_for("manager3")
        by_due = client.get(QUEUE)
        by_age = client.get(QUEUE, {"sort": "age"})

    # then the default order is the due date's (the age order differs), each row with its due date
    assert [p.code for p in by_due.context["promos"]] == [late.code, urgent.code, calm.code]
    assert [p.code for p in by_age.context["promos"]] == [late.code, calm.code, urgent.code]
    page = by_due.content.decode()
    assert "05.11.2026" in page and "24.11.2026" in page and "25.11.2026" in page
    # and only the promo past its due date is overdue: in red, and counted (the one due today is not)
    assert by_due.context["totals"]["overdue"] == 1
    assert re.search(r'<a class="stat overdue" href="\?sort=due"><div class="value" id="queue-overdue">1</div>', page)
    rows = re.findall(r'<tr data-promo="([^"]+)"( class="overdue")?>', page)
    assert rows == [(late.code, ' class="overdue"'), (urgent.code, ""), (calm.code, "")]
    assert page.count('class="decision-due bad"') == 1


def test_queue_filters_and_sorting(client_for, make_promo):
    # given promos of two suppliers starting on different days
    early = make_promo(supplier="S001", start=date(2027, 4, 1))
    late = make_promo(supplier="S001", start=date(2027, 6, 1))
    foreign = make_promo(supplier="S002", start=date(2027, 5, 1))
    client = client_for("manager")

    # when the manager filters by supplier, by period and sorts by start
    by_supplier = client.get(QUEUE, {"supplier": Supplier.objects.get(code="S002").pk})
    by_period = client.get(QUEUE, {"period_from": "2027-06-05", "period_to": "2027-07-01"})
    by_start = client.get(QUEUE, {"sort": "start"})

    # then each shows what was asked for
    assert [p.code for p in by_supplier.context["promos"]] == [foreign.code]
    assert [p.code for p in by_period.context["promos"]] == [late.code]
    assert [p.code for p in by_start.context["promos"]] == [early.code, foreign.code, late.code]


def test_only_conflicts_filter(client_for, make_promo):
    # given two live promos of the same product over the same days, and an unrelated one
    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    first = make_promo(products=[product])
    second = make_promo(products=[product], start=date(2027, 4, 10))
    alone = make_promo(products=list(Product.objects.filter(supplier__code="S001").order_by("article")[5:7]))

    # when the manager asks for promos with conflicts only
    response = client_for("manager").get(QUEUE, {"conflicts": "1"})

    # then the colliding pair is listed and marked, the other one is not
    codes = {promo.code for promo in response.context["promos"]}
    assert codes == {first.code, second.code}
    assert alone.code not in response.content.decode()
    assert all(promo.has_conflict for promo in response.context["promos"])


def run(client, action: str, promos, *, versions=None, **extra):
    """Post the queue's bulk bar, confirmed (the confirmation page posts ``step=run``)."""
    versions = versions or {}
    data = {"action": action, "step": "run", "source": "queue", "promos": [p.pk for p in promos],
            **{f"version_{p.pk}": versions.get(p.pk, p.version) for p in promos}, **extra}
    return client.post(BULK, data)


def test_bulk_accept_selected(client_for, make_promo):
    # given three promos in the queue, two ticked
    one, two, untouched = make_promo(), make_promo(), make_promo()

    # when the manager accepts the ticked ones
    response = run(client_for("manager3"), "approve", [one, two])

    # then those are approved with every line accepted, the third still waits, and the result
    # page lists both as done
    for promo in (one, two, untouched):
        promo.refresh_from_db()
    assert one.status == two.status == Promo.Status.APPROVED
    assert set(one.lines.values_list("decision", flat=True)) == {PromoLine.Decision.ACCEPTED}
    assert untouched.status == Promo.Status.SUBMITTED
    assert response.status_code == 200
    assert response.context["result"].done == [one.pk, two.pk]
    assert one.code in response.content.decode() and two.code in response.content.decode()


def test_bulk_reject_needs_a_reason(client_for, make_promo):
    # given a ticked promo
    promo = make_promo()
    client = client_for("manager3")

    # when the manager rejects without a reason, then with one
    refused = run(client, "reject", [promo])
    promo.refresh_from_db()
    status_after_refusal = promo.status
    run(client, "reject", [promo], reason="Не наш ассортимент")
    promo.refresh_from_db()

    # then the first is refused with a message and nothing decided, the second rejects it
    assert refused.status_code == 400
    assert "Укажите причину отклонения." in refused.content.decode()
    assert status_after_refusal == Promo.Status.SUBMITTED
    assert promo.status == Promo.Status.REJECTED
    assert set(promo.lines.values_list("decision_reason", flat=True)) == {"Не наш ассортимент"}


def test_bulk_decision_with_a_stale_version_is_refused(client_for, make_promo):
    # given a promo the manager saw at version 1, changed since by someone else
    promo = make_promo()
    seen = promo.version
    Promo.objects.filter(pk=promo.pk).update(version=seen + 1)

    # when he accepts it from the queue
    response = run(client_for("manager3"), "approve", [promo], versions={promo.pk: seen})

    # then he is told to refresh, and nothing was decided
    promo.refresh_from_db()
    assert "обновите страницу" in response.content.decode()
    assert [r.code for r in response.context["result"].refused] == ["stale_version"]
    assert promo.status == Promo.Status.SUBMITTED
    assert set(promo.lines.values_list("decision", flat=True)) == {PromoLine.Decision.PENDING}


def test_bulk_decision_with_a_stray_character_for_an_id_or_version_decides_nothing(client_for, make_promo):
    # given: a promo waiting in the manager's queue
    promo = make_promo()
    client = client_for("manager")

    # when: the form comes back with «²» (a digit to str.isdigit, not to int) as id or version
    bad_id = client.post(BULK, {"promos": ["²"], "version_²": "²", "action": "approve", "step": "run"})
    bad_version = client.post(BULK, {"promos": [promo.pk], f"version_{promo.pk}": "²", "action": "approve",
                                     "step": "run"})

    # then: a Russian message each time, and the promo still waiting
    assert bad_id.status_code == bad_version.status_code == 400
    assert "Промо ² недоступно." in bad_id.content.decode()
    assert "Страница устарела, обновите её." in bad_version.content.decode()
    promo.refresh_from_db()
    assert promo.status == Promo.Status.SUBMITTED
    assert not promo.lines.exclude(decision=PromoLine.Decision.PENDING).exists()


@pytest.mark.parametrize("username", ["manager3", "manager"])
def test_queue_links_to_the_promo_page(client_for, make_promo, username):
    # given a promo in the queue
    promo = make_promo()

    # when the manager opens his queue
    page = client_for(username).get(QUEUE).content.decode()

    # then the row links to the promo page
    assert f'href="{promo.get_absolute_url()}"' in page


def test_bulk_decides_the_rest_when_one_was_decided_meanwhile(client_for, make_promo):
    # given two ticked promos, one approved by another manager since the queue was shown
    waiting = make_promo()
    decided = make_promo()
    seen = {p.pk: p.version for p in (waiting, decided)}
    client_for("manager").post(reverse("promo:promo_approve", args=[decided.pk]), {"version": decided.version})

    # when manager3 accepts both from his stale queue page
    response = run(client_for("manager3"), "approve", [waiting, decided], versions=seen)

    # then the waiting one is approved and the other is named with the reason it was skipped
    waiting.refresh_from_db()
    page = response.content.decode()
    assert waiting.status == Promo.Status.APPROVED
    assert response.context["result"].done == [waiting.pk]
    assert decided.code in page and "Промо уже изменено" in page


def test_queue_counts_lines_per_promo_and_sorts_by_what_waits(client_for, make_promo):
    # given three promos of S001 for manager3 (C13-C18): 6 lines of which 2 already decided,
    # 2 lines, and 5 lines; and a promo of another supplier
    products = list(Product.objects.filter(supplier__code="S001", category__code__gte="C13").order_by("article"))
    six = make_promo(products=products[:6])
    PromoLine.objects.filter(promo=six, product__in=products[:2]).update(decision=PromoLine.Decision.ACCEPTED)
    two = make_promo(products=products[6:8])
    five = make_promo(products=products[8:13])
    other = Supplier.objects.exclude(code="S001").filter(
        products__category__code__gte="C13").distinct().order_by("code").first()
    make_promo(supplier=other.code, products=list(other.products.filter(category__code__gte="C13")[:1]))
    client = client_for("manager3")

    # when he sorts his queue by the lines waiting for him
    response = client.get(QUEUE, {"sort": "lines"})

    # then the most waiting first, each promo with its lines and those waiting for him
    rows = {promo.code: (promo.line_count, promo.my_pending) for promo in response.context["promos"]}
    assert [promo.code for promo in response.context["promos"]][:3] == [five.code, six.code, two.code]
    assert rows[six.code] == (6, 4) and rows[two.code] == (2, 2) and rows[five.code] == (5, 5)

    # and when he filters by S001 (on a later page of the sort), the pager counts the filtered
    # promos while the queue's total stays the whole queue
    filtered = client.get(QUEUE, {"sort": "supplier", "supplier": six.supplier_id})
    assert filtered.context["paginator"].count == 3
    assert filtered.context["totals"]["total"] == response.context["paginator"].count == 4


def test_a_row_reads_as_the_template_filters_write_it(client_for, make_promo, demo_user):
    # given a promo of S001 in its second revision, sent for approval on 02.11.2026 at 10:00
    # (Novosibirsk), with a line below cost, colliding with another promo of the same product
    from django.template.defaultfilters import date as date_filter
    from django.template.defaultfilters import floatformat, timesince_filter

    product = Product.objects.filter(supplier__code="S001").order_by("article").first()
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 2, 10, 0)), tick=False):
        promo = make_promo(status=Promo.Status.DRAFT, products=[product], discount=Decimal("60"))
        promo_submit(promo=promo, actor=demo_user("s001"))
    make_promo(products=[product], start=START_FAR + timedelta(days=5))
    Promo.objects.filter(pk=promo.pk).update(revision=2)
    promo.lines.update(compensation_percent=0)
    promo.refresh_from_db()

    # when manager3 opens his queue
    response = client_for("manager3").get(QUEUE, {"sort": "age"})
    page = response.content.decode()
    row = re.search(rf'<tr data-promo="{promo.code}"[^>]*>(.*?)</tr>', page, re.S).group(1)
    cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    (shown,) = [p for p in response.context["promos"] if p.pk == promo.pk]

    # then each cell says what the template filters wrote before the rows were computed once
    # (the template engine hands a filter the local time; the page's spaces read as spaces)
    local = timezone.localtime(promo.submitted_at)
    submitted = re.sub(r"\s+", " ", f"{date_filter(local, 'd.m.Y H:i')} ({timesince_filter(promo.submitted_at)})")
    worst = shown.worst_line
    assert cells[1:] == [
        promo.code, f"{promo.name} ревизия 2", f"{promo.supplier.code} {promo.supplier.name}", "Скидка %",
        f"{promo.start:%d.%m.%Y} – {promo.end:%d.%m.%Y}", "1", "1",
        f"{date_filter(promo.decision_due, 'd.m.Y')} просрочено", submitted,
        f"{floatformat(worst.margin_percent, 2)} % {worst.article}", "есть",
    ]
    assert submitted.startswith("02.11.2026 10:00 (") and promo.decision_due < timezone.localdate()
    assert worst.margin < 0 and 'class="num worst-margin bad"' in row
    assert f'<input type="checkbox" name="promos" value="{promo.pk}" aria-label="{promo.code}"' in row
    assert f'<input type="hidden" name="version_{promo.pk}" value="{promo.version}">' in row
