"""A build for GitHub Pages: served under /<repo>/ by a host that sends no headers, so each page
carries netlify.toml's Content Security Policy for its path in a <meta> tag."""
from __future__ import annotations

import subprocess
import sys

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import sync_playwright

from browser import ARGS, chromium_path
from conftest import NOW, ROOT, copy_fixture
from engine.headers import headers_for, meta_policy
from site_server import serve

BASE = "https://newsroom.github.io/acme-files/"


@pytest.fixture(scope="module")
def pages_site(tmp_path_factory):
    base = tmp_path_factory.mktemp("pages")
    content = copy_fixture(base)
    out = base / "_site"
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", str(content),
                             "--out", str(out), "--now", NOW, "--base-url", BASE, "--csp-meta"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return out


def test_every_page_carries_its_paths_policy_without_what_a_meta_tag_cannot_hold(pages_site):
    pages = sorted(pages_site.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        url = "/" + path.relative_to(pages_site).as_posix().removesuffix("index.html")
        [meta] = soup.find_all("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert meta["content"] == meta_policy(url, ROOT / "netlify.toml"), url
        assert "frame-ancestors" not in meta["content"] and "default-src 'none'" in meta["content"]
        assert soup.head.find("meta") is soup.head.find("meta", charset=True)   # charset stays first
        assert soup.find("link", rel="canonical")["href"].startswith(BASE)
        # Pagefind's WebAssembly is allowed on the search page alone, as in netlify.toml
        assert ("'wasm-unsafe-eval'" in meta["content"]) == (url == "/search/"), url


def test_the_meta_policy_follows_netlifys_order_of_header_blocks(tmp_path):
    config = tmp_path / "netlify.toml"
    config.write_text('[[headers]]\n  for = "/*"\n  [headers.values]\n'
                      '    Content-Security-Policy = "default-src \'none\'; frame-ancestors \'none\'"\n'
                      '[[headers]]\n  for = "/search/*"\n  [headers.values]\n'
                      '    Content-Security-Policy = "default-src \'self\'"\n')
    assert meta_policy("/claims/x/", config) == "default-src 'none'"
    assert meta_policy("/search/", config) == "default-src 'self'"    # the later block wins
    assert headers_for("/search/", config) == {"Content-Security-Policy": "default-src 'self'"}


@pytest.mark.browser
def test_served_without_headers_under_a_sub_path_the_meta_policy_is_enforced(pages_site):
    server, base = serve(pages_site, base_path="/acme-files/", headers=False)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
            page = browser.new_page()
            errors, failed = [], []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("response", lambda r: r.status >= 400 and failed.append(r.url))
            response = page.goto(base + "claims/valuation/")
            assert "content-security-policy" not in response.headers     # no help from the host
            assert page.evaluate("getComputedStyle(document.body).fontFamily")  # our CSS loaded
            assert not failed and not errors
            # an inline script, as injected markup would run, is refused by the <meta> policy
            page.evaluate("""() => { window.__ran = false; const s = document.createElement('script');
                s.textContent = 'window.__ran = true'; document.head.append(s); }""")
            assert page.evaluate("window.__ran") is False
            browser.close()
    finally:
        server.shutdown()
