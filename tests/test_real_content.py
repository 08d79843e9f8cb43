"""Checks on the site's real content in content/ (not the fixtures)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from engine.pipeline import Paths, load_and_validate  # noqa: E402
from engine.validate import markdown_citations  # noqa: E402

from dossier_claims import DOSSIER_CLAIMS  # noqa: E402

NOW = "2026-11-23"
CITATION = re.compile(r"\[@[^\]]*\]")


@pytest.fixture(scope="module")
def loaded():
    paths = Paths(root=ROOT, content=ROOT / "content", overrides=ROOT / "overrides")
    return load_and_validate(paths, now=NOW)


@pytest.fixture(scope="module")
def content(loaded):
    content, problems = loaded
    assert content is not None, "\n".join(map(str, problems.errors))
    return content


def test_validates_strictly(loaded):
    content, problems = loaded
    assert content is not None
    assert not problems.errors, "\n".join(map(str, problems.errors))
    assert not problems.warnings, "\n".join(map(str, problems.warnings))


def _structured_citations(content) -> set[str]:
    cited: set[str] = set()
    for claim in content.claims.values():
        cited.update(entry.source for entry in claim.sources)
    for event in content.events.values():
        cited.update(entry.source for entry in event.sources)
        if event.disputed:
            cited.update(account.source for account in event.disputed.accounts)
    for entity in content.entities.values():
        for relation in entity.relations:
            cited.update(entry.source for entry in relation.sources)
    return cited


def _markdown_citations(content) -> set[str]:
    cited: set[str] = set()
    for kind in ("sources", "claims", "events", "entities", "corrections", "pages"):
        for item in content.kind(kind).values():
            cited.update(target for *_, target, _ in markdown_citations(kind, item))
    return cited


def test_every_source_is_cited(content):
    cited = _structured_citations(content) | _markdown_citations(content)
    uncited = sorted(set(content.sources) - cited)
    assert not uncited, f"sources nothing cites: {uncited}"


def test_every_citation_points_to_a_source(content):
    cited = _structured_citations(content) | _markdown_citations(content)
    unknown = sorted(cited - set(content.sources))
    assert not unknown, f"citations of unknown sources: {unknown}"


def _cited_by(item, kind: str) -> set[str]:
    cited = {entry.source for entry in item.sources}
    if kind == "events" and item.disputed:
        cited.update(account.source for account in item.disputed.accounts)
    cited.update(target for *_, target, _ in markdown_citations(kind, item))
    return cited


def test_reposts_cited_with_their_originals(content):
    missing = []
    for kind in ("claims", "events"):
        for key, item in content.kind(kind).items():
            cited = _cited_by(item, kind)
            for source_id in cited:
                source = content.sources.get(source_id)
                if source and source.repost_of and source.repost_of in content.sources:
                    if source.repost_of not in cited:
                        missing.append(f"{kind}/{key} cites {source_id} but not {source.repost_of}")
    assert not missing, "\n".join(missing)


def test_spun_copy_only_on_the_recycling_page(content):
    spun = "epeak-spun-blog"
    users = []
    for kind in ("sources", "claims", "events", "entities", "corrections", "pages"):
        for key, item in content.kind(kind).items():
            if kind == "sources" and key == spun:
                continue
            if kind in ("claims", "events"):
                cited = _cited_by(item, kind)
            else:
                cited = {target for *_, target, _ in markdown_citations(kind, item)}
                if kind == "entities":
                    cited.update(e.source for r in item.relations for e in r.sources)
            if spun in cited:
                users.append(f"{kind}/{key}")
    assert users == ["pages/how-the-story-was-told"], users


def test_dossier_rows_all_mapped():
    assert set(DOSSIER_CLAIMS) == set(range(1, 35))


def test_dossier_claims_exist(content):
    missing = []
    for row, ids in DOSSIER_CLAIMS.items():
        for claim_id in (ids,) if isinstance(ids, str) else ids:
            if claim_id not in content.claims:
                missing.append(f"row {row}: {claim_id}")
    assert not missing, missing


def _words(markdown: str) -> int:
    prose = CITATION.sub("", markdown)
    return len([token for token in prose.split() if re.search(r"\w", token)])


def test_story_page_length(content):
    story = next(page for page in content.pages.values() if page.slug == "story")
    words = _words(story.body)
    assert 1000 <= words <= 1800, words
    raw = len(story.body.split())
    assert 1000 <= raw <= 1800, raw


def test_required_pages_exist(content):
    slugs = {page.slug for page in content.pages.values()}
    assert {"story", "how-the-story-was-told", "methodology", "corrections-policy",
            "about"} <= slugs


def test_timelines_and_claims_complete(content):
    assert set(content.timelines) == {"funding", "surveillance", "privacy"}
    for key, claim in content.claims.items():
        assert claim.sources, key
        assert claim.claimant.strip(), key
