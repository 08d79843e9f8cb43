"""Every page of the built real site: axe-core finds no WCAG 2.2 A/AA violation (target-size
included), the Nu Html Checker finds no error, and every internal link and fragment resolves."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

from browser import ARGS, chromium_path
from conftest import ROOT, parsed_html
from site_server import serve
from test_site import internal_links

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                     "wcag22aa"]},
               "rules": {"target-size": {"enabled": True}}, "resultTypes": ["violations"]}
CHUNKS = 4


def every_page(site: Path) -> list[str]:
    urls = []
    for path in sorted(site.rglob("*.html")):
        if 'http-equiv="refresh"' not in path.read_text("utf-8"):
            relative = path.relative_to(site).as_posix()
            if relative.startswith("admin/"):
                continue   # the editors' Decap CMS, not a public page (tests/test_admin.py)
            urls.append(relative[: -len("index.html")] if relative.endswith("index.html") else relative)
    return urls


# In the dark scheme only colours change (dark_changes_only_colours checks it on the built CSS), so
# there axe runs only the rules that read colours; structure, names and sizes are the light run's.
COLOUR_RULES = {"runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
                "resultTypes": ["violations"]}


def dark_changes_only_colours(site: Path) -> bool:
    """Every rule inside a prefers-color-scheme block of the site's CSS sets a custom property
    (the palette) and nothing else: no layout, visibility or content differs in the dark."""
    for css in site.rglob("*.css"):
        text = re.sub(r"/\*.*?\*/", "", css.read_text("utf-8"), flags=re.S)
        for match in re.finditer(r"@media[^{]*prefers-color-scheme[^{]*\{", text):
            depth, end = 1, match.end()
            while depth:
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                end += 1
            block = text[match.end():end - 1]
            declarations = re.findall(r"([^{};]+):[^;{}]*(?:;|})", block)
            if any(not name.strip().startswith("--") for name in declarations):
                return False
    return True


def axe_violations(site: Path, paths: list[str]) -> dict[str, list[str]]:
    """axe-core on each page of `site` at phone width, in the light and the dark scheme:
    "scheme path" -> the violations found (rule id and the first targets)."""
    assert AXE.is_file(), "axe-core is missing: run `make test` (npm install)"
    dark_options = COLOUR_RULES if dark_changes_only_colours(site) else AXE_OPTIONS
    server, base = serve(site)
    found = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
            for scheme, options in (("light", AXE_OPTIONS), ("dark", dark_options)):
                context = browser.new_context(bypass_csp=True, color_scheme=scheme,
                                              viewport={"width": 390, "height": 900})
                context.add_init_script(path=AXE)   # in every page before its own scripts
                page = context.new_page()
                for path in paths:
                    page.goto(base + path)
                    result = page.evaluate("o => axe.run(document, o)", options)
                    for violation in result["violations"]:
                        targets = [n["target"] for n in violation["nodes"]][:3]
                        found.setdefault(f"{scheme} {path}", []).append(f"{violation['id']}: {targets}")
                context.close()
            browser.close()
    finally:
        server.shutdown()
    return found


def test_the_dark_scheme_is_checked_in_full_when_it_changes_more_than_colours(tmp_path):
    (tmp_path / "a.css").write_text("@media (prefers-color-scheme: dark) {\n  :root { --ink: #fff;"
                                    " --paper: #000 }\n}\n/* { display: none } */ p { margin: 0 }")
    assert dark_changes_only_colours(tmp_path)
    (tmp_path / "b.css").write_text("@media screen and (prefers-color-scheme: dark) { :root { --a: 1 }"
                                    " .chart text { display: none; } }")
    assert not dark_changes_only_colours(tmp_path)


@pytest.mark.browser
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_axe_finds_no_violations_on_any_page(real_site, chunk):
    assert axe_violations(real_site, every_page(real_site)[chunk::CHUNKS]) == {}


@pytest.mark.browser
def test_the_nu_checker_finds_no_error_on_any_page(real_site, tmp_path):
    assert VNU.is_file(), "vnu.jar is missing: run `make test` (npm install)"
    java = shutil.which("java")
    assert java, "Java is missing: the Nu checker needs it (make test installs it)"
    site = tmp_path / "site"
    shutil.copytree(real_site, site)
    shutil.rmtree(site / "admin", ignore_errors=True)   # the editors' Decap CMS is not a public page
    # a page that must fail proves the checker really ran over this folder
    (site / "canary.html").write_text("<!doctype html><html lang=en><title>x</title><p><div></p>")
    result = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json",
                             "--skip-non-html", str(site)], capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr)["messages"]
    canary = [m for m in messages if m["url"].endswith("/canary.html")]
    assert canary, "the Nu checker did not report the broken canary page: it did not run"
    errors = [f"{Path(urlsplit(m['url']).path).relative_to(site)}:{m.get('lastLine')}: {m['message']}"
              for m in messages if not m["url"].endswith("/canary.html")]
    assert errors == []


def test_no_broken_internal_links_or_fragments(real_site):
    links = internal_links(real_site, "/")
    assert links
    broken = []
    documents: dict[Path, set[str]] = {}
    for source, url in links:
        parts = urlsplit(url)
        target = real_site / parts.path.lstrip("/")
        if parts.path.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            broken.append((str(source.relative_to(real_site)), url))
            continue
        if parts.fragment and target.suffix == ".html":
            if target not in documents:
                soup = parsed_html(target)
                documents[target] = {tag["id"] for tag in soup.find_all(id=True)}
            if parts.fragment not in documents[target]:
                broken.append((str(source.relative_to(real_site)), url))
    assert broken == []


def test_feed_and_sitemap_list_only_pages_that_exist(real_site):
    sitemap = ET.parse(real_site / "sitemap.xml").getroot()
    urls = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    feed = ET.parse(real_site / "feed.xml").getroot()
    urls += [link.get("href") for link in feed.iter("{http://www.w3.org/2005/Atom}link")
             if link.get("rel") == "alternate"]
    assert len(urls) > 10
    for url in urls:
        path = urlsplit(url).path.lstrip("/")
        assert (real_site / path / "index.html").is_file() or (real_site / path).is_file(), url
