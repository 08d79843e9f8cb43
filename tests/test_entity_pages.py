"""Issue 16: entity pages as a profile, not a flat list (engine/entity_view.py): relations grouped
under a subhead each with its count, a symmetric relation shown once, contents, and "mentioned
in" capped with the rest behind a disclosure that needs no JavaScript."""
from __future__ import annotations

from types import SimpleNamespace as N

from conftest import parsed_html
from engine import entity_view


def _rel(kind, to):
    return N(kind=kind, to=to)


def test_relations_group_by_kind_and_side_and_a_symmetric_pair_shows_once():
    a, b, c = N(id="a", name="Alpha"), N(id="b", name="beta"), N(id="c", name="Gamma")
    outgoing = [(_rel("investor-in", "b"), b), (_rel("competitor-of", "a"), a), (_rel("investor-in", "a"), a)]
    incoming = [(_rel("investor-in", "me"), c), (_rel("competitor-of", "me"), a), (_rel("competitor-of", "me"), c)]
    groups = entity_view.relation_groups(outgoing, incoming)
    assert [(g["label_key"], [o.id for _, o in g["entries"]], g["count"]) for g in groups] == [
        ("relation_investor-in", ["a", "b"], 2),                 # by name, whatever its case
        ("relation_competitor-of_inverse", ["a", "c"], 2),       # Alpha once, though both sides say it
        ("relation_investor-in_inverse", ["c"], 1)]
    assert len({g["id"] for g in groups}) == len(groups)


def test_mentions_are_capped_and_keep_the_rest():
    assert entity_view.capped(list(range(13)), 10) == {"shown": list(range(10)), "rest": [10, 11, 12], "total": 13}
    assert entity_view.capped([1], 10) == {"shown": [1], "rest": [], "total": 1}


def test_the_real_sensetime_page_groups_its_relations_and_caps_its_mentions(real_site):
    soup = parsed_html(real_site / "entities/sensetime/index.html")
    labels = [h.get_text(" ", strip=True).rsplit(" ", 1) for h in soup.select("h3.relation-group")]
    assert len(labels) == len({label for label, _ in labels}) > 3       # "customers" once, not per customer
    for heading in soup.select("h3.relation-group"):
        count = int(heading.select_one(".count").get_text())
        assert len(heading.find_next_sibling("ul").find_all("li", recursive=False)) == count
    # Megvii is a competitor stated from both sides: listed once
    megvii = [a for a in soup.select(".relations a[href$='/entities/megvii/']")]
    assert len(megvii) == 1
    # contents link to every group
    targets = {a["href"] for a in soup.select(".page-contents a")}
    assert {f"#{h['id']}" for h in soup.select("h3.relation-group")} | {"#mentions-heading"} == targets
    mentions = soup.select_one("section[aria-labelledby=mentions-heading]")
    shown = mentions.select(":scope > .claim-list > li")
    hidden = mentions.select("details.more-mentions .claim-list > li")
    total = int(mentions.select_one("h3 .count").get_text())
    assert len(shown) == entity_view.MENTIONS_SHOWN and len(shown) + len(hidden) == total > 10
