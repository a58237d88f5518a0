"""One home for the end-to-end tests' browser: Debian's Chromium (/usr/bin/chromium, never a
downloaded one) with the flags this machine needs and a fresh profile per test, signing in
through the login form, and the Content Security Policy complaints a page logs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.urls import reverse
from playwright.sync_api import Page, sync_playwright

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # screenshots (gitignored)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
TIMEOUT_MS = 30_000


@contextmanager
def browser_page(tmp_path: Path, *, width: int, height: int, javascript: bool = True) -> Iterator[Page]:
    """A page of a headless Chromium in Russian, its profile under ``tmp_path``; closed after
    (``javascript=False``: a browser with JavaScript off)."""
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            locale="ru-RU", viewport={"width": width, "height": height}, java_script_enabled=javascript,
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context.new_page()
        finally:
            context.close()


def login(page: Page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + reverse("login"))
    form = page.locator("form:has(input[name=username])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill("demo")
    form.locator("button[type=submit]").click()
    page.wait_for_url(base_url + reverse("home"))


def csp_violations(page: Page) -> list[str]:
    """The policy's complaints and the script errors of ``page``, collected as they come."""
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)
    page.on("pageerror", lambda error: found.append(f"page error: {error}"))
    return found
