"""One rule, one outcome, whatever the entry point (promo/rules.py): the same cases go through
the sheet import, a point correction, an extension and the API (and, for line terms, the promo
page's correction form), and each gives the same code; a service words it as the sheet does.

A sheet lists every broken rule of its row (a new promo whose end is over also starts too
soon); a service refuses with the first one. The API changes a period only by an extension."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from promo.models import Promo, PromoLine
from promo.services import point_corrections
from promo.services.errors import InvalidError
from promo.services.imports.uploads import upload_submit
from tests.factories import ProductFactory
from tests.promo.imports import sheets
from tests.promo.services.world import TODAY

Status = Promo.Status


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


# --- the entry points ------------------------------------------------------------------------

def sheet_codes(world, rows: list[dict]) -> set[str]:
    """The error codes of a supplier's sheet (empty: imported)."""
    name = "promo.xlsx"
    _upload, result = upload_submit(actor=world.supplier_user, original_name=name,
                                    file=SimpleUploadedFile(name, sheets.workbook_bytes(rows)), today=TODAY)
    return {problem["code"] for problem in result.errors}


def new_row(world, **cells) -> dict:
    return sheets.line(ProductFactory(category=world.cat_a, supplier=world.supplier), **cells)


def service_code(call) -> str | None:
    """The code a service refuses with (None: it went through); checks it words the rule."""
    try:
        call()
    except InvalidError as refusal:
        assert refusal.message and refusal.message != refusal.code
        return refusal.code
    return None


def correction_code(world, promo: Promo, **dates) -> str | None:
    return service_code(lambda: point_corrections.promo_correct(promo=promo, actor=world.marketer, reason="Ошибка",
                                                          today=TODAY, **dates))


def extension_code(world, promo: Promo, new_end: date) -> str | None:
    return service_code(lambda: point_corrections.promo_extend(promo=promo, actor=world.marketer, new_end=new_end,
                                                         reason="Спрос", today=TODAY))


def api_extension_code(world, promo: Promo, new_end: date) -> str | None:
    client = APIClient()
    client.force_authenticate(world.marketer)
    response = client.post(f"/api/v1/promos/{promo.pk}/extend/",
                           {"version": promo.version, "new_end": new_end.isoformat(), "reason": "Спрос"},
                           format="json")
    if response.status_code == 200:
        return None
    assert response.status_code == 400, response.content
    return response.json()["code"]


# --- period cases ----------------------------------------------------------------------------

@dataclass
class PeriodCase:
    code: str | None
    sheet: tuple[date, date]         # a new promo's start and end in a sheet
    promo_start: int                 # the corrected / extended promo starts this many days from today
    correct: dict | None             # the point correction of its dates (None: not expressible)
    extend_to: date | None           # the extension's new end (None: not expressible)


PERIOD_CASES = {
    "a far year": PeriodCase("date_invalid", (days(30), date(9999, 1, 31)), 30,
                             {"end": date(9999, 1, 31)}, date(9999, 1, 31)),
    "longer than allowed": PeriodCase("period_too_long", (days(30), days(30 + 92)), 30,
                                      {"end": days(30 + 92)}, days(30 + 92)),
    "end before start": PeriodCase("period_reversed", (days(40), days(30)), 30, {"end": days(29)}, None),
    "start too soon": PeriodCase("start_too_soon", (days(3), days(10)), 30, {"start": days(3)}, None),
    # a running promo's end moved to yesterday; a finished one extended to a day still past
    "end in the past": PeriodCase("end_in_past", (days(-20), days(-5)), -5, {"end": days(-1)}, days(-1)),
    # a running promo keeps its start: no lead time for a start that is not set
    "running promo, start kept": PeriodCase(None, (days(30), days(43)), -5, {"end": days(20)}, days(20)),
}


@pytest.mark.parametrize("case", PERIOD_CASES.values(), ids=PERIOD_CASES.keys())
def test_a_period_rule_gives_the_same_code_everywhere(world, case):
    # given approved promos of the supplier (a finished one to extend into the past)
    def corrected() -> Promo:
        return world.promo(Status.APPROVED, start=days(case.promo_start), days=20)

    def extended() -> Promo:
        if case.code == "end_in_past":
            return world.promo(Status.APPROVED, start=days(-30), days=14)
        return corrected()

    # when the period reaches the portal through each entry point
    start, end = case.sheet
    codes = sheet_codes(world, [new_row(world, **{"Начало": start, "Окончание": end})])
    outcomes = {"sheet": case.code in codes if case.code else codes == set()}
    if case.correct is not None:
        outcomes["correction"] = correction_code(world, corrected(), **case.correct) == case.code
    if case.extend_to is not None:
        outcomes["extension"] = extension_code(world, extended(), case.extend_to) == case.code
        outcomes["api"] = api_extension_code(world, extended(), case.extend_to) == case.code

    # then every entry point gives the case's code (or accepts it)
    assert outcomes == dict.fromkeys(outcomes, True)


def test_a_corrected_sheet_of_a_running_promo_is_a_revision_not_a_late_start(world):
    # given an approved promo that started five days ago
    promo = world.promo(Status.APPROVED, start=days(-5), days=20)
    rows = [sheets.line(line.product, **{"Название акции": promo.name, "Начало": promo.start,
                                         "Окончание": promo.end, "Скидка, %": 20})
            for line in promo.lines.select_related("product")]
    # when its supplier uploads the corrected sheet (same name and period, a new discount)
    codes = sheet_codes(world, rows)
    # then it is its next revision, waiting for approval while revision 1 stays in force
    assert codes == set()
    promo.refresh_from_db()
    assert (promo.revision, promo.status, promo.approved_revision.number) == (2, Status.SUBMITTED, 1)


def test_a_late_start_under_another_name_is_still_too_soon(world):
    # given a running promo, when a sheet has its period under another promo name
    promo = world.promo(Status.APPROVED, start=days(-5), days=20)
    rows = [new_row(world, **{"Название акции": "Совсем другая акция", "Начало": promo.start,
                              "Окончание": promo.end})]
    # then it is a new promo with a start in the past: refused like any late start
    assert sheet_codes(world, rows) == {"start_too_soon"}
    assert Promo.objects.filter(supplier=world.supplier).count() == 1


# --- line cases ----------------------------------------------------------------------------------

@dataclass
class LineCase:
    code: str | None
    mechanic: str
    field: str
    value: object
    cells: dict


FIXED = Promo.Mechanic.FIXED_PRICE
PERCENT = Promo.Mechanic.PERCENT
LINE_CASES = {
    "discount above the range": LineCase("discount_out_of_range", PERCENT, "discount_percent", "95",
                                         {"Скидка, %": 95}),
    "discount in range once in kopecks": LineCase(None, PERCENT, "discount_percent", "90,004",
                                                  {"Скидка, %": "90,004"}),
    "compensation above 100 %": LineCase("compensation_out_of_range", PERCENT, "compensation_percent", "120",
                                         {"Компенсация поставщика, %": 120}),
    "price not below the regular one": LineCase("price_not_below_regular", FIXED, "promo_price", "100",
                                                {"Механика": "Цена", "Скидка, %": None, "Промо-цена": 100}),
    "price that rounds to zero": LineCase("price_invalid", FIXED, "promo_price", "0,004",
                                          {"Механика": "Цена", "Скидка, %": None, "Промо-цена": "0,004"}),
}


@pytest.mark.parametrize("case", LINE_CASES.values(), ids=LINE_CASES.keys())
def test_a_line_rule_gives_the_same_code_and_words_everywhere(world, client, case):
    # given a submitted promo of the case's mechanic (regular price 100,00)
    promo = world.promo(Status.SUBMITTED, mechanic=case.mechanic)
    line = world.line(promo, "a")

    # when the value comes in a sheet, a point correction and the promo page's correction form
    sheet = sheet_codes(world, [new_row(world, **case.cells)])
    refusal = None
    try:
        point_corrections.line_correct(line=line, actor=world.marketer, reason="Торг", **{case.field: case.value})
    except InvalidError as exc:
        refusal = exc
    client.force_login(world.marketer)
    promo.refresh_from_db()
    page = client.post(f"/promo/{promo.pk}/lines/correct/",
                       {"version": promo.version, "line": line.pk, case.field: case.value, "reason": "Торг"})

    # then all three give the same outcome, in the same words
    if case.code is None:
        assert (sheet, refusal, page.status_code) == (set(), None, 302)
        assert PromoLine.objects.get(pk=line.pk).discount_percent == Decimal("90.00")
        return
    assert sheet == {case.code}
    assert refusal is not None and refusal.code == case.code
    assert page.status_code == 400
    assert refusal.message in html.unescape(page.content.decode())
