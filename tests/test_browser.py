"""The built real site in headless Chromium, served with netlify.toml's headers (so the CSP is
enforced): clean loads, nothing from elsewhere, notes that link both ways, a timeline that works
with and without JavaScript, no sideways scrolling on a phone, and a keyboard path in."""
from __future__ import annotations

import pytest

from browser import pages_to_visit, same_origin

pytestmark = pytest.mark.browser

CSP_LISTENER = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


class Visit:
    """One browser context that records everything a page asks for or complains about."""

    def __init__(self, browser, base: str, width: int = 1280, javascript: bool = True):
        self.base = base
        self.context = browser.new_context(viewport={"width": width, "height": 900},
                                           java_script_enabled=javascript)
        self.console, self.failed, self.external = [], [], []
        self.context.add_init_script(CSP_LISTENER)
        self.context.route("**/*", self._guard)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.console.append(m.text))
        self.page.on("pageerror", lambda e: self.console.append(str(e)))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append((r.url, r.status)))

    def _failed(self, request):
        # moving on to the next page cancels a favicon still loading: not a failure of the site
        if not (request.failure == "net::ERR_ABORTED" and request.url.endswith("favicon.svg")):
            self.failed.append((request.url, request.failure))

    def _guard(self, route):
        if same_origin(route.request.url, self.base):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort("blockedbyclient")

    def open(self, path: str):
        self.page.goto(self.base + path, wait_until="load")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, served):
    opened = []

    def make(**options) -> Visit:
        opened.append(Visit(browser, served, **options))
        return opened[-1]
    yield make
    for v in opened:
        v.close()


def test_every_page_loads_cleanly_and_stays_on_its_own_origin(real_site, visit):
    paths = pages_to_visit(real_site)
    assert len(paths) >= 5
    v = visit()
    for path in paths:
        page = v.open(path)
        assert page.evaluate("window.__csp") == [], path
        assert page.evaluate("document.cookie") == "", path
    assert v.console == [], v.console
    assert v.failed == [], v.failed
    assert v.external == [], v.external
    assert v.context.cookies() == []


def test_at_phone_width_no_page_scrolls_sideways(real_site, visit):
    v = visit(width=390)
    for path in pages_to_visit(real_site):
        page = v.open(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide at 390px"


def first_note_ref(real_site) -> str:
    for path in pages_to_visit(real_site):
        html = (real_site / path / "index.html") if path.endswith("/") or not path else real_site / path
        if html.is_file() and 'role="doc-noteref"' in html.read_text("utf-8"):
            return path
    raise AssertionError("no page has a note reference")


def test_a_note_reference_goes_to_its_note_and_the_back_link_returns(real_site, visit):
    page = visit().open(first_note_ref(real_site))
    ref = page.locator("a[role=doc-noteref]").first
    ref_id, note_href = ref.get_attribute("id"), ref.get_attribute("href")
    ref.click()
    assert page.evaluate("location.hash") == note_href
    assert page.evaluate("document.querySelector(':target').id") == note_href[1:]
    page.locator(f"{note_href} a[role=doc-backlink][href='#{ref_id}']").click()
    assert page.evaluate("location.hash") == f"#{ref_id}"
    assert page.evaluate("document.querySelector(':target').id") == ref_id


def test_the_timeline_lists_every_event_without_javascript(visit):
    page = visit(javascript=False).open("timeline/")
    events = page.locator("li.event")
    assert events.count() > 0
    assert all(events.nth(i).is_visible() for i in range(events.count()))
    assert page.locator("[data-topics]").is_hidden()   # the filter needs JavaScript, so it hides


def test_the_topic_filter_works_with_javascript(visit):
    page = visit().open("timeline/")
    select = page.locator("#topic-filter")
    assert select.is_visible()
    total = page.locator("li.event").count()
    topics = [o for o in select.locator("option").evaluate_all("os => os.map(o => o.value)") if o]
    assert len(topics) >= 2
    seen = 0
    for topic in topics:
        select.select_option(topic)
        visible = page.locator("li.event:visible")
        assert visible.count() > 0
        assert set(visible.evaluate_all("es => es.map(e => e.dataset.topic)")) == {topic}
        seen += visible.count()
    assert seen == total
    select.select_option("")
    assert page.locator("li.event:visible").count() == total


def test_keyboard_users_get_the_skip_link_and_a_visible_focus(visit):
    page = visit().open("")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e),
        r = e.getBoundingClientRect();
        return {cls: e.className, href: e.getAttribute('href'), outline: s.outlineStyle,
                width: parseFloat(s.outlineWidth), top: r.top, bottom: r.bottom}; }""")
    assert focused["cls"] == "skip-link" and focused["href"] == "#content"
    assert focused["outline"] != "none" and focused["width"] >= 2
    assert focused["top"] >= 0 and focused["bottom"] <= 900          # shown on screen
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
