"""Issue 16: article-like pages (the story and other pages, claims, events) open with a masthead:
headline, a dek where the content has one, a byline from site.yaml's authors, and the dates the
content gives (never the day of the build)."""
from __future__ import annotations

import yaml

from conftest import ROOT, parsed_html


def _front_matter(path):
    return yaml.safe_load(path.read_text("utf-8").split("---")[1])


def test_the_real_story_claims_and_events_carry_the_byline_and_their_own_dates(real_site):
    site = yaml.safe_load((ROOT / "content/site.yaml").read_text("utf-8"))
    byline = "By " + ", ".join(a["name"] for a in site["authors"])
    story = _front_matter(ROOT / "content/pages/story.md")
    claim = yaml.safe_load((ROOT / "content/claims/valuation-april-2018.yaml").read_text("utf-8"))
    event_path = sorted((ROOT / "content/events").glob("*.yaml"))[0]
    event = yaml.safe_load(event_path.read_text("utf-8"))
    for url, item in (("story/", story), ("claims/valuation-april-2018/", claim), (f"events/{event_path.stem}/", event)):
        soup = parsed_html(real_site / url / "index.html")
        header_bits = soup.select_one("main h1").find_all_next(class_=["byline", "item-dates"], limit=2)
        assert header_bits[0].get_text(strip=True) == byline, url
        times = [t["datetime"] for t in header_bits[1].find_all("time")]
        expected = [str(item["added"])] + ([str(item["updated"])] if item["updated"] != item["added"] else [])
        assert times == expected, url
    dek = parsed_html(real_site / "story/index.html").select_one(".masthead .dek").get_text(strip=True)
    assert dek == " ".join(story["summary"].split())



def test_the_home_page_leads_with_a_headline_about_the_story(real_site, site):
    site_yaml = yaml.safe_load((ROOT / "content/site.yaml").read_text("utf-8"))
    home = parsed_html(real_site / "index.html")
    assert home.h1.get_text(strip=True) == site_yaml["headline"] != site_yaml["title"]
    # a site that names no headline keeps its title there (the fixture has none)
    assert parsed_html(site / "index.html").h1.get_text(strip=True) == "The Acme Files"


def _accessible_name(link) -> str:
    return " ".join((link.get("aria-label") or link.get_text(" ")).split())


def test_links_that_go_to_different_places_have_different_names(real_site):
    """WCAG 2.4.4: "original", "archived" and "Source" links each name their source (hidden
    words after the visible one, so the visible word still starts the name)."""
    for url in ("story/", "claims/valuation-april-2018/", "sources/abacus-2018/", "events/"):
        path = real_site / url / "index.html"
        if url == "events/":
            path = sorted((real_site / "events").glob("*/index.html"))[0]
        soup = parsed_html(path)
        targets: dict[str, set[str]] = {}
        for link in soup.select("main a[href]"):
            targets.setdefault(_accessible_name(link), set()).add(link["href"])
        shared = {name: hrefs for name, hrefs in targets.items() if len(hrefs) > 1}
        assert shared == {}, (url, list(shared)[:3])


def test_search_reads_the_text_not_the_labels(site):
    """What Pagefind may index (data-pagefind-ignore marks the rest): no field label of a source,
    no note number, no list of other items; a claim carries its status for its result."""
    source = parsed_html(sorted((site / "sources").glob("*/index.html"))[0])
    assert source.select("dl.facts dt") and all(dt.has_attr("data-pagefind-ignore") for dt in source.select("dl.facts dt"))
    claim = parsed_html(site / "claims/valuation/index.html")
    assert claim.find("meta", attrs={"name": "search-status"})["content"] == "≠ Disputed"
    marks = claim.select("main sup.note-ref")
    assert marks and all(m.has_attr("data-pagefind-ignore") for m in marks)
