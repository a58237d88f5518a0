"""The queue's supplier filter in a real headless Chromium (config.widgets.LazySelect): the page
carries no list of suppliers; the picker loads them when opened, finds one by typing, and the
queue filtered by it shows that supplier's promos with its name still in the picker. The row
of filters stays where it is when the picker loses focus (the «Показать» button is hit at the
first click). No policy violation.

Chromium is the system one (/usr/bin/chromium), as in test_approval_flow.py."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from suppliers.models import Product, Supplier
from tests.e2e.browser import ARTIFACTS, browser_page, csp_violations, login
from tests.factories import PromoFactory, PromoLineFactory


def queued_promos() -> dict[str, str]:
    """A submitted promo of S001 and one of S002 (both in the manager's queue): their codes by supplier."""
    codes = {}
    for code in ("S001", "S002"):
        supplier = Supplier.objects.get(code=code)
        promo = PromoFactory(supplier=supplier, status="submitted", name=f"Промо {code}")
        PromoLineFactory(promo=promo, product=Product.objects.filter(supplier=supplier).order_by("article").first())
        codes[code] = promo.code
    return codes


@pytest.mark.e2e
def test_the_manager_picks_a_supplier_from_the_lazy_picker_and_the_queue_follows(live_server, demo_data, tmp_path):
    # given a submitted promo of S001 and one of S002, both in the manager's queue
    codes = queued_promos()
    s002 = str(Supplier.objects.get(code="S002"))
    queue = live_server.url + reverse("promo:approval_queue")

    with browser_page(tmp_path, width=1400, height=900) as page:
        violations = csp_violations(page)
        login(page, live_server.url, "manager")
        page.goto(queue)
        expect(page.locator("table.queue tbody tr[data-promo]")).to_have_count(2)
        # the page itself carries no supplier to choose
        expect(page.locator("select[name=supplier] option")).to_have_count(1)

        # when he opens the supplier picker, types S002, picks it and presses «Показать»
        picker = page.locator("label.field:has(select[name=supplier]) .ts-wrapper")
        picker.click()
        page.keyboard.type("S002")
        option = page.locator(".ts-dropdown:visible .option", has_text=s002)
        expect(option).to_have_count(1)
        option.click()
        page.locator(".filters button[type=submit]").click()
        page.wait_for_url("**/promo/queue/?**")

        # then the queue lists S002's promo only, and the picker names S002
        expect(page.locator("table.queue tbody tr[data-promo]")).to_have_count(1)
        expect(page.locator(f"tr[data-promo='{codes['S002']}']")).to_be_visible()
        expect(picker.locator(".item")).to_have_text(s002)
        page.screenshot(path=str(ARTIFACTS / "queue_supplier_picker.png"))

    assert violations == []


@pytest.mark.e2e
def test_without_javascript_the_manager_changes_the_supplier_through_every_option(live_server, demo_data, tmp_path):
    # given a submitted promo of S001 and one of S002, and a browser with JavaScript off
    codes = queued_promos()
    s001, s002 = Supplier.objects.get(code="S001"), Supplier.objects.get(code="S002")
    queue = live_server.url + reverse("promo:approval_queue")

    with browser_page(tmp_path, width=1400, height=900, javascript=False) as page:
        login(page, live_server.url, "manager")
        page.goto(f"{queue}?supplier={s002.pk}")
        expect(page.locator("table.queue tbody tr[data-promo]")).to_have_count(1)
        supplier = page.locator("select[name=supplier]")
        expect(supplier.locator("option")).to_have_count(2)

        # when he presses «Показать все варианты» next to the supplier, picks S001 and presses «Показать»
        page.locator("button[name=all_options][value=supplier]").click()
        page.wait_for_url("**all_options=supplier**")
        expect(supplier.locator(f"option[value='{s001.pk}']")).to_have_count(1)
        assert supplier.locator("option").count() > 2
        expect(supplier).to_have_value(str(s002.pk))
        supplier.select_option(str(s001.pk))
        page.get_by_role("button", name="Показать", exact=True).click()
        page.wait_for_url(f"**supplier={s001.pk}**")

        # then the queue lists S001's promo only, with S001 chosen
        expect(page.locator("table.queue tbody tr[data-promo]")).to_have_count(1)
        expect(page.locator(f"tr[data-promo='{codes['S001']}']")).to_be_visible()
        expect(supplier).to_have_value(str(s001.pk))
