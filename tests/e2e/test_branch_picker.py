"""The targeting editor's branch picker in a real headless Chromium: the marketer finds branches
by typing a city, picks three of them (the keyboard and the mouse), sees the resolved count
update, picks a whole city from its group header, removes a chip and saves.

Chromium is the system one (/usr/bin/chromium), as in test_approval_flow.py."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from branches.models import Branch, Region
from suppliers.models import Supplier
from tests.e2e.browser import ARTIFACTS, browser_page, csp_violations, login
from tests.factories import PromoFactory


@pytest.mark.e2e
def test_search_a_city_pick_three_branches_and_see_the_count(live_server, demo_data, tmp_path):
    # given a promo of s001 for the whole chain, starting next month
    start = date.today() + timedelta(days=30)
    promo = PromoFactory(supplier=Supplier.objects.get(code="S001"), start=start, end=start + timedelta(days=13),
                         targeting={"chain": True})
    berdsk = list(Branch.objects.open_on(start).filter(city__name="Бердск").order_by("code"))
    achinsk = list(Branch.objects.open_on(start).filter(city__name="Ачинск").order_by("code"))
    chernogorsk = list(Branch.objects.open_on(start).filter(city__name="Черногорск"))
    assert len(berdsk) >= 3 and achinsk and chernogorsk

    with browser_page(tmp_path, width=1366, height=900) as page:
        violations = csp_violations(page)
        login(page, live_server.url, "marketer")
        page.goto(live_server.url + f"/promo/{promo.pk}/targeting/")
        page.locator("input[name=chain]").uncheck()
        preview = page.locator("#targeting-preview")
        expect(preview.locator(".resolved-count")).to_have_text("0")

        # when she types the city into the branch picker: only its branches are offered,
        # under their «region · city» header
        picker = page.locator(".field-wide:has(select[name=branches]) .ts-wrapper")
        search = picker.locator("input").first
        search.click()
        search.fill("Бердск")
        dropdown = page.locator(".ts-dropdown:visible")
        expect(dropdown.locator(".optgroup-header")).to_have_count(1)
        expect(dropdown.locator(".optgroup-header")).to_contain_text("Бердск")
        expect(dropdown.locator("[data-selectable].option")).to_have_count(len(berdsk))

        # and picks the first with the keyboard, two more with the mouse
        search.press("Enter")
        dropdown.locator("[data-selectable].option", has_text=berdsk[1].code).click()
        dropdown.locator("[data-selectable].option", has_text=berdsk[2].code).click()

        # then three chips show, and the preview counts and lists exactly those branches
        expect(picker.locator(".item")).to_have_count(3)
        expect(preview.locator(".resolved-count")).to_have_text("3")
        for branch in berdsk[:3]:
            expect(preview.locator(".branch-list")).to_contain_text(branch.code)

        # when she picks a whole city from its header and removes one chip again
        search.click()
        search.fill("Ачинск")
        expect(dropdown.locator(".optgroup-header")).to_have_count(1)
        dropdown.locator("[data-pick-group]", has_text="Ачинск").click()
        expect(preview.locator(".resolved-count")).to_have_text(str(3 + len(achinsk)))
        picker.locator(".item", has_text=berdsk[0].code).locator(".remove").click()
        expect(preview.locator(".resolved-count")).to_have_text(str(2 + len(achinsk)))

        # and picks a whole city from the keyboard (Ctrl+Enter on a highlighted branch)
        search.click()
        search.fill("Черногорск")
        expect(dropdown.locator(".optgroup-header")).to_have_count(1)
        expect(dropdown.locator(".optgroup-header")).to_contain_text("Черногорск")
        search.press("Control+Enter")
        expect(preview.locator(".resolved-count")).to_have_text(str(2 + len(achinsk) + len(chernogorsk)))

        search.fill("Кан")
        expect(dropdown.locator(".optgroup-header").first).to_contain_text("Канск")
        page.screenshot(path=str(ARTIFACTS / "branch_picker.png"))

        # and saves
        page.locator("textarea[name=reason]").fill("Бердск, Ачинск и Черногорск")
        page.locator("button[name=save]").click()
        expect(page.locator(".msg-success")).to_contain_text("Филиалы промо сохранены")

    # then the promo targets the picked branches, and the browser reported no policy violation
    promo.refresh_from_db()
    assert promo.targeting["chain"] is False
    assert set(promo.targeting["branches"]) == {b.pk for b in berdsk[1:3] + achinsk + chernogorsk}
    assert violations == []


@pytest.mark.e2e
def test_picking_a_region_unticks_the_whole_chain_and_ticking_it_empties_the_picks(live_server, demo_data,
                                                                                     tmp_path):
    # given a promo of s001 for the whole chain: the editor opens with «Вся сеть» ticked
    start = date.today() + timedelta(days=30)
    promo = PromoFactory(supplier=Supplier.objects.get(code="S001"), start=start, end=start + timedelta(days=13),
                         targeting={"chain": True})
    tomsk = Region.objects.get(name="Томская область")
    in_tomsk = Branch.objects.open_on(start).filter(region=tomsk).count()
    everywhere = Branch.objects.open_on(start).count()

    with browser_page(tmp_path, width=1366, height=900) as page:
        violations = csp_violations(page)
        login(page, live_server.url, "marketer")
        page.goto(live_server.url + f"/promo/{promo.pk}/targeting/")
        chain = page.locator("input[name=chain]")
        preview = page.locator("#targeting-preview")
        expect(chain).to_be_checked()

        # when she picks «Томская область» to narrow the promo, leaving the box alone
        regions = page.locator(".field:has(select[name=regions]) .ts-wrapper")
        regions.locator("input").first.click()
        regions.locator("input").first.fill("Томская")
        page.locator(".ts-dropdown:visible [data-selectable].option", has_text="Томская область").click()
        page.keyboard.press("Escape")

        # then «Вся сеть» is unticked and the preview counts the region's branches only
        expect(chain).not_to_be_checked()
        expect(preview.locator(".resolved-count")).to_have_text(str(in_tomsk))

        # when she ticks «Вся сеть» again, the region's chip goes: the chain, not «chain; region»
        chain.check()
        expect(regions.locator(".item")).to_have_count(0)
        expect(preview.locator(".resolved-count")).to_have_text(str(everywhere))

        # and picking the region again and saving stores the region alone
        regions.locator("input").first.click()
        regions.locator("input").first.fill("Томская")
        page.locator(".ts-dropdown:visible [data-selectable].option", has_text="Томская область").click()
        page.keyboard.press("Escape")
        expect(chain).not_to_be_checked()
        page.locator("button[name=save]").click()
        expect(page.locator(".msg-success")).to_contain_text("Филиалы промо сохранены")

    promo.refresh_from_db()
    assert promo.targeting.get("chain") is False and promo.targeting["regions"] == [tomsk.pk]
    assert violations == []
