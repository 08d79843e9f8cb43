"""The built fixture site, read with an HTML parser: what every page carries, and each page kind."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import build, copy_fixture, page, parsed_html, problems_of

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def html_pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def content_pages(out: Path) -> list[Path]:
    """Every page except the redirect stubs for old ids."""
    return [p for p in html_pages(out) if "http-equiv" not in p.read_text("utf-8")]


def test_every_page_has_the_essentials(site):
    pages = content_pages(site)
    assert len(pages) >= 15
    for path in pages:
        soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        where = path.relative_to(site)
        assert soup.html["lang"] == "en", where
        assert soup.title.string.strip(), where
        assert soup.find("meta", attrs={"name": "description"})["content"].strip(), where
        canonical = soup.find("link", rel="canonical")["href"]
        assert canonical.startswith("https://example.org/"), where
        for prop in ("og:title", "og:description", "og:url", "og:type", "og:site_name"):
            assert soup.find("meta", property=prop)["content"], (where, prop)
        skip = soup.find("a", class_="skip-link")
        assert skip["href"] == "#content" and soup.find(id="content").name == "main", where
        if where.as_posix() == "404.html":   # it shows no dated item: no date, not the build's
            assert soup.find(class_="last-updated") is None
            continue
        updated = soup.find(class_="last-updated").find("time")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", updated["datetime"]), where


def test_no_inline_scripts_styles_or_style_attributes(site):
    for path in html_pages(site):
        soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        assert not soup.find_all("style"), path
        assert not soup.find_all(style=True), path
        for script in soup.find_all("script"):   # JSON-LD is data, never run
            assert script.get("src") or script.get("type") == "application/ld+json", path
        for tag in soup.find_all(True):
            assert not [a for a in tag.attrs if a.startswith("on")], path


def test_last_updated_comes_from_the_content(site):
    claim = page(site, "claims/valuation/")
    # the claim was updated 2026-11-02; everything else it shows is older or equal
    assert claim.find(class_="last-updated").time["datetime"] == "2026-11-02"


def test_claim_page_shows_disagreeing_figures_side_by_side_with_their_sources(site):
    soup = page(site, "claims/valuation/")
    for hidden in soup.select(".visually-hidden"):   # words for screen readers (names of links)
        hidden.decompose()
    assert soup.h1.get_text(strip=True) == "The round valued Acme at about $50m."
    status = soup.find(class_="claim-status").find(class_="status")
    assert status.get_text(" ", strip=True) == "≠ Disputed"
    rows = soup.find("table", class_="figures").tbody.find_all("tr")
    cells = [[td.get_text(" ", strip=True) for td in row.find_all("td")] for row in rows]
    assert cells == [["more than $50M", "valuation", "April 2018", "1 : Wire Service"],
                     ["about $30M", "valuation", "April 2018", "1 : The Daily"]]
    rows = soup.find(class_="source-rows").find_all("li", recursive=False)
    assert [r.find(class_="source-row-head").a.get_text() for r in rows] == ["Wire Service", "The Daily"]
    history = [li.get_text(" ", strip=True) for li in soup.find(class_="history").find_all("li")]
    assert history[1].startswith("November 2, 2026") and "Disputed" in history[1]
    assert "The valuation was given as $40m." in soup.get_text()  # its correction


def test_footnotes_follow_the_accessible_pattern(site):
    soup = page(site, "claims/valuation/")
    refs = soup.find_all("a", attrs={"role": "doc-noteref"})
    assert refs
    notes = soup.find(attrs={"role": "doc-endnotes"})
    assert notes.name == "section" and notes["aria-labelledby"] == "notes-heading"
    for ref in refs:
        note = soup.find(id=ref["href"][1:])
        assert note is not None and note.find_parent(attrs={"role": "doc-endnotes"}) is notes
        backlinks = [a["href"][1:] for a in note.find_all("a", attrs={"role": "doc-backlink"})]
        assert ref["id"] in backlinks
        assert ref["id"].startswith("note-") and note["id"].startswith("note-")
    plain = [li for li in notes.find_all("li") if "Neither figure came from the company." in li.get_text()]
    assert len(plain) == 1  # the ordinary [^why] footnote joins the same numbered list


def test_a_citation_note_gives_outlet_authors_title_date_and_archived_copy(site):
    soup = page(site, "events/round-a/")
    notes = soup.find(attrs={"role": "doc-endnotes"})
    daily = next(li for li in notes.find_all("li") if "The Daily" in li.get_text())
    text = daily.get_text(" ", strip=True)
    assert "The Daily (Sam Writer)" in text and "April 9, 2018" in text
    assert daily.find("a", string="Acme raises $10m")["href"] == "https://daily.example.com/acme-raises"
    assert daily.find("a", class_="archived-link")["href"].startswith("https://web.archive.org/")
    # the same source and locator cited twice shares one note with two back-links
    assert len(daily.find_all("a", attrs={"role": "doc-backlink"})) >= 2


def test_repost_and_unverified_fields_are_shown(site):
    soup = page(site, "sources/weekly-copy/")
    text = soup.get_text()
    assert "byline not verified" in text
    assert "late April 2018 (not verified)" in text
    original = soup.find("a", href="/sources/daily-report/")
    assert original is not None
    daily = page(site, "sources/daily-report/")
    assert daily.find("a", href="/sources/weekly-copy/") is not None   # listed as a repost
    claim_links = {a["href"] for a in daily.find("main").find_all("a") if a["href"].startswith("/claims/")}
    assert claim_links == {"/claims/round-size/", "/claims/valuation/"}


def test_timeline_is_an_ordered_list_grouped_by_year_with_exact_time_values(site):
    soup = page(site, "timeline/")
    years = [section.h2.get_text() for section in soup.find_all("section", class_="year")]
    assert years == ["2014", "2018", "2019"]
    times = [(li.find("time")["datetime"], li.find("time").get_text())
             for li in soup.select("ol.events > li.event")]
    assert times == [("2014", "around 2014"), ("2018-04-09", "April 9, 2018"),
                     ("2019-10-07", "October 7\u2009–\u20099, 2019")]
    assert soup.find(id="event-round-a").find(class_="flag").get_text() == "Disputed"
    assert soup.find(id="event-round-a")["data-topic"] == "funding"
    # the filter is an enhancement: hidden until the script shows it
    assert soup.find(attrs={"data-topics": True}).has_attr("hidden")


def test_markdown_table_alignment_becomes_classes(site):
    soup = page(site, "about/")
    cells = soup.find("article").find("table").find_all(["th", "td"])
    assert [c.get("class") for c in cells[:2]] == [["align-left"], ["align-right"]]


def test_entity_page_shows_relations_both_ways(site):
    acme = page(site, "entities/acme/")
    assert acme.find(class_="relation-group").get_text(" ", strip=True) == "investors 1"
    relation = acme.find(class_="relations").li.get_text(" ", strip=True)
    assert relation.startswith("Big Fund , since April 2018")
    assert "Acme Ltd" in acme.find(class_="aliases").get_text()
    fund = page(site, "entities/big-fund/")
    assert fund.find(class_="relations").find("a", href="/entities/acme/") is not None


def test_corrections_page_lists_newest_first_with_the_item_changed(site):
    soup = page(site, "corrections/")
    entry = soup.find(id="correction-valuation-figure")
    assert entry.find("a", href="/claims/valuation/") is not None
    assert entry.time["datetime"] == "2026-11-02"


def test_old_ids_redirect(site):
    assert "/claims/round-size-2018/ /claims/round-size/ 301" in (site / "_redirects").read_text()
    stub = page(site, "claims/round-size-2018/")
    assert stub.find("meta", attrs={"http-equiv": "refresh"})["content"] == "0; url=/claims/round-size/"


def test_drafts_and_embargoed_items_are_left_out_everywhere(site):
    everything = "\n".join(p.read_text("utf-8") for p in site.rglob("*") if p.is_file()
                           and p.suffix in (".html", ".xml", ".txt", ""))
    for hidden in ("draft-claim", "Acme has a secret customer", "embargoed", "Acme plans a listing",
                   "secret/", "Not yet"):
        assert hidden not in everything, hidden
    assert not (site / "claims/draft-claim").exists()


def test_an_embargoed_item_appears_once_its_date_has_passed(tmp_path):
    result = build(copy_fixture(tmp_path), tmp_path / "out", now="2027-01-01")
    assert result.ok
    assert (tmp_path / "out/events/embargoed/index.html").is_file()


def test_drafts_preview_only_when_asked(tmp_path):
    content = copy_fixture(tmp_path)
    assert build(content, tmp_path / "out", drafts=True).ok
    assert (tmp_path / "out/claims/draft-claim/index.html").is_file()


def test_feed_and_sitemap_parse_and_list_only_pages_that_exist(site):
    urls = [loc.text for loc in ET.parse(site / "sitemap.xml").getroot().iter(SITEMAP + "loc")]
    assert "https://example.org/claims/valuation/" in urls
    for url in urls:
        path = urlsplit(url).path.lstrip("/")
        assert (site / path / "index.html").is_file() or (site / path).is_file(), url
    assert not any("404" in u or "round-size-2018" in u for u in urls)
    feed = ET.parse(site / "feed.xml").getroot()
    entries = feed.findall(ATOM + "entry")
    assert entries
    updated = [e.find(ATOM + "updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)
    for entry in entries:
        path = urlsplit(entry.find(ATOM + "link").get("href")).path.lstrip("/")
        assert (site / path / "index.html").is_file(), path
    assert "Sitemap: https://example.org/sitemap.xml" in (site / "robots.txt").read_text()


def test_404_page_offers_the_main_indexes(site):
    soup = page(site, "404.html")
    assert {a["href"] for a in soup.find("main").find_all("a")} >= {"/", "/claims/", "/sources/",
                                                                     "/timeline/"}


def internal_links(out: Path, base_path: str) -> list[tuple[Path, str]]:
    found = []
    for path in html_pages(out):
        soup = parsed_html(path)
        for tag in soup.find_all(["a", "link", "script", "img"]):
            url = tag.get("href") or tag.get("src")
            if url and not urlsplit(url).scheme and not url.startswith("mailto:"):
                page_url = base_path + str(path.relative_to(out).as_posix())
                found.append((path, urljoin(page_url, url)))
    return found


@pytest.mark.parametrize("base_url, base_path", [("https://example.org/", "/"),
                                                 ("https://example.org/sub/", "/sub/")])
def test_every_internal_link_and_fragment_resolves_also_under_a_sub_folder(tmp_path, base_url, base_path):
    content = copy_fixture(tmp_path)
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("base_url: https://example.org/",
                                                       f"base_url: {base_url}"))
    out = tmp_path / "out"
    assert build(content, out).ok
    links = internal_links(out, base_path)
    assert len(links) > 100
    for source, url in links:
        parts = urlsplit(url)
        assert parts.path.startswith(base_path), (source, url)
        target = out / parts.path[len(base_path):]
        if parts.path.endswith("/"):
            target = target / "index.html"
        assert target.is_file(), (source, url)
        if parts.fragment and target.suffix == ".html":
            soup = parsed_html(target)
            assert soup.find(id=parts.fragment) is not None, (source, url)
    canonical = page(out, "claims/valuation/").find("link", rel="canonical")["href"]
    assert canonical == f"{base_url}claims/valuation/"


def test_builds_are_byte_identical(tmp_path, site):
    again = tmp_path / "again"
    assert build(copy_fixture(tmp_path), again).ok
    first = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first == second


def test_overrides_replace_templates_and_static_files(tmp_path):
    content = copy_fixture(tmp_path)
    overrides = tmp_path / "overrides"
    (overrides / "templates" / "partials").mkdir(parents=True)
    (overrides / "static").mkdir()
    (overrides / "templates" / "partials" / "status.html").write_text(
        '<span class="status house-style">{{ status.label }}</span>')
    (overrides / "static" / "style.css").write_text("body { color: black; }")
    out = tmp_path / "out"
    assert build(content, out, overrides=overrides).ok
    assert page(out, "claims/valuation/").find(class_="house-style").get_text() == "Disputed"
    [css] = (out / "assets").glob("style.*.css")
    assert css.read_text() == "body { color: black; }"
    assert list((out / "assets").glob("timeline-filter.*.js"))  # the rest keep their defaults


def test_text_from_content_is_escaped_and_never_run_as_a_template(tmp_path):
    content = copy_fixture(tmp_path)
    claim = content / "claims/valuation.yaml"
    claim.write_text(claim.read_text().replace(
        "statement: The round valued Acme at about $50m.",
        "statement: '</title><script>alert(1)</script> {{ 7*7 }} \"quoted\"'"))
    out = tmp_path / "out"
    assert build(content, out).ok
    soup = page(out, "claims/valuation/")
    assert soup.h1.get_text() == '</title><script>alert(1)</script> {{ 7*7 }} "quoted"'
    assert not [s for s in soup.find_all("script") if not s.get("src")]
    assert soup.find("meta", property="og:title")["content"].startswith("</title><script>")


def test_each_page_records_the_content_and_templates_it_was_made_from(tmp_path):
    from conftest import paths_for

    from engine.site import Options, Site
    content = copy_fixture(tmp_path)
    site = Site(paths_for(content), Options(now="2026-11-23", workers=1))
    assert site.load()
    site.model()
    assert site.outputs()
    files = site.result.files
    claim = files["claims/valuation/index.html"]
    assert claim.templates == {"claim.html", "base.html", "partials/notes.html", "partials/citation.html",
                               "partials/status.html", "partials/corrections_of_item.html",
                               "partials/item_dates.html", "partials/byline.html", "partials/chart_funding.html",
                               "partials/citation_meta.html", "partials/cite.html",
                               "partials/search_form.html", "partials/search_meta.html"}
    assert {"claims/valuation", "sources/wire", "sources/daily-report", "events/round-a@listed",
            "corrections/valuation-figure", "site"} <= claim.content
    assert "claims/round-size" not in claim.content and "events/round-a" not in claim.content
    # a page that only lists a claim depends on its listing, not on its note
    source = files["sources/wire/index.html"]
    assert "claims/valuation@listed" in source.content and "claims/valuation" not in source.content
    timeline = files["timeline/index.html"]
    assert "partials/event.html" in timeline.templates
    assert {"events/round-a", "events/founding", "events/cameras"} <= timeline.content


def test_css_and_js_are_fingerprinted_and_pages_point_at_them(site):
    [css] = (site / "assets").glob("style.*.css")
    digest = css.name.split(".")[1]
    import hashlib
    assert hashlib.sha256(css.read_bytes()).hexdigest().startswith(digest)
    assert page(site, "").find("link", rel="stylesheet")["href"] == f"/assets/{css.name}"
    [script] = page(site, "timeline/").find_all("script", src=True)
    assert (site / script["src"].lstrip("/")).is_file() and "/assets/timeline-filter." in script["src"]
    assert not (site / "static/style.css").exists()


def test_long_indexes_split_into_groups_and_pages_with_stable_addresses(tmp_path):
    content = copy_fixture(tmp_path)
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text() + "index_page_size: 5\ntimeline_page_size: 5\n")
    for n in range(12):
        (content / f"claims/extra-{n:02d}.yaml").write_text(
            f"statement: Extra claim {n:02d}.\ntopic: funding\nstatus: confirmed\nclaimant: Acme\n"
            "sources:\n  - source: wire\n    stance: reports\nadded: 2026-11-01\nupdated: 2026-11-01\n")
    for n in range(4):
        (content / f"events/extra-{n}.yaml").write_text(
            f"title: Extra event {n}.\ndate: 2020-0{n + 1}\ntimelines: [money]\ntopic: funding\n"
            "sources:\n  - source: wire\nadded: 2026-11-01\nupdated: 2026-11-01\n")
    for outlet in ("Alpha Post", "Beta News", "Zeta Times"):
        (content / f"sources/{outlet.split()[0].lower()}.yaml").write_text(
            f"title: A report\noutlet: {outlet}\nkind: news-report\nadded: 2026-11-01\nupdated: 2026-11-01\n")
    out = tmp_path / "out"
    assert build(content, out).ok
    overview = page(out, "claims/")
    assert [(a.get_text(), a["href"]) for a in overview.select(".overview a")] == [
        ("Funding", "/claims/topic/funding/")]   # surveillance has only the draft claim
    first = page(out, "claims/topic/funding/")
    links = [a["href"] for a in first.select(".pagination a")]
    assert links == ["/claims/topic/funding/", "/claims/topic/funding/2/", "/claims/topic/funding/3/",
                     "/claims/topic/funding/2/"]    # the pages, then "next"
    listed = []
    for url in ("claims/topic/funding/", "claims/topic/funding/2/", "claims/topic/funding/3/"):
        listed += [a.get_text() for a in page(out, url).select(".claim-card > a")]
    assert len(listed) == 14 and len(set(listed)) == 14
    assert page(out, "claims/topic/funding/3/").title.get_text().startswith("Claims: Funding (3/3)")
    years = page(out, "timeline/").select(".overview a")
    assert [a["href"] for a in years] == ["/timeline/2014/", "/timeline/2018/", "/timeline/2019/",
                                          "/timeline/2020/"]
    assert len(page(out, "timeline/2020/").select("li.event")) == 4
    letters = [a["href"] for a in page(out, "sources/").select(".overview a")]
    assert letters == [f"/sources/letter/{x}/" for x in ("a", "b", "t", "w", "z")]


@pytest.mark.parametrize("name", ["topic", "status"])
def test_index_addresses_are_reserved(tmp_path, name):
    content = copy_fixture(tmp_path)
    (content / f"claims/{name}.yaml").write_text(
        "statement: x.\ntopic: funding\nstatus: confirmed\nclaimant: Acme\n"
        "sources:\n  - source: wire\n    stance: reports\nadded: 2026-11-01\nupdated: 2026-11-01\n")
    assert (f'content/claims/{name}.yaml:1:1: the id "{name}" is taken by the claims index pages: '
            "rename the file") in problems_of(content)


def test_interface_strings_come_from_the_string_table_and_site_yaml_overrides_them(tmp_path):
    content = copy_fixture(tmp_path)
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text() + "strings:\n  last_updated: Revised\n  sources: Bibliography\n")
    out = tmp_path / "out"
    assert build(content, out).ok
    home = page(out, "")
    assert home.find(class_="last-updated").get_text().startswith("Revised:")
    assert [a.get_text() for a in home.select("nav a") if a["href"] == "/sources/"] == ["Bibliography"]
    assert page(out, "sources/").title.get_text().startswith("Bibliography")


def site_bytes(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("corrections", [True, False])
def test_the_day_of_the_build_changes_nothing_a_reader_sees(tmp_path, corrections):
    """Two builds of the same content on different days, both after every embargo (the
    fixture's lifts on 2027-01-01), are byte for byte the same: every "last updated" (pages,
    citation tags, sitemap, feed) comes from the content. The 404 page and, on a site without
    corrections, /corrections/ show no dated item, so they carry no date at all. Only an
    embargo makes the day matter: an item it holds back appears on the day it lifts."""
    content = copy_fixture(tmp_path)
    if not corrections:
        for path in (content / "corrections").iterdir():
            path.unlink()
    built = {}
    for now in ("2027-01-02", "2031-07-15"):
        out = tmp_path / f"site-{now}"
        assert build(content, out, now=now).ok
        built[now] = site_bytes(out)
    assert built["2027-01-02"] == built["2031-07-15"]
    out = tmp_path / "site-2031-07-15"
    for url in ["404.html"] + ([] if corrections else ["corrections/"]):
        soup = page(out, url)
        assert soup.find(class_="last-updated") is None, url
        assert soup.find("meta", attrs={"name": "DC.modified"}) is None, url
    sitemap = (out / "sitemap.xml").read_text("utf-8")
    assert "2031" not in sitemap and "2027-01-02" not in sitemap
