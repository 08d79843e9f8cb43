"""JSON-LD, read back with a JSON parser: NewsArticle on pages, ClaimReview on claims whose status
is a verdict, Organization or Person on entities, CorrectionComment for corrections."""
from __future__ import annotations

import json

from bs4 import BeautifulSoup

from conftest import ROOT, build, copy_fixture, page
from engine.pipeline import Paths, load_and_validate


def json_ld(soup: BeautifulSoup) -> list[dict]:
    return [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]


def test_real_site_structured_data_matches_the_content(real_site):
    content, _ = load_and_validate(Paths(ROOT, ROOT / "content", ROOT / "overrides"), "2026-11-23")
    statuses = {s.id: s for s in content.site.statuses}
    for page_item in content.pages.values():
        [article] = json_ld(page(real_site, f"{page_item.slug}/"))
        assert (article["@type"], article["headline"], article["datePublished"], article["dateModified"]) == \
            ("NewsArticle", page_item.title, page_item.added.isoformat(), page_item.updated.isoformat())
        assert article["publisher"]["name"] == content.site.publisher.name and article["author"]
    reviewed = 0
    for claim in content.claims.values():
        found = json_ld(page(real_site, f"claims/{claim.id}/"))
        rating = statuses[claim.status].rating
        if rating is None:
            assert found == []
            continue
        [review] = found
        reviewed += 1
        assert review["@type"] == "ClaimReview" and review["claimReviewed"] == claim.statement
        assert review["reviewRating"]["ratingValue"] == rating.value
        assert review["reviewRating"]["alternateName"] == rating.label
        assert review["url"] == f"{content.site.base_url}claims/{claim.id}/"
    assert reviewed > 10
    for entity in content.entities.values():
        [data] = json_ld(page(real_site, f"entities/{entity.id}/"))
        assert data["@type"] == ("Person" if entity.kind == "person" else "Organization")
        assert data["name"] == entity.name and data["alternateName"] == list(entity.aliases)


def test_text_cannot_break_out_of_the_json_ld_block(tmp_path):
    content = copy_fixture(tmp_path)
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace(
        "    tone: confirmed", "    tone: confirmed\n    rating: {value: 5, label: \"True\"}"))
    hostile = '</script><script>alert(1)</script> & <!-- "quoted"'
    claim = content / "claims/round-size.yaml"
    claim.write_text(claim.read_text().replace("statement: Acme raised $10m in April 2018.",
                                               f"statement: '{hostile}'"))
    out = tmp_path / "out"
    assert build(content, out).ok
    html = (out / "claims/round-size/index.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    [review] = json_ld(soup)
    assert review["claimReviewed"] == hostile
    assert [s for s in soup.find_all("script") if s.get("type") != "application/ld+json" and not s.get("src")] == []
    assert "</script><script>" not in html.split('type="application/ld+json">', 1)[1].split("</script>", 1)[0]


def test_corrections_become_correction_comments(tmp_path):
    content = copy_fixture(tmp_path)
    out = tmp_path / "out"
    assert build(content, out).ok
    [data] = json_ld(page(out, "corrections/"))
    assert data["correction"] == [{"@type": "CorrectionComment", "datePublished": "2026-11-02",
                                   "text": "The valuation was given as $40m. The wire gave more than $50m."}]
