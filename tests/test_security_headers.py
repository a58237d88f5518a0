"""The Content-Security-Policy and Permissions-Policy headers, and templates that need nothing
inline: every <script> is a static file, no on*= handler, no javascript: link, and (outside the
e-mails and PDFs, which no browser runs under the portal's policy) no style= attribute. The smoke
crawl (tests/test_smoke_crawl.py) checks the same on every rendered page of every role."""

from pathlib import Path

import pytest

from tests.crawler import inline_code

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Rendered by mail clients and weasyprint, never served as a page.
NOT_PAGES = ("promo/email/", "promo/pdf/")
STRICT = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
    "font-src": "'self'", "connect-src": "'self'", "object-src": "'none'", "base-uri": "'self'",
    "form-action": "'self'", "frame-ancestors": "'none'",
}

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def all_templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_the_checker_finds_what_the_policy_blocks():
    # given a page with every kind of inline code, then each is reported
    html = ('<script>alert(1)</script><script src="/static/x.js"></script>'
            '<script type="application/json" id="data">{"a": 1}</script>'
            '<a href="javascript:go()">x</a><button onclick="go()">y</button><div style="color:red"></div>')
    found = inline_code(html)
    assert len(found) == 4, found
    assert inline_code(html, styles=False) == found[:3]
    assert inline_code('<script src="/static/js/portal.js" defer></script><p class="x">ok</p>') == []


@pytest.mark.parametrize("template", all_templates(), ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_no_template_has_inline_script(template):
    name = str(template.relative_to(TEMPLATES))
    found = inline_code(template.read_text(encoding="utf-8"), styles=not name.startswith(NOT_PAGES))
    assert found == [], f"{name}: {found}"


def test_every_answer_carries_the_strict_policy_and_the_permissions_policy(client, client_for, api_client):
    # given the answers of a page (anonymous and signed in), a file download and an API call
    answers = {
        "login": client.get("/login/"),
        "home": client_for("s001").get("/"),
        "template": client_for("s001").get("/promo/uploads/template/"),
        "api": api_client.get("/api/v1/products/"),
    }
    for name, response in answers.items():
        # then each has the same strict policy
        assert policy(response) == STRICT, name
        permissions = response["Permissions-Policy"]
        assert "camera=()" in permissions and "geolocation=()" in permissions and "microphone=()" in permissions


def test_admin_and_the_browsable_api_get_inline_styles_but_never_inline_scripts(client_for):
    client = client_for("admin")
    for path in ("/admin/", "/api/v1/"):
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, path
        directives = policy(response)
        assert directives["script-src"] == "'self'", path
        assert directives["style-src"] == "'self' 'unsafe-inline'", path
        assert inline_code(response.content.decode(), styles=False) == [], path


def test_redoc_alone_may_inject_styles_and_start_a_worker(client_for):
    directives = policy(client_for("s001").get("/api/redoc/"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["worker-src"] == "'self' blob:"
    assert policy(client_for("s001").get("/api/docs/")) == STRICT


def test_htmx_is_told_not_to_inject_styles_or_eval(client_for):
    html = client_for("s001").get("/").content.decode()
    assert '"includeIndicatorStyles": false' in html and '"allowEval": false' in html
