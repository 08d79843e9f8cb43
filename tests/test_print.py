"""The print stylesheet, in Chromium with print media: a claim prints with every source's address
written out after its link, and without the navigation or the search form."""
from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from browser import ARGS, chromium_path
from site_server import serve

pytestmark = pytest.mark.browser

AFTER = "(a) => getComputedStyle(a, '::after').content"
DISPLAY = "(element) => getComputedStyle(element).display"


@pytest.fixture(scope="module")
def open_page(site):
    server, base = serve(site)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        yield lambda path: _opened(browser, base + path)
        browser.close()
    server.shutdown()


def _opened(browser, url: str):
    page = browser.new_page()
    page.goto(url, wait_until="load")
    return page


@pytest.fixture(scope="module")
def claim_page(open_page):
    return open_page("claims/valuation/")   # its header carries the site's search form


def external_links(page, scope: str):
    return page.locator(f"{scope} a[href^='http']").all()


def test_on_screen_the_addresses_are_not_written_out(claim_page):
    claim_page.emulate_media(media="screen")
    link = external_links(claim_page, ".source-rows")[0]
    assert link.evaluate(AFTER) in ("none", "normal")


def test_printed_claim_writes_out_every_sources_address(claim_page):
    claim_page.emulate_media(media="print")
    rows, notes = external_links(claim_page, ".source-rows"), external_links(claim_page, ".notes")
    assert len(rows) >= 3 and len(notes) >= 2     # originals and archived copies
    hrefs = set()
    for link in rows + notes:
        href = link.get_attribute("href")
        assert link.evaluate(AFTER) == f'" <{href}>"'
        hrefs.add(href)
    assert "https://wire.example.com/acme" in hrefs
    assert any(h.startswith("https://web.archive.org/web/") for h in hrefs)


def test_printed_page_hides_navigation_and_search_but_keeps_the_notes(claim_page):
    claim_page.emulate_media(media="print")
    assert claim_page.locator(".site-header nav").evaluate(DISPLAY) == "none"
    assert claim_page.locator(".site-header form[role='search']").evaluate(DISPLAY) == "none"
    assert claim_page.locator(".notes").evaluate(DISPLAY) != "none"
    assert claim_page.locator(".source-rows").evaluate(DISPLAY) != "none"
    for backlink in claim_page.locator(".notes .backlink").all():
        assert backlink.evaluate(DISPLAY) == "none"


def test_a_written_out_address_is_not_repeated_after_itself(open_page):
    page = open_page("sources/daily-report/")
    page.emulate_media(media="print")
    links = page.locator("dl.facts a.url").all()
    assert len(links) == 2
    for link in links:
        assert link.evaluate(AFTER) in ("none", "normal")
