"""Site search: the Pagefind index is part of every build (reproducible, written before the swap,
kept when nothing changed), every page has a GET search form, and the search page works with
JavaScript (results with kind and date, filters) and leads somewhere without it."""
from __future__ import annotations

import re
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import test_browser
from conftest import NOW, ROOT, build, copy_fixture, page
from engine import search
from site_server import serve
from test_reliability import tree
from test_serve import free_port, wait_for
from test_validity import AXE, AXE_OPTIONS


def html_pages(site):
    for path in sorted(site.rglob("*.html")):
        if not path.is_relative_to(site / search.INDEX_FOLDER):
            yield path, BeautifulSoup(path.read_text("utf-8"), "html.parser")


# --- the index, on the fixture site ---------------------------------------------------------------

def test_only_item_pages_are_indexed_and_only_their_main_content(site):
    indexed = {p.relative_to(site).as_posix() for p, soup in html_pages(site)
               if soup.find(attrs={"data-pagefind-body": True})}
    assert "claims/valuation/index.html" in indexed and "events/round-a/index.html" in indexed
    assert "sources/wire/index.html" in indexed and "entities/acme/index.html" in indexed
    assert "about/index.html" in indexed
    for left_out in ("search/index.html", "404.html", "index.html", "claims/index.html",
                     "timeline/index.html", "claims/round-size-2018/index.html"):
        assert left_out not in indexed, left_out
    entry = json.loads((site / "pagefind/pagefind-entry.json").read_text())
    assert sum(language["page_count"] for language in entry["languages"].values()) == len(indexed)
    claim = page(site, "claims/valuation/")
    assert claim.find("main")["data-pagefind-body"] == ""
    assert claim.find("section", class_="notes").has_attr("data-pagefind-ignore")
    assert not claim.find("header").find(attrs={"data-pagefind-body": True})


def test_each_indexed_page_names_its_kind_date_and_topic(site):
    def fields(url):
        soup = page(site, url)
        return {m["name"]: m["content"] for m in soup.find_all("meta", attrs={"name": True})
                if m["name"].startswith("search-")}
    claim = fields("claims/valuation/")
    assert claim["search-kind"] == "Claim" and claim["search-topic"] == "Funding"
    assert claim["search-date"]
    event = fields("events/cameras/")
    assert event["search-kind"] == "Event" and "October" in event["search-date"] and "2019" in event["search-date"]
    assert fields("sources/wire/")["search-kind"] == "Source"
    assert fields("entities/acme/")["search-kind"] == "Entity"
    assert fields("about/")["search-kind"] == "Page"
    meta = page(site, "claims/valuation/").find("meta", attrs={"name": "search-kind"})
    assert meta["data-pagefind-filter"] == "kind[content]" and meta["data-pagefind-meta"] == "kind[content]"


def test_only_what_the_search_page_uses_is_published(site):
    """The search page runs Pagefind's JavaScript API: its ready-made UIs are not written."""
    written = {path.name for path in (site / search.INDEX_FOLDER).iterdir()}
    assert {"pagefind.js", "pagefind-worker.js", "pagefind-entry.json"} <= written
    assert not written & set(search.UNUSED)


def test_the_filters_are_written_in_sorted_order(site):
    filters = sorted((site / "pagefind/filter").glob("*.pf_filter"))
    assert len(filters) == 2
    names = []
    for path in filters:
        name, values = search._read(path)
        names.append(name)
        assert [v[0] for v in values] == sorted(v[0] for v in values)
    assert sorted(names) == ["kind", "topic"]
    kinds = next(search._read(p)[1] for p in filters if search._read(p)[0] == "kind")
    assert [v[0] for v in kinds] == ["Claim", "Entity", "Event", "Page", "Source"]


def test_two_builds_give_the_same_index_and_an_unchanged_build_keeps_it(content, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    assert build(content, first).ok and build(content, second).ok
    assert tree(first) == tree(second)
    assert any(path.startswith("pagefind/") for path in tree(first))
    again = build(content, first)
    assert again.ok and not again.written
    assert tree(first) == tree(second)


def test_the_index_does_not_depend_on_the_order_the_disk_lists_the_pages(site):
    """Pagefind's command line numbered pages in the order the file system lists them: tmpfs
    lists a folder newest first, ext4 in a hash order seeded per disk, so the same site gave
    other index bytes on another machine. The same pages written in two orders, one index."""
    tmpfs = Path("/dev/shm")
    assert tmpfs.is_dir(), "this test writes to a tmpfs at /dev/shm, which Linux provides"
    pages = sorted(path.relative_to(site) for path in site.rglob("*.html"))
    indexes = []
    with tempfile.TemporaryDirectory(dir=tmpfs) as folder:
        for name, order in (("forward", pages), ("backward", pages[::-1])):
            copy = Path(folder) / name
            for relative in order:
                (copy / relative).parent.mkdir(parents=True, exist_ok=True)
                (copy / relative).write_bytes((site / relative).read_bytes())
            search.index_site(copy)
            indexes.append(tree(copy / search.INDEX_FOLDER))
    assert len(indexes[0]) > 10 and indexes[0] == indexes[1]


def test_a_failed_index_fails_the_build_and_leaves_the_site_as_it_was(content, tmp_path, monkeypatch):
    out = tmp_path / "_site"
    assert build(content, out).ok
    before = tree(out)
    claim = content / "claims/valuation.yaml"
    claim.write_text(claim.read_text().replace("at about $50m.", "at roughly $50m."))
    monkeypatch.setattr(search, "executable", lambda: "/bin/false")
    result = build(content, out)
    assert not result.ok
    assert [p.path for p in result.failures] == ["search index"]
    assert tree(out) == before
    assert not list(tmp_path.glob("._site.staging-*"))


# --- the search form and the search page, without JavaScript ----------------------------------------

def test_every_page_has_a_get_search_form_to_the_search_page(site):
    checked = 0
    for path, soup in html_pages(site):
        if soup.find("meta", attrs={"http-equiv": "refresh"}):
            continue
        forms = soup.find_all("form", attrs={"role": "search"})
        if path.relative_to(site).as_posix() == "search/index.html":   # its own form, in the page; not a second one in the header
            assert len(forms) == 1 and not soup.find("header").find("form"), path
            form = forms[0]
        else:
            form = soup.find("header").find("form", attrs={"role": "search"})
        assert form and form["action"] == "/search/" and form["method"] == "get", path
        field = form.find("input", attrs={"name": "q"})
        assert soup.find("label", attrs={"for": field["id"]}), path
        checked += 1
    assert checked > 10
    not_found = page(site, "404.html").find("main").find("form", attrs={"role": "search"})
    assert not_found["action"] == "/search/" and not_found.find("input", attrs={"name": "q"})


def test_the_search_page_links_to_the_indexes_by_kind_topic_and_year(site):
    soup = page(site, "search/")
    browse = soup.find("section", class_="search-browse")
    links = {a.get_text(): a["href"] for a in browse.find_all("a")}
    assert {"Claims": "/claims/", "Timeline": "/timeline/", "Sources": "/sources/"}.items() <= links.items()
    assert links["Funding"].startswith("/claims/")
    years = [a["href"] for a in browse.find("ul", class_="search-years").find_all("a")]
    assert years and all(href.startswith("/timeline/") for href in years)
    for href in links.values():
        path, _, fragment = href.partition("#")
        target = page(site, path.lstrip("/"))
        assert not fragment or target.find(id=fragment), href
    assert soup.find(attrs={"data-search-filters": True}).has_attr("hidden")   # needs JavaScript
    scripts = [s["src"] for s in soup.find_all("script", src=True)]
    assert len(scripts) == 1 and "search" in scripts[0]
    other = page(site, "claims/valuation/")   # only the search page loads search code
    assert not [s["src"] for s in other.find_all("script", src=True) if "search" in s["src"]]
    assert "pagefind/" not in other.decode() and "/pagefind" not in soup.decode().replace(
        'data-bundle="/pagefind/"', "")


def test_the_search_page_is_not_in_the_sitemap(site):
    assert "/search/" not in (site / "sitemap.xml").read_text()


# --- in the browser, on the real site with netlify.toml's headers ---------------------------------

@pytest.fixture
def visit(browser, served):
    opened = []

    def make(**options):
        opened.append(test_browser.Visit(browser, served, **options))
        return opened[-1]
    yield make
    for v in opened:
        v.close()


KINDS = {"Claim", "Event", "Source", "Entity", "Page"}


def results(page) -> list[dict]:
    page.wait_for_selector(".search-results li")
    return page.locator(".search-results li").evaluate_all("""items => items.map(li => ({
        href: li.querySelector('a').getAttribute('href'),
        kind: li.querySelector('.search-about strong').textContent,
        about: li.querySelector('.search-about').textContent}))""")


def assert_clean(v):
    assert v.page.evaluate("window.__csp") == []
    assert v.console == [], v.console
    assert v.failed == [], v.failed
    assert v.external == [], v.external


def test_a_query_shows_results_with_kind_and_date_and_the_filters_narrow_them(visit):
    v = visit()
    search_page = v.open("search/")
    search_page.fill("#search-q", "Alibaba")
    found = results(search_page)
    assert len(found) > 3
    assert {r["kind"] for r in found} <= KINDS and len({r["kind"] for r in found}) > 1
    assert all(r["about"].count(" · ") >= 1 and any(ch.isdigit() for ch in r["about"]) for r in found)
    assert search_page.locator("[data-search-status]").inner_text()
    assert len(found) == 20   # the first twenty; the rest on demand, focus on the first new one
    search_page.click("[data-search-more]")
    search_page.wait_for_function("() => document.querySelectorAll('.search-results li').length > 20")
    assert search_page.evaluate("document.activeElement.closest('li') === "
                                "document.querySelectorAll('.search-results li')[20]")
    search_page.select_option("#search-kind", "Event")
    search_page.wait_for_function("() => [...document.querySelectorAll('.search-about strong')]"
                                  ".every(e => e.textContent === 'Event')")
    events = results(search_page)
    assert events and len(events) < len(found)
    search_page.select_option("#search-topic", "Funding")
    search_page.wait_for_function("() => [...document.querySelectorAll('.search-about')]"
                                  ".every(e => e.textContent.includes('Funding'))")
    assert "kind=Event" in search_page.url and "topic=Funding" in search_page.url
    search_page.locator(".search-results a").first.click()
    search_page.wait_for_load_state()
    assert "/events/" in search_page.url
    assert_clean(v)


def test_the_search_box_on_any_page_lands_on_the_search_page_with_results(visit):
    v = visit()
    claim = v.open("claims/valuation-april-2018/")
    claim.fill("#site-search", "valuation")
    claim.press("#site-search", "Enter")
    claim.wait_for_url("**/search/?q=valuation*")
    assert results(claim)
    assert claim.input_value("#search-q") == "valuation"
    assert_clean(v)


def test_search_works_under_a_sub_path(browser, tmp_path):
    content = copy_fixture(tmp_path)
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("base_url: https://example.org/",
                                                       "base_url: https://example.org/sub/"))
    out = tmp_path / "_site"
    assert build(content, out).ok
    server, base = serve(out, base_path="/sub/")
    # netlify.toml's paths are for a site at the root: this test is about addresses, not the CSP
    context = browser.new_context(bypass_csp=True)
    requested = []
    try:
        search_page = context.new_page()
        search_page.on("request", lambda r: requested.append(r.url))
        search_page.goto(base + "search/?q=Acme")
        found = results(search_page)
        assert found and all(r["href"].startswith("/sub/") for r in found)
        search_page.locator(".search-results a").first.click()
        search_page.wait_for_load_state()
        assert search_page.title() != page(out, "404.html").title.get_text()
        assert any("/sub/pagefind/pagefind.js" in url for url in requested)
    finally:
        context.close()
        server.shutdown()


def test_without_javascript_the_search_page_leads_to_the_indexes(visit):
    search_page = visit(javascript=False).open("search/?q=Alibaba")
    # it says why the words were not searched, before the lists it offers instead
    notice = search_page.locator(".search-nojs")
    assert notice.is_visible() and "JavaScript" in notice.inner_text()
    assert notice.evaluate("n => n.compareDocumentPosition(document.getElementById('browse-heading')) "
                           "& Node.DOCUMENT_POSITION_FOLLOWING")
    assert search_page.locator(".search-browse a").count() > 8
    assert search_page.locator("[data-search-filters]").is_hidden()
    assert search_page.locator(".search-results li").count() == 0


def test_with_javascript_the_search_page_does_not_say_it_is_missing(visit):
    search_page = visit().open("search/?q=Alibaba")
    results(search_page)
    assert search_page.locator(".search-nojs").count() == 0 or search_page.locator(".search-nojs").is_hidden()


def test_axe_finds_no_violations_on_the_search_page_with_results(browser, served):
    for scheme in ("light", "dark"):
        context = browser.new_context(bypass_csp=True, color_scheme=scheme,
                                      viewport={"width": 390, "height": 900})
        search_page = context.new_page()
        search_page.goto(served + "search/?q=Alibaba&kind=Claim")
        assert results(search_page)
        search_page.add_script_tag(content=AXE.read_text("utf-8"))
        found = search_page.evaluate("o => axe.run(document, o)", AXE_OPTIONS)["violations"]
        context.close()
        assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in found] == [], scheme


# --- the dev server ------------------------------------------------------------------------------

def indexed_text(out) -> str:
    return "".join(gzip.decompress(p.read_bytes()).decode("utf-8", "replace")
                   for p in (out / "pagefind/fragment").glob("*.pf_fragment"))


def test_the_dev_server_refreshes_the_index_after_a_rebuild(tmp_path):
    content = copy_fixture(tmp_path)
    out = tmp_path / "_site"
    template = tmp_path / "overrides" / "templates" / "claim.html"   # a newsroom's own copy
    template.parent.mkdir(parents=True)
    template.write_text((ROOT / "templates" / "claim.html").read_text())
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "serve", "--content", str(content), "--out", str(out),
         "--overrides", str(tmp_path / "overrides"), "--port", str(port), "--now", NOW], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/search/", lambda s, h: s == 200)
        assert wait_for(f"http://127.0.0.1:{port}/pagefind/pagefind.js", lambda s, h: s == 200)
        assert "zebracorn" not in indexed_text(out)
        claim = content / "claims/valuation.yaml"
        claim.write_text(claim.read_text().replace("at about $50m.", "at about $50m, zebracorn."))
        deadline = time.monotonic() + 30
        while "zebracorn" not in indexed_text(out) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "zebracorn" in indexed_text(out)
        assert not list(out.glob(".pagefind-*"))   # the fresh index was swapped in, nothing left
        # a template edit changes pages but no data: the index must follow all the same
        template.write_text(template.read_text().replace("{% block content %}",
                                                         "{% block content %}<p>quokkatron</p>", 1))
        deadline = time.monotonic() + 30
        while "quokkatron" not in indexed_text(out) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "quokkatron" in indexed_text(out)
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert re.search(r"refreshed after the reload: .*search index \d+ ms", output), output


def test_the_result_count_takes_the_plural_form_of_the_page_language(visit):
    """search.js picks the count's form with Intl.PluralRules, the CLDR rules the build uses:
    "1 result", "2 results" (words found on one and on two pages of the real site)."""
    v = visit()
    search_page = v.open("search/")
    status = search_page.locator("[data-search-status]")
    for query, expected in (("datelined", "^1 result$"), ("breakthroughs", "^2 results$"),
                            ("Alibaba", "^20 of \\d+ results$")):
        search_page.fill("#search-q", query)
        search_page.wait_for_function(
            "expected => new RegExp(expected).test("
            "document.querySelector('[data-search-status]').textContent)", arg=expected)
        assert re.fullmatch(expected.strip("^$"), status.inner_text())
    assert_clean(v)


def test_results_read_cleanly_and_show_a_claims_status(visit):
    """Issue 16: excerpts carry no field labels or note numbers; a claim's result shows its
    status."""
    v = visit()
    search_page = v.open("search/?q=Alibaba")
    results(search_page)
    claims = search_page.locator(".search-results li:has(.search-about strong:text-is('Claim'))")
    assert claims.count() > 0
    for i in range(claims.count()):
        assert claims.nth(i).locator(".search-verdict").inner_text().strip(" ·")
    for query in ("Horwitz", "Alibaba", "Xu Li"):
        search_page = v.open(f"search/?q={query.replace(' ', '+')}")
        results(search_page)
        for excerpt in search_page.locator(".search-excerpt").all_inner_texts():
            for label in ("Authors", "Archived", "Original", "not verified", "Cited by", "[1", "Mentioned in",
                          "✓ Confirmed", "~ Reported"):
                assert label not in excerpt, (query, label, excerpt)
    assert_clean(v)


def test_a_name_finds_its_entity_and_claims_before_the_sources_that_mention_it(visit):
    """Issue 16: Pagefind alone put a source whose title says "Alibaba-Backed" above the Alibaba
    entity page. Entities and claims come first, sources last, each group in Pagefind's order;
    a chosen kind is searched alone, and the count is that of every result."""
    v = visit()
    for query, entity in (("Alibaba", "/entities/alibaba/"), ("Megvii", "/entities/megvii/"),
                          ("Xu Li", "/entities/xu-li/")):
        search_page = v.open(f"search/?q={query.replace(' ', '+')}")
        found = results(search_page)
        kinds = [r["kind"] for r in found]
        rank = {"Entity": 0, "Claim": 0, "Source": 2}
        assert [rank.get(k, 1) for k in kinds] == sorted(rank.get(k, 1) for k in kinds), (query, kinds)
        assert any(r["href"].endswith(entity) for r in found if r["kind"] == "Entity"), (query, found)
        assert "Source" in kinds or len(found) == 20, (query, kinds)
    search_page = v.open("search/?q=Alibaba&kind=Source")
    assert {r["kind"] for r in results(search_page)} == {"Source"}
    assert_clean(v)


FAKE_SERVICE = r'''#!/usr/bin/env python3
"""A stand-in for `pagefind --service` that answers as the file "mode" beside it says."""
import base64, json, os, sys
mode = open(os.path.join(os.path.dirname(__file__), "mode")).read()   # its environment is emptied
buffer = b""
def answers():
    global buffer
    while True:
        chunk = sys.stdin.buffer.read1(65536)
        if not chunk:
            return
        buffer += chunk
        while b"," in buffer:
            message, _, buffer = buffer.partition(b",")
            yield json.loads(base64.b64decode(message))
def say(number, payload):
    sys.stdout.buffer.write(base64.b64encode(json.dumps({"message_id": number, "payload": payload}).encode()) + b",")
    sys.stdout.buffer.flush()
for request in answers():
    kind, number = request["payload"]["type"], request["message_id"]
    if kind == "NewIndex":
        say(number, {"type": "NewIndex", "index_id": 1})
    elif kind == "AddFile":
        say(number + 1 if mode == "out-of-order" else number, {"type": "IndexedFile", "page_word_count": 1, "page_url": "/", "page_meta": {}})
    elif kind == "GetFiles":
        escape = base64.b64encode(b"planted").decode()
        say(number, {"type": "GetFiles", "files": [{"path": "../escaped.txt", "content": escape}]})
'''


@pytest.mark.parametrize("mode", ["out-of-order", "escape"])
def test_a_service_that_answers_out_of_turn_or_names_a_file_outside_its_folder_fails_the_index(
        tmp_path, monkeypatch, mode):
    """What the build writes is checked, not trusted: an answer out of order fails the index
    (an index built from pages in another order would not be reproducible), and a file named
    outside the index folder is never written."""
    service = tmp_path / "fake-pagefind"
    service.write_text(FAKE_SERVICE.replace("#!/usr/bin/env python3", f"#!{sys.executable}"), "utf-8")
    service.chmod(0o755)
    (tmp_path / "mode").write_text(mode, "utf-8")
    monkeypatch.setattr(search, "executable", lambda: service)
    site = tmp_path / "site"
    for name in ("a/index.html", "b/index.html"):
        (site / name).parent.mkdir(parents=True)
        (site / name).write_text("<html lang=en><body data-pagefind-body>x</body></html>", "utf-8")
    with pytest.raises(search.SearchIndexError) as failure:
        search.index_site(site)
    assert ("out of order" if mode == "out-of-order" else "outside its folder") in str(failure.value)
    assert not (site / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()
    assert not (site / search.INDEX_FOLDER).exists()
