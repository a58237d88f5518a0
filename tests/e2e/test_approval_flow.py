"""The whole approval path in a real headless Chromium: s001 uploads its clean sheet and
submits the percent promo; the category manager rejects one line with a reason and accepts
the rest; s001 sees the promo approved with the rejected line and its reason. And in bulk: a
marketer imports a sheet for S001 and submits all its promos from the upload's page, the
manager approves them all from his queue.

Chromium is the system one (/usr/bin/chromium, Debian's package), never a downloaded browser.
The screenshot of the approval screen is left in tests/artifacts/ (gitignored)."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from promo.models import Promo, PromoEvent, PromoLine
from suppliers.models import Supplier
from tests.e2e.browser import ARTIFACTS, browser_page, login

WORKBOOK = Path(__file__).resolve().parents[1] / "data" / "workbooks" / "s001_discount_clean.xlsx"
REJECTED_ARTICLE = "A100001"
REJECT_REASON = "Скидка не согласована с бюджетом категории"



@pytest.mark.e2e
def test_upload_submit_decide_and_see_the_decision(live_server, demo_data, tmp_path):
    base = live_server.url

    with browser_page(tmp_path, width=1400, height=1000) as page:
        # given s001 signed in, uploading its clean sheet on the upload page
        login(page, base, "s001")
        page.goto(base + reverse("promo:upload_create"))
        upload_form = page.locator("form:has(input[name=file])")
        upload_form.locator("input[name=file]").set_input_files(str(WORKBOOK))
        upload_form.locator("button[type=submit]").click()
        expect(page.locator("#upload-status .badge.upload-imported")).to_have_text("Загружено")

        # when s001 opens its percent promo from its list and submits it
        page.goto(base + reverse("promo:promo_list") + "?mechanic=percent")
        page.locator("table.promo-list tbody tr a").first.click()
        expect(page.locator("h1")).to_contain_text("Апрельские скидки")
        page.locator("form[data-action=submit] button[type=submit]").click()
        expect(page.locator(".messages")).to_contain_text("отправлено на согласование")
        expect(page.locator(".page-head .badge.submitted")).to_have_text("На согласовании")
        code = page.locator("h1 .mono").inner_text()
        promo_url = page.url
        line_count = page.locator("table.promo-lines tr[data-article]").count()

        # and the category manager finds it in his queue, rejects one line with a reason
        # and accepts the rest
        login(page, base, "manager")
        page.goto(base + reverse("promo:approval_queue"))
        page.locator(f"tr[data-promo='{code}'] a").click()
        row = page.locator(f"tr[data-article='{REJECTED_ARTICLE}']")
        row.locator("input[type=radio][value=rejected]").check()
        row.locator("input[name^=reason_]").fill(REJECT_REASON)
        page.screenshot(path=str(ARTIFACTS / "approval_screen.png"), full_page=True)
        page.locator("#lines-form button[name=accept_rest]").click()
        expect(page.locator(".messages")).to_contain_text("Решения по строкам сохранены")

        # then s001 sees the promo approved, the one rejected line with its reason, the
        # other lines accepted
        login(page, base, "s001")
        page.goto(promo_url)
        expect(page.locator(".page-head .badge.approved")).to_have_text("Согласовано")
        rejected = page.locator(f"tr[data-article='{REJECTED_ARTICLE}'] td.decision")
        expect(rejected).to_contain_text("Отклонено")
        expect(rejected).to_contain_text(REJECT_REASON)
        expect(page.locator("td.decision .badge.accepted")).to_have_count(line_count - 1)

    # The database is read only once the browser is closed: inside Playwright's sync API the
    # ORM would refuse to run (an event loop is running) or open a second connection.
    promo = Promo.objects.get(supplier__code="S001", mechanic=Promo.Mechanic.PERCENT)
    assert promo.code == code and line_count == 25
    assert promo.status == Promo.Status.APPROVED
    decisions = dict(promo.lines.values_list("product__article", "decision"))
    assert decisions.pop(REJECTED_ARTICLE) == PromoLine.Decision.REJECTED
    assert set(decisions.values()) == {PromoLine.Decision.ACCEPTED}


@pytest.mark.e2e
def test_a_marketer_bulk_submits_an_imports_promos_and_a_manager_bulk_approves_them(live_server, demo_data,
                                                                                   tmp_path):
    base = live_server.url
    s001 = Supplier.objects.get(code="S001").pk

    with browser_page(tmp_path, width=1400, height=1000) as page:
        # given the marketer importing S001's clean sheet on its behalf
        login(page, base, "marketer")
        page.goto(base + reverse("promo:upload_create"))
        upload_form = page.locator("form:has(input[name=file])")
        upload_form.locator("select[name=supplier]").select_option(str(s001))
        upload_form.locator("input[name=file]").set_input_files(str(WORKBOOK))
        upload_form.locator("button[type=submit]").click()
        expect(page.locator("#upload-status .badge.upload-imported")).to_have_text("Загружено")

        # when the marketer presses «Отправить все на согласование» and confirms the count
        page.locator("button[data-bulk-submit]").click()
        expect(page.locator(".bulk-count")).to_contain_text("Отправить на согласование: 2 промо?")
        page.locator(".bulk-confirm button[name=confirm]").click()

        # then the result lists both as done and none refused
        expect(page.locator("[data-done-count]")).to_have_text("2")
        expect(page.locator(".bulk-refused")).to_have_count(0)

        # and the category manager finds both in his queue, ticks all matching his filter,
        # approves and confirms
        login(page, base, "manager")
        page.goto(base + reverse("promo:approval_queue") + "?supplier=" + str(s001))
        expect(page.locator("table.queue tbody tr[data-promo]")).to_have_count(2)
        page.locator("input[data-bulk-all]").check()
        expect(page.locator("[data-bulk-count]")).to_have_text("2")
        page.locator("button[data-bulk-action=approve]").click()
        expect(page.locator(".bulk-count")).to_contain_text("Принять: 2 промо?")
        page.screenshot(path=str(ARTIFACTS / "bulk_confirmation.png"), full_page=True)
        page.locator(".bulk-confirm button[name=confirm]").click()
        expect(page.locator("[data-done-count]")).to_have_text("2")

        # and his queue is empty again
        page.goto(base + reverse("promo:approval_queue"))
        expect(page.locator("#queue-total")).to_have_text("0")

    # The database once the browser is closed: both promos approved, every line accepted, one
    # submission digest and one approval digest, not one mail per promo.
    promos = Promo.objects.filter(supplier__code="S001")
    assert promos.count() == 2
    assert set(promos.values_list("status", flat=True)) == {Promo.Status.APPROVED}
    assert set(PromoLine.objects.filter(promo__in=promos).values_list("decision", flat=True)) == {
        PromoLine.Decision.ACCEPTED}
    digests = PromoEvent.objects.filter(promo__isnull=True, payload__bulk__isnull=False)
    assert sorted(digests.values_list("kind", flat=True)) == [PromoEvent.Kind.PROMO_APPROVED,
                                                              PromoEvent.Kind.PROMO_SUBMITTED]
