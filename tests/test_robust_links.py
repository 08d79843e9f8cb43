"""Robust Links: every link to a source's original carries its archived copy's address and
capture day, and the archived link the original's, exactly as the source's YAML says."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURE, ROOT, page


def _sources(content: Path) -> dict[str, dict]:
    return {path.stem: yaml.safe_load(path.read_text("utf-8"))
            for path in sorted((content / "sources").glob("*.yaml"))}


def _day(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


def _links_by_href(out: Path) -> dict[str, list]:
    """Every link of the site, by its href (each page parsed once)."""
    links: dict[str, list] = {}
    for path in sorted(out.rglob("*.html")):
        for link in page(out, str(path.relative_to(out))).find_all("a", href=True):
            links.setdefault(link["href"], []).append(link)
    return links


def _check_site(out: Path, content: Path) -> int:
    """Checks every link to every source's original or archived copy; returns how many."""
    checked, links_to = 0, _links_by_href(out)
    for source_id, source in _sources(content).items():
        archived = source.get("archived") or {}
        copy = archived.get("url")
        if source.get("url"):
            for link in links_to.get(source["url"], []):
                checked += 1
                if copy:
                    assert link["data-originalurl"] == source["url"], source_id
                    assert link["data-versionurl"] == copy, source_id
                    assert link.get("data-versiondate") == _day(archived.get("captured")), source_id
                else:
                    assert not link.has_attr("data-versionurl"), source_id
        if copy:
            links = links_to.get(copy, [])
            assert links, f"{source_id}: its archived copy is linked nowhere"
            for link in links:
                checked += 1
                assert link.get("data-originalurl") == source.get("url"), source_id
                assert link.get("data-versiondate") == _day(archived.get("captured")), source_id
    return checked


def test_fixture_links_carry_the_archived_copy_of_each_source(site):
    assert _check_site(site, FIXTURE) > 0
    link = page(site, "sources/daily-report/").find("a", href="https://daily.example.com/acme-raises")
    assert link["data-versionurl"].startswith("https://web.archive.org/web/20180410")
    assert link["data-versiondate"] == "2018-04-10"


def test_a_claim_row_and_a_note_show_the_archived_link_beside_the_original(site):
    claim = page(site, "claims/valuation/")
    for scope in (claim.select_one(".source-rows"), claim.select_one(".notes") or claim):
        original = scope.find("a", attrs={"data-versionurl": True})
        archived = scope.find("a", href=original["data-versionurl"])
        assert archived is not None and archived["data-originalurl"] == original["href"]


def test_real_site_links_match_each_sources_yaml(real_site):
    assert _check_site(real_site, ROOT / "content") > 0


@pytest.mark.parametrize("captured, expected", [("2018-04-10", "2018-04-10"), ("2018-04", None),
                                                 ("around 2018-04-10", None)])
def test_versiondate_only_when_the_capture_day_is_known(captured, expected):
    from engine.robust_links import version_date
    from engine.schema import Source
    source = Source.model_validate({
        "id": "x", "title": "T", "outlet": "O", "kind": "other", "url": "https://a.example/",
        "archived": {"url": "https://web.archive.org/web/2018/https://a.example/",
                     "captured": captured}, "added": "2026-11-01", "updated": "2026-11-01"})
    assert version_date(source) == expected
