"""The portal under its Content-Security-Policy in a real headless Chromium: the pages, htmx (a
live targeting preview posted with the CSRF header), the upload page's script, Django admin,
Swagger UI and ReDoc all work, and the browser reports no violation of the policy.

Chromium is the system one (/usr/bin/chromium), as in test_approval_flow.py."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from suppliers.models import Product, Supplier
from tests.e2e.browser import browser_page, csp_violations, login
from tests.factories import PromoFactory, PromoLineFactory

# ReDoc's sidebar always shows its maker's logo from their CDN; the policy blocking it is the
# policy working (no request leaves the portal), not a page that breaks.
EXPECTED = ("https://cdn.redoc.ly/redoc/logo-mini.svg",)



@pytest.mark.e2e
def test_pages_htmx_admin_and_api_docs_work_under_the_policy(live_server, demo_data, tmp_path):
    base = live_server.url
    s001 = Supplier.objects.get(code="S001")
    promo = PromoFactory(supplier=s001, name="Проверка CSP")
    PromoLineFactory(promo=promo, product=Product.objects.filter(supplier=s001).first())
    admin_user = get_user_model().objects.get(username="admin")

    with browser_page(tmp_path, width=1400, height=1000) as page:
        violations = csp_violations(page)
        # given the login page: a wrong password shows the message and the lockout hint
        page.goto(base + "/login/")
        form = page.locator("form:has(input[name=username])")
        form.locator("input[name=username]").fill("s001")
        form.locator("input[name=password]").fill("wrong")
        form.locator("button[type=submit]").click()
        expect(page.locator(".error")).to_contain_text("Неверное имя пользователя или пароль")

        # when s001 works: home, its promo, the upload page with its drop-zone script
        login(page, base, "s001")
        page.goto(base + promo.get_absolute_url())
        expect(page.locator("h1")).to_contain_text("Проверка CSP")
        page.goto(base + "/promo/uploads/new/")
        expect(page.locator("[data-dropzone]")).to_be_visible()

        # and reads the API docs: Swagger UI and ReDoc render the schema
        page.goto(base + "/api/docs/")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Promo Portal API")
        page.goto(base + "/api/redoc/")
        expect(page.locator("h1").first).to_contain_text("Promo Portal API")

        # and the marketer edits the promo's branches: htmx posts the form and swaps the preview
        login(page, base, "marketer")
        page.goto(base + f"/promo/{promo.pk}/targeting/")
        page.locator("input[name=chain]").uncheck()
        expect(page.locator("#targeting-preview")).to_contain_text("Филиалы по новым правилам")

        # and the administrator uses Django admin: the index, a change form, the lockouts
        login(page, base, "admin")
        page.goto(base + "/admin/")
        expect(page.locator("#site-name")).to_be_visible()
        page.goto(base + f"/admin/auth/user/{admin_user.pk}/change/")
        expect(page.locator("#user_form")).to_be_visible()
        page.goto(base + "/admin/axes/accessattempt/")
        expect(page.locator("#changelist")).to_be_visible()

    # then the browser refused nothing under the policy (but ReDoc's remote logo) and no script failed
    assert [text for text in violations if not any(url in text for url in EXPECTED)] == []
