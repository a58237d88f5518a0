"""Conflicts with what the tills run (promo.services.conflicts): a promo whose approved revision
is in force while a newer revision waits for a decision or was rejected still runs on that
revision's terms. A manager deciding another promo of the same product in the same days and
branches must see the collision on the promo page, in the queue's «Конфликты» column and in the
upload's ``overlap`` warning, with the period that is in force. Before, a rejected extension
took the promo out of every conflict check (it was no longer «live»), and a correction moving a
promo's dates checked only the new dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from branches.models import Region
from promo import mechanics
from promo.models import Promo
from promo.services import point_corrections, transitions
from promo.services.conflicts import conflicting_promo_ids, promo_conflict_details
from promo.services.imports.uploads import upload_submit
from suppliers.models import Product
from tests.factories import PromoFactory, PromoLineFactory
from tests.promo.imports import sheets

START = date(2027, 6, 1)
TODAY = date(2027, 5, 1)


@pytest.fixture
def product(db):
    return Product.objects.filter(supplier__code="S001").order_by("article").first()


def approved(product, demo_user, *, start=START, days=14, discount=Decimal("15")) -> Promo:
    """A chain-wide promo of ``product``, submitted and approved by the manager (revision 1 in force)."""
    promo = PromoFactory(supplier=product.supplier, start=start, end=start + timedelta(days=days - 1),
                         status=Promo.Status.SUBMITTED, targeting={"chain": True}, name="Летняя")
    PromoLineFactory(promo=promo, product=product, discount_percent=discount)
    transitions.promo_approve(promo=promo, actor=demo_user("manager"))
    promo.refresh_from_db()
    assert promo.status == Promo.Status.APPROVED and promo.approved_revision.number == 1
    return promo


def submitted(product, *, start, days, discount=Decimal("30")) -> Promo:
    """Another promo of ``product`` for the first region, waiting for the manager's decision."""
    promo = PromoFactory(supplier=product.supplier, start=start, end=start + timedelta(days=days - 1),
                         status=Promo.Status.SUBMITTED, targeting={"regions": [Region.objects.order_by("code")[0].pk]})
    PromoLineFactory(promo=promo, product=product, discount_percent=discount)
    return promo


def test_a_rejected_extension_leaves_the_promo_colliding_on_its_approved_period(product, demo_user, client_for):
    # given an approved promo (revision 1, 01.06-14.06) whose extension to 28.06 the manager rejected:
    # revision 1 stays at the tills
    in_force = approved(product, demo_user)
    point_corrections.promo_extend(promo=in_force, actor=demo_user("marketer"), new_end=START + timedelta(days=27),
                                   reason="Продлить", today=TODAY)
    in_force.refresh_from_db()
    transitions.promo_reject(promo=in_force, actor=demo_user("manager"), reason="Продление не нужно")
    in_force.refresh_from_db()
    assert in_force.status == Promo.Status.REJECTED and in_force.approved_revision.number == 1
    # and another promo of the product for a region, 06.06-11.06, waiting for a decision
    newcomer = submitted(product, start=START + timedelta(days=5), days=6)

    # when the manager reads its conflicts
    conflicts = promo_conflict_details(newcomer, user=demo_user("manager"))

    # then it collides with the promo in force, on revision 1's period and price
    assert [(c.other.pk, c.other_revision, c.other_start, c.other_end) for c in conflicts] == [
        (in_force.pk, 1, START, START + timedelta(days=13))]
    assert (conflicts[0].start, conflicts[0].end) == (START + timedelta(days=5), START + timedelta(days=10))
    assert conflicts[0].other_unit_price == mechanics.percent_price(product.regular_price, Decimal("15"))
    # and the queue marks it, and the page says which revision is in force and when
    assert conflicting_promo_ids([newcomer]) == {newcomer.pk}
    page = client_for("manager").get(newcomer.get_absolute_url()).content.decode()
    assert in_force.code in page
    assert "действует ревизия 1" in page
    assert f"{START:%d.%m.%Y} – {START + timedelta(days=13):%d.%m.%Y}" in page
    # and in English
    client = client_for("manager")
    client.cookies["django_language"] = "en"
    with translation.override("ru"):  # the English request leaves its language active in this thread
        assert "revision 1 in force" in client.get(newcomer.get_absolute_url()).content.decode()

    # when the promo in force is cancelled, then nothing collides any more
    transitions.promo_cancel(promo=in_force, actor=demo_user("marketer"), reason="Снято", today=TODAY)
    assert promo_conflict_details(newcomer, user=demo_user("manager")) == []
    assert conflicting_promo_ids([newcomer]) == set()


def test_a_promo_whose_dates_were_moved_collides_on_both_periods_until_decided(product, demo_user):
    # given an approved promo (01.06-14.06) whose dates a marketer moved to 01.07-10.07: the new
    # revision waits, revision 1 stays at the tills
    in_force = approved(product, demo_user)
    point_corrections.promo_correct(promo=in_force, actor=demo_user("marketer"), reason="Сдвиг",
                                    start=START + timedelta(days=30), end=START + timedelta(days=39), today=TODAY)
    in_force.refresh_from_db()
    assert in_force.status == Promo.Status.SUBMITTED and in_force.approved_revision.number == 1
    # and two other promos of the product: one in the old days, one in the new ones
    on_old_days = submitted(product, start=START + timedelta(days=2), days=5)
    on_new_days = submitted(product, start=START + timedelta(days=32), days=3)

    # when their conflicts are read
    old = promo_conflict_details(on_old_days, user=demo_user("manager"))
    new = promo_conflict_details(on_new_days, user=demo_user("manager"))

    # then the first collides with revision 1 in force, the second with the new dates waiting
    assert [(c.other.pk, c.other_revision, c.other_start) for c in old] == [(in_force.pk, 1, START)]
    assert [(c.other.pk, c.other_revision, c.other_start) for c in new] == [
        (in_force.pk, None, START + timedelta(days=30))]
    assert conflicting_promo_ids([on_old_days, on_new_days]) == {on_old_days.pk, on_new_days.pk}


def test_an_upload_warns_of_the_approved_revision_in_force_behind_a_rejected_one(product, demo_user):
    # given the approved promo whose extension was rejected (revision 1, 01.06-14.06, in force)
    in_force = approved(product, demo_user)
    point_corrections.promo_extend(promo=in_force, actor=demo_user("marketer"), new_end=START + timedelta(days=27),
                                   reason="Продлить", today=TODAY)
    in_force.refresh_from_db()
    transitions.promo_reject(promo=in_force, actor=demo_user("manager"), reason="Нет")

    # when the supplier uploads a sheet with the product for 05.06-10.06
    row = sheets.line(product, **{"Название акции": "Новая", "Начало": START + timedelta(days=4),
                                  "Окончание": START + timedelta(days=9)})
    content = sheets.workbook_bytes([row])
    _upload, result = upload_submit(actor=demo_user("s001"), file=SimpleUploadedFile("p.xlsx", content),
                                    original_name="p.xlsx", today=TODAY)

    # then the sheet is saved with an overlap warning naming the promo and its period in force
    assert result.ok
    assert [(w["row"], w["code"]) for w in result.warnings] == [(2, "overlap")]
    assert in_force.code in result.warnings[0]["message"]
    assert f"{START + timedelta(days=13):%d.%m.%Y}" in result.warnings[0]["message"]
    assert f"{START + timedelta(days=27):%d.%m.%Y}" not in result.warnings[0]["message"]


def test_only_branches_trading_on_the_common_days_collide(product, demo_user):
    # given two chain-wide promos of the product over the same days in June 2027, and the chain's
    # branches closed before then (B0113, B0163, ...) or opening in the middle of them
    from branches.models import Branch

    first = submitted(product, start=START, days=14)
    first.targeting = {"chain": True}
    first.save(update_fields=["targeting"])
    second = submitted(product, start=START, days=14)
    second.targeting = {"chain": True}
    second.save(update_fields=["targeting"])
    late = Branch.objects.get(code="B0262")
    late.opened = START + timedelta(days=20)
    late.save(update_fields=["opened"])
    trading = Branch.objects.open_on(START).exclude(pk=late.pk).values_list("code", flat=True)
    assert Branch.objects.filter(closed__lte=START).exists()

    # when the manager reads the conflict of the first
    (conflict,) = promo_conflict_details(first, user=demo_user("manager"))

    # then the branches in common are those that trade on those days, as the promo page counts them
    assert sorted(conflict.branch_codes) == sorted(trading)
    assert "B0113" not in conflict.branch_codes and "B0262" not in conflict.branch_codes

    # given two promos of the product targeting only a closed branch and one opening after they end
    closed = Branch.objects.get(code="B0113")
    gone = submitted(product, start=START, days=14)
    gone.targeting = {"branches": [closed.pk, late.pk]}
    gone.save(update_fields=["targeting"])
    also_gone = submitted(product, start=START + timedelta(days=3), days=5)
    also_gone.targeting = {"branches": [closed.pk, late.pk]}
    also_gone.save(update_fields=["targeting"])

    # then neither collides with anything: not with each other, not with the chain's promos
    assert promo_conflict_details(gone) == [] and promo_conflict_details(also_gone) == []
    assert conflicting_promo_ids([gone, also_gone]) == set()
