"""Small things a person sees, in a real headless Chromium at a 1366 px laptop width: the
marketer's menu fits one line (grouped items open as dropdowns), the status filter is a picker
with chips rather than a cramped listbox, the calendar's «Недель» shows the weeks drawn, and
the portal has its own icon. No policy violation anywhere.

Chromium is the system one (/usr/bin/chromium), as in test_approval_flow.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import ARTIFACTS, browser_page, csp_violations, login


@pytest.mark.e2e
def test_menu_on_one_line_status_chips_weeks_and_icon(live_server, demo_data, tmp_path):
    base = live_server.url
    with browser_page(tmp_path, width=1366, height=800) as page:
        violations = csp_violations(page)
        # given the marketer (the widest menu) at 1366 px
        login(page, base, "marketer")

        # then every top-level item of the menu sits on one line
        tops = page.locator(".mainnav > a, .mainnav > details > summary").evaluate_all(
            "items => items.map(item => Math.round(item.getBoundingClientRect().top))")
        assert len(tops) >= 6 and max(tops) - min(tops) <= 2, tops
        page.screenshot(path=str(ARTIFACTS / "menu_1366.png"))

        # when she opens «Работа» and picks «Журнал»
        page.locator(".mainnav summary", has_text="Работа").click()
        expect(page.locator(".mainnav .menu-items a", has_text="Журнал")).to_be_visible()
        page.locator(".mainnav .menu-items a", has_text="Журнал").click()
        page.wait_for_url(base + "/promo/activity/")
        # and another dropdown closes the first
        page.locator(".mainnav summary", has_text="Загрузки").click()
        page.locator(".mainnav summary", has_text="Справочники").click()
        expect(page.locator(".mainnav details.menu[open]")).to_have_count(1)

        # when she filters the promo list by two statuses, picked as chips
        page.goto(base + "/promo/")
        status = page.locator(".filters .ts-wrapper:has(+ select[name=status]), "
                              ".filters select[name=status] + .ts-wrapper").first
        status.locator("input").first.click()
        page.locator(".ts-dropdown:visible .option", has_text="На согласовании").click()
        page.locator(".ts-dropdown:visible .option", has_text="Согласовано").click()
        expect(status.locator(".item")).to_have_count(2)
        page.keyboard.press("Escape")
        page.locator(".filters button[type=submit]").click()
        page.wait_for_url("**/promo/?**")
        assert "status=submitted" in page.url and "status=approved" in page.url

        # and the calendar's «Недель» says 12 when no number was asked for
        page.goto(base + "/promo/calendar/")
        expect(page.locator("select[name=weeks]")).to_have_value("12")

        # and the icon is the portal's own, from its static files
        icon = page.locator("link[rel=icon]").get_attribute("href")
        assert page.request.get(base + icon).status == 200
        assert page.request.get(base + "/favicon.ico").status == 200

    assert violations == []
