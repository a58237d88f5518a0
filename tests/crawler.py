"""A breadth-first crawler for the smoke test: from a start page it follows every same-origin
link (GET only) with the Django test client and reports each page that is a server error, does
not render as a Russian page should, or breaks the Content-Security-Policy: no CSP header, or
inline code the policy would block (a <script> without src, an on*= handler, a javascript: link;
on the portal's own pages also a style= attribute).

Links that only differ in their ids or query values (``/promo/12/``, ``/promo/13/``,
``?page=2``, ``?page=3``) have the same *shape*; a few of each shape are enough to exercise the
view, so the crawl stays short without missing a kind of page."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit

# Never followed: signing out ends the crawl's session; the language switch and the static
# files are not pages of the portal; Django admin is visited at its index only.
SKIP_PREFIXES = ("/logout/", "/i18n/", "/static/", "/media/")
ADMIN_INDEX = "/admin/"
# Left-over template syntax or a Python None where a value belongs.
UNRENDERED = re.compile(r"\{%|%\}|\{\{|\}\}")
NONE_SHOWN = re.compile(r">\s*None\s*<")
HTML_LANG = "<html lang=\"ru\""
# Third-party pages (Swagger UI, ReDoc, the browsable API) have their own layout.
FOREIGN_LAYOUT_PREFIXES = ("/api/",)
# Pages whose templates are not the portal's: inline styles allowed there (config.middleware).
FOREIGN_STYLE_PREFIXES = ("/admin/", "/api/")
# <script> types a browser does not run (json_script's data blocks): CSP does not apply to them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
STRICT_SCRIPT_SRC = "script-src 'self'"
EVENT_HANDLER = re.compile(r"on[a-z]+")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


class _InlineCode(HTMLParser):
    """Collects what a strict Content-Security-Policy (script-src/style-src 'self') blocks."""

    def __init__(self, *, styles: bool) -> None:
        super().__init__()
        self.styles = styles
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not values.get("src") and (values.get("type") or "") not in DATA_SCRIPT_TYPES:
            self._in_inline_script = True
        if tag == "style" and self.styles:
            self.found.append("<style> element")
        for name, value in attrs:
            if EVENT_HANDLER.fullmatch(name):
                self.found.append(f"<{tag} {name}=…> handler")
            elif name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=\"javascript:…\">")
            elif name == "style" and self.styles:
                self.found.append(f"<{tag} style=\"{value}\">")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")


def inline_code(html: str, *, styles: bool = True) -> list[str]:
    """Inline scripts, handlers and javascript: URLs in ``html`` (and, with ``styles``, inline
    styles): each would be refused by the portal's Content-Security-Policy."""
    parser = _InlineCode(styles=styles)
    parser.feed(html)
    return parser.found


def normalise(href: str, base: str) -> str | None:
    """The same-origin path (with query) that ``href`` on page ``base`` points to, or None."""
    href, _fragment = urldefrag(href.strip())
    if not href or href.startswith(("mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(href)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    if parts.netloc and parts.netloc not in ("testserver", "localhost"):
        return None
    path = parts.path
    if not path:
        path = urlsplit(base).path
    elif not path.startswith("/"):
        path = urlsplit(base).path.rsplit("/", 1)[0] + "/" + path
    return path + (f"?{parts.query}" if parts.query else "")


def shape(url: str) -> str:
    """``/promo/12/?page=3&status=x`` -> ``/promo/N/?page&status``."""
    parts = urlsplit(url)
    keys = sorted({key for key, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + ("?" + urlencode([(k, "") for k in keys]) if keys else "")


def skipped(url: str) -> bool:
    path = urlsplit(url).path
    if path.startswith(ADMIN_INDEX):
        return path != ADMIN_INDEX
    return path.startswith(SKIP_PREFIXES)


@dataclass
class CrawlReport:
    visited: dict[str, int] = field(default_factory=dict)  # url -> status code
    problems: list[str] = field(default_factory=list)

    def problem(self, url: str, text: str, source: str | None) -> None:
        self.problems.append(f"{url} (from {source or 'start'}): {text}")


def check_page(url: str, response, source: str | None, report: CrawlReport) -> str | None:
    """Record what is wrong with one response; return its HTML when it is a page to follow."""
    if response.status_code >= 500:
        report.problem(url, f"server error {response.status_code}", source)
        return None
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return None
    html = response.content.decode()
    path = urlsplit(url).path
    if HTML_LANG not in html and not path.startswith(FOREIGN_LAYOUT_PREFIXES):
        report.problem(url, "not a Russian page (no <html lang=\"ru\">)", source)
    policy = response.get("Content-Security-Policy", "")
    if STRICT_SCRIPT_SRC + ";" not in policy + ";":
        report.problem(url, f"no strict Content-Security-Policy (got {policy!r})", source)
    for found in inline_code(html, styles=not path.startswith(FOREIGN_STYLE_PREFIXES)):
        report.problem(url, f"blocked by the CSP: {found}", source)
    for pattern, text in ((UNRENDERED, "unrendered template syntax"), (NONE_SHOWN, "«None» shown as a value")):
        found = pattern.search(html)
        if found:
            around = html[max(found.start() - 80, 0):found.end() + 40].replace("\n", " ")
            report.problem(url, f"{text}: …{around}…", source)
    return html


def crawl(client, start: str = "/", *, max_depth: int = 3, max_urls: int = 400, per_shape: int = 3) -> CrawlReport:
    """Visit ``start`` and, breadth-first up to ``max_depth`` links away, every same-origin link
    (at most ``per_shape`` URLs of one shape, ``max_urls`` in all); redirects are followed as
    links of the page that answered with them."""
    report = CrawlReport()
    seen = {start}
    shapes: dict[str, int] = {}
    queue: deque[tuple[str, int, str | None]] = deque([(start, 0, None)])
    while queue and len(report.visited) < max_urls:
        url, depth, source = queue.popleft()
        response = client.get(url)
        report.visited[url] = response.status_code
        if response.status_code in (301, 302, 303, 307, 308):
            targets = [response["Location"]]
        else:
            html = check_page(url, response, source, report)
            targets = links_of(html) if html is not None and depth < max_depth else []
        for href in targets:
            if "??" in href:
                report.problem(url, f"malformed link {href!r}", source)
            target = normalise(href, url)
            if target is None or target in seen or skipped(target):
                continue
            seen.add(target)
            key = shape(target)
            if shapes.get(key, 0) >= per_shape:
                continue
            shapes[key] = shapes.get(key, 0) + 1
            queue.append((target, depth + 1, url))
    return report
