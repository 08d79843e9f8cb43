"""Updates readers can follow: each claim and event says when it was added and last changed and
which corrections touched it, and the Atom feed carries new items and corrections."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from conftest import build, page

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

EVENT_CORRECTION = """\
date: 2026-11-05
item: events/round-a
wrong: The round was dated to May 2018.
right: The wire dated it to April 2018 [@wire].
added: 2026-11-05
updated: 2026-11-05
"""


def test_claim_page_shows_added_last_changed_and_its_corrections(site):
    claim = page(site, "claims/valuation/")
    dates = claim.select_one(".item-dates")
    times = [t["datetime"] for t in dates.find_all("time")]
    assert times == ["2026-11-01", "2026-11-02"]
    assert "last changed" in dates.get_text()
    link = dates.find("a", href="#item-corrections")
    assert link is not None and "(1)" in link.get_text()
    section = claim.find(id="item-corrections").find_parent("section")
    assert "The valuation was given as $40m." in section.get_text()


def test_an_item_never_changed_shows_only_when_it_was_added(site):
    dates = page(site, "events/round-a/").select_one(".item-dates")
    assert [t["datetime"] for t in dates.find_all("time")] == ["2026-11-01"]
    assert "last changed" not in dates.get_text() and dates.find("a") is None


def test_event_page_lists_the_corrections_that_touched_it(content, tmp_path):
    (content / "corrections" / "round-a-date.yaml").write_text(EVENT_CORRECTION, encoding="utf-8")
    out = tmp_path / "_site"
    assert build(content, out).ok
    event = page(out, "events/round-a/")
    section = event.find(id="item-corrections").find_parent("section")
    assert "The round was dated to May 2018." in section.get_text()
    assert section.find("a", href="/corrections/#correction-round-a-date")
    assert event.select_one(".item-dates a[href='#item-corrections']") is not None
    feed = ET.parse(out / "feed.xml").getroot()
    [entry] = [e for e in feed.findall(ATOM + "entry") if e.find(ATOM + "id").text.endswith("-round-a-date")]
    assert entry.find(ATOM + "link[@rel='alternate']").get("href") == "https://example.org/events/round-a/"


def check_atom(site, base: str):
    """RFC 4287's requirements, checked by parsing: feed and entries have id, title, updated
    (RFC 3339), an author, an alternate link; ids are unique absolute IRIs."""
    feed = ET.parse(site / "feed.xml").getroot()
    assert feed.tag == ATOM + "feed"
    for name in ("id", "title", "updated"):
        assert (feed.find(ATOM + name).text or "").strip(), name
    assert RFC3339.match(feed.find(ATOM + "updated").text)
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    assert feed.find(ATOM + "link[@rel='self']") is not None
    ids = []
    for entry in feed.findall(ATOM + "entry"):
        ids.append(entry.find(ATOM + "id").text)
        assert urlsplit(ids[-1]).scheme == "https" and ids[-1].count("#") <= 1, ids[-1]
        assert entry.find(ATOM + "title").text
        for name in ("updated", "published"):
            assert RFC3339.match(entry.find(ATOM + name).text), name
        alternates = entry.findall(ATOM + "link[@rel='alternate']")
        assert len(alternates) == 1 and alternates[0].get("href").startswith(base)
    assert len(ids) == len(set(ids))
    return feed


def test_the_feed_is_valid_atom(site):
    check_atom(site, "https://example.org/")


def test_the_real_feed_is_valid_atom_and_links_corrections_to_their_items(real_site):
    feed = check_atom(real_site, "https://")
    for entry in feed.findall(ATOM + "entry"):
        if "#corrections-" in entry.find(ATOM + "id").text:
            href = entry.find(ATOM + "link[@rel='alternate']").get("href")
            assert "/corrections/" not in href and entry.find(ATOM + "summary").text


def test_corrections_are_feed_entries_that_link_to_the_corrected_item(site):
    feed = ET.parse(site / "feed.xml").getroot()
    [entry] = [e for e in feed.findall(ATOM + "entry")
               if e.find(ATOM + "id").text.endswith("#corrections-valuation-figure")]
    assert entry.find(ATOM + "title").text.startswith("Correction: ")
    assert entry.find(ATOM + "link[@rel='alternate']").get("href") == "https://example.org/claims/valuation/"
    assert entry.find(ATOM + "link[@rel='related']").get("href") == \
        "https://example.org/corrections/#correction-valuation-figure"
    summary = entry.find(ATOM + "summary").text
    assert "The valuation was given as $40m." in summary and "more than $50m" in summary
    assert entry.find(ATOM + "updated").text == "2026-11-02T00:00:00Z"
    # and the new items are there too, newest change first
    titles = [e.find(ATOM + "title").text for e in feed.findall(ATOM + "entry")]
    assert any(t.startswith("Claim: ") for t in titles) and any(t.startswith("Event: ") for t in titles)
    updated = [dt.datetime.fromisoformat(e.find(ATOM + "updated").text.replace("Z", "+00:00"))
               for e in feed.findall(ATOM + "entry")]
    assert updated == sorted(updated, reverse=True)
