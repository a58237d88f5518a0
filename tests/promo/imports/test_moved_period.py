"""A corrected sheet that moves a promo's dates: a promo's period is part of what it is, so
the rows become a new promo and the old one stays as it was. Before, nothing said so: the
supplier who meant to move «Лето» by five days had two drafts «Лето» with the same products.
Now the upload warns (``period_changed``) on the new promo's first row, naming the other one."""

from datetime import date

import pytest
import time_machine
from django.utils import translation

from promo.models import Promo
from promo.services.imports.problems import stored_problems
from suppliers.models import Product
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)
JUNE = {"Название акции": "Лето", "Начало": date(2027, 6, 1), "Окончание": date(2027, 6, 30)}


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        yield


def submit(user, rows, name):
    return sheets.submit(user, rows, name, today=TODAY)


@pytest.fixture
def summer(demo_user):
    """«Лето», 01.06–30.06.2027, three lines, uploaded by s001 (a draft)."""
    items = list(Product.objects.filter(supplier__code="S001").order_by("article")[:3])
    upload, result = submit(demo_user("s001"), [line(p, **JUNE) for p in items], "june.xlsx")
    assert result.ok
    return upload.promos.get(), items


def test_a_sheet_that_moves_a_promos_start_warns_that_it_makes_a_new_promo(demo_user, summer):
    # given: «Лето» 01.06–30.06 as a draft
    old, items = summer

    # when: the supplier uploads the same rows starting on 05.06
    moved = {**JUNE, "Начало": date(2027, 6, 5)}
    upload, result = submit(demo_user("s001"), [line(p, **moved) for p in items], "moved.xlsx")

    # then: a new promo is made (the old one stays as it was), and the upload says so on the
    # new promo's first row, naming the old promo and its dates
    assert result.ok
    new = upload.promos.get()
    assert new.pk != old.pk and (new.start, new.end) == (date(2027, 6, 5), date(2027, 6, 30))
    old.refresh_from_db()
    assert (old.start, old.revision, old.lines.count()) == (date(2027, 6, 1), 1, 3)
    assert [(w["row"], w["column"], w["code"]) for w in result.warnings] == [(2, "Название акции", "period_changed")]
    assert result.warnings[0]["message"] == (
        f"Акция «Лето» уже есть на другие даты: {old.code} (01.06.2027 – 30.06.2027). Повторная загрузка "
        f"не меняет даты акции: эти строки станут новым промо, а {old.code} останется как было. Если оно "
        "больше не нужно, отзовите его (или попросите отмену, если оно уже согласовано).")
    # and an English reader reads it in English
    upload.refresh_from_db()
    with translation.override("en"):
        [warning] = stored_problems(upload.warnings)
        assert warning["message"].startswith(f"Promo «Лето» already exists with other dates: {old.code} (01.06.2027")


@pytest.mark.parametrize("other", [
    pytest.param({**JUNE, "Скидка, %": 20}, id="the same period: a revision of it"),
    pytest.param({**JUNE, "Начало": date(2028, 6, 1), "Окончание": date(2028, 6, 30)}, id="next year"),
    pytest.param({**JUNE, "Название акции": "Лето-2"}, id="another name"),
    pytest.param({**JUNE, "Механика": "Цена", "Скидка, %": None, "Промо-цена": 1.0}, id="another mechanic"),
])
def test_no_warning_for_a_revision_another_year_another_name_or_mechanic(demo_user, summer, other):
    # given: «Лето» 01.06–30.06 as a draft
    _old, items = summer
    # when: a sheet of the same products with these terms
    _upload, result = submit(demo_user("s001"), [line(p, **other) for p in items], "other.xlsx")
    # then: no period_changed warning
    assert result.ok, result.errors
    assert "period_changed" not in [w["code"] for w in result.warnings]


def test_a_withdrawn_promo_of_the_old_dates_does_not_count(demo_user, summer):
    # given: «Лето» 01.06–30.06 withdrawn by the supplier
    old, items = summer
    Promo.objects.filter(pk=old.pk).update(status=Promo.Status.WITHDRAWN)
    # when: the rows are uploaded again from 05.06
    _upload, result = submit(demo_user("s001"), [line(p, **{**JUNE, "Начало": date(2027, 6, 5)}) for p in items],
                             "again.xlsx")
    # then: nothing to warn about
    assert result.ok and result.warnings == []
