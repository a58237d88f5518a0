"""The ``overlap`` warning between two promos of the same sheet (qa-7 #10): the same product, over
overlapping days, in a branch both target that trades on those days, by the one conflict rule
(promo.services.conflicts.collides). A warning: the import goes on."""

from datetime import date

import pytest
import time_machine
from django.db.models import Q
from django.utils import translation

from branches.models import Branch
from promo.services.imports.overlaps import sheet_overlap_warnings
from promo.services.imports.uploads import upload_submit
from promo.services.imports.validation import LineCandidate, PromoCandidate
from suppliers.models import Product
from tests.factories import PromoFactory, PromoLineFactory
from tests.promo.imports import sheets
from tests.promo.imports.sheets import line

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def products(code: str, count: int) -> list[Product]:
    return list(Product.objects.filter(supplier__code=code).order_by("article")[:count])


def submit(user, rows):
    return upload_submit(actor=user, file=sheets.uploaded(rows), original_name="promo.xlsx", today=TODAY)


def trading_branches(count: int) -> list[Branch]:
    """Branches open over every day of the tests' periods."""
    return list(Branch.objects.filter(Q(opened__isnull=True) | Q(opened__lte=date(2027, 1, 1)),
                                      closed__isnull=True).order_by("code")[:count])


def overlaps(result) -> list[dict]:
    return [warning for warning in result.warnings if warning["code"] == "overlap"]


def test_two_promos_of_one_sheet_with_a_product_on_common_days_and_branches_give_one_warning_naming_both(demo_user):
    # given: «Лето» 01.03–14.03 in every branch with products A and B (rows 2, 3), and «Июль»
    # 10.03–20.03 in one branch with product A (row 4)
    first, second = products("S001", 2)
    branch = trading_branches(1)[0]
    rows = [
        line(first, **{"Название акции": "Лето"}),
        line(second, **{"Название акции": "Лето"}),
        line(first, **{"Название акции": "Июль", "Начало": date(2027, 3, 10), "Окончание": date(2027, 3, 20),
                       "Филиалы": branch.code}),
    ]

    # when
    with translation.override("ru"):
        upload, result = submit(demo_user("s001"), rows)

    # then: the sheet is imported, with one warning on «Июль»'s row naming both promos, their
    # rows, the common days and the one common branch
    assert result.ok and result.promos == 2 and result.lines == 3
    assert overlaps(result) == [{
        "row": 4, "column": "Артикул", "code": "overlap",
        "message": f"Товар {first.article} в этом файле дважды в одни дни: в акции «Лето» (01.03.2027 – "
                   "14.03.2027, строка 2) и в акции «Июль» (10.03.2027 – 20.03.2027, строка 4); общие дни "
                   "10.03.2027 – 14.03.2027, общих филиалов: 1. Категорийный менеджер увидит конфликт этих "
                   "акций и может отклонить одну: оставьте товар в одной акции или разведите даты или филиалы.",
    }]
    # and: the upload keeps it, worded in English for an English reader too
    upload.refresh_from_db()
    stored = [record for record in upload.warnings if record["code"] == "overlap"]
    assert len(stored) == 1 and stored[0]["params"]["other"] == "Лето"
    with translation.override("en"):
        from promo.services.imports.problems import stored_problems

        english = stored_problems(stored)[0]["message"]
    assert english.startswith(f"Product {first.article} is in this file twice on the same days: in the promo «Лето» "
                              "(01.03.2027 – 14.03.2027, row 2) and in the promo «Июль»")
    assert "common branches: 1." in english


def test_no_warning_when_the_days_touch_but_do_not_overlap(demo_user):
    # given: «Лето» ends on 14.03, «Июль» starts on 15.03, the same product in every branch
    product = products("S001", 1)[0]
    rows = [line(product, **{"Название акции": "Лето"}),
            line(product, **{"Название акции": "Июль", "Начало": date(2027, 3, 15), "Окончание": date(2027, 3, 28)})]

    # when
    _upload, result = submit(demo_user("s001"), rows)

    # then
    assert result.ok and result.promos == 2 and overlaps(result) == []


def test_no_warning_when_the_branches_are_disjoint(demo_user):
    # given: the same product and days, «Лето» in one branch and «Июль» in another
    product = products("S001", 1)[0]
    one, other = trading_branches(2)
    rows = [line(product, **{"Название акции": "Лето", "Филиалы": one.code}),
            line(product, **{"Название акции": "Июль", "Филиалы": other.code})]

    # when
    _upload, result = submit(demo_user("s001"), rows)

    # then
    assert result.ok and result.promos == 2 and overlaps(result) == []


def test_no_warning_when_the_other_promo_has_another_product(demo_user):
    # given: the same days and branches, but «Июль» is for another product
    first, second = products("S001", 2)
    rows = [line(first, **{"Название акции": "Лето"}), line(second, **{"Название акции": "Июль"})]

    # when
    _upload, result = submit(demo_user("s001"), rows)

    # then
    assert result.ok and result.promos == 2 and overlaps(result) == []


def test_every_mechanic_counts(demo_user):
    # given: the product in a percent promo, an N+M promo and a price promo over the same days
    product = products("S001", 1)[0]
    rows = [
        line(product, **{"Название акции": "Скидка"}),
        line(product, **{"Название акции": "Два по цене одного", "Механика": "2+1", "Скидка, %": None}),
        line(product, **{"Название акции": "Цена", "Механика": "Цена", "Скидка, %": None,
                         "Промо-цена": float(product.regular_price) / 2}),
    ]

    # when
    with translation.override("ru"):
        _upload, result = submit(demo_user("s001"), rows)

    # then: one warning on each later row; the third names the first promo and one more
    assert result.ok and result.promos == 3
    found = overlaps(result)
    assert [warning["row"] for warning in found] == [3, 4]
    assert "в акции «Скидка»" in found[0]["message"] and "в акции «Два по цене одного»" in found[0]["message"]
    assert "в акции «Скидка»" in found[1]["message"] and "в акции «Цена»" in found[1]["message"]
    assert "ещё 1." in found[1]["message"]


def test_a_revised_promo_counts_on_its_new_terms(demo_user):
    # given: a submitted «Лето» in every branch with the product (the sheet revises it)
    product = products("S001", 1)[0]
    one, other = trading_branches(2)
    summer = PromoFactory(supplier=product.supplier, status="submitted", name="Лето", start=date(2027, 3, 1),
                          end=date(2027, 3, 14), targeting={"chain": True})
    PromoLineFactory(promo=summer, product=product)

    # when: a corrected sheet moves «Лето» to one branch and adds «Июль» in another
    _upload, result = submit(demo_user("s001"), [
        line(product, **{"Название акции": "Лето", "Филиалы": one.code}),
        line(product, **{"Название акции": "Июль", "Филиалы": other.code}),
    ])

    # then: no warning: «Лето»'s old terms (every branch) are replaced by the sheet's
    assert result.ok and result.revisions and overlaps(result) == []


def test_a_revised_promo_whose_new_terms_collide_is_warned_once(demo_user):
    # given: a submitted «Лето» in one branch with the product
    product = products("S001", 1)[0]
    one = trading_branches(1)[0]
    summer = PromoFactory(supplier=product.supplier, status="submitted", name="Лето", start=date(2027, 3, 1),
                          end=date(2027, 3, 14), targeting={"branches": [one.pk]})
    PromoLineFactory(promo=summer, product=product)

    # when: a corrected sheet revises «Лето» and adds «Июль» in the same branch
    _upload, result = submit(demo_user("s001"), [
        line(product, **{"Название акции": "Лето", "Филиалы": one.code}),
        line(product, **{"Название акции": "Июль", "Филиалы": one.code}),
    ])

    # then: one warning, between the two promos of the sheet
    assert result.ok and result.revisions
    assert [(warning["row"], "«Лето»" in warning["message"]) for warning in overlaps(result)] == [(3, True)]


def test_a_draft_not_in_the_sheet_still_does_not_count(demo_user):
    # given: the supplier's draft «Черновик» with the product over the same days
    product = products("S001", 1)[0]
    draft = PromoFactory(supplier=product.supplier, status="draft", name="Черновик", start=date(2027, 3, 1),
                         end=date(2027, 3, 14), targeting={"chain": True})
    PromoLineFactory(promo=draft, product=product)

    # when: a sheet of one new promo with the product
    _upload, result = submit(demo_user("s001"), [line(product, **{"Название акции": "Новая"})])

    # then
    assert result.ok and overlaps(result) == []


def test_the_sheet_check_compares_only_lines_of_one_product(django_assert_num_queries):
    # given: 2,000 promos of 50 lines (100,000 lines), each product in 20 promos, one per week
    promos = []
    for index in range(2000):
        start = date(2027, 3, 1).toordinal() + index // 100 * 7
        promo = PromoCandidate(supplier_id=1, name=f"Акция {index}", named=True, mechanic="percent",
                               start=date.fromordinal(start), end=date.fromordinal(start + 6),
                               targeting={"chain": True})
        for offset in range(50):
            product_id = index % 100 * 50 + offset + 1
            promo.lines[product_id] = LineCandidate(
                row=index * 50 + offset + 2, product_id=product_id, article=str(product_id), ean="", name="",
                discount_percent=None, promo_price=None, n=None, m=None, regular_price=None,
                compensation_percent=None, comment="")
        promos.append(promo)

    # when / then: no two lines of a product share a day, so nothing is warned and the chain's
    # branches are not even read
    with django_assert_num_queries(0):
        assert sheet_overlap_warnings(promos, "Артикул") == []


def test_the_warning_shows_in_the_api_and_on_the_upload_page(demo_user, client_for):
    from django.urls import reverse
    from rest_framework.test import APIClient

    # given: a sheet with the product in «Лето» and «Июль» over the same days, in every branch
    product = products("S001", 1)[0]
    rows = [line(product, **{"Название акции": "Лето"}), line(product, **{"Название акции": "Июль"})]
    api = APIClient()
    api.force_authenticate(demo_user("s001"))

    # when: it is posted to the API, then its upload and its page are read
    with time_machine.travel("2026-11-23 10:00 +07:00", tick=False):
        body = api.post("/api/v1/uploads/", {"file": sheets.uploaded(rows)}, format="multipart").json()
        detail = api.get(f"/api/v1/uploads/{body['upload_id']}/").json()
        html = client_for("s001").get(reverse("promo:upload_detail", args=[body["upload_id"]])).content.decode()

    # then: the answer, the upload and its page name both promos
    assert body["ok"] is True and body["promos"] == 2
    for warnings in (body["warnings"], detail["warnings"]):
        assert [(w["row"], w["code"]) for w in warnings] == [(3, "overlap")]
        assert "в акции «Лето»" in warnings[0]["message"] and "в акции «Июль»" in warnings[0]["message"]
    assert f"Товар {product.article} в этом файле дважды в одни дни" in html
