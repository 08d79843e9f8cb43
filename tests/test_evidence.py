"""Stances that match what each source says (issue 17): a source that supports or reports a
claim shows the words that do (a quote) or where they are (a locator). The one exception is a
source this site could not read, which its own page says in so many words (`unverified: [text]`,
or `url`: the page was never found)."""
from __future__ import annotations

from pathlib import Path

from conftest import ROOT
from engine.load import load_yaml
from engine.problems import Problems

CONTENT = ROOT / "content"


def read(path: Path) -> dict:
    """Through the engine's loader: content is untrusted (no aliases, no tags, a size limit)."""
    problems = Problems(path.parent)
    doc = load_yaml(path, problems)
    assert doc is not None, problems.items
    return doc.data


def unshown_evidence(content: Path) -> list[str]:
    unreadable = set()
    for path in (content / "sources").glob("*.yaml"):
        if {"text", "url"} & set(read(path).get("unverified", [])):
            unreadable.add(path.stem)
    missing = []
    for path in sorted((content / "claims").glob("*.yaml")):
        for cited in read(path).get("sources", []):
            if cited["stance"] in ("supports", "reports") and not (cited.get("quote") or cited.get("locator")) \
                    and cited["source"] not in unreadable:
                missing.append(f"{path.name}: {cited['source']} ({cited['stance']})")
    return missing


def test_every_source_that_supports_or_reports_a_claim_shows_its_words_or_their_place():
    assert unshown_evidence(CONTENT) == []


def test_the_rule_finds_a_bare_stance_and_spares_a_source_nobody_could_read(tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "claims").mkdir()
    (tmp_path / "sources" / "read.yaml").write_text("title: t\n", "utf-8")
    (tmp_path / "sources" / "lost.yaml").write_text("title: t\nunverified: [title, text]\n", "utf-8")
    (tmp_path / "claims" / "c.yaml").write_text(
        "sources:\n"
        "  - {source: read, stance: supports}\n"
        "  - {source: read, stance: reports, locator: para. 3}\n"
        "  - {source: read, stance: contradicts}\n"
        "  - {source: read, stance: silent}\n"
        "  - {source: lost, stance: supports}\n", "utf-8")
    assert unshown_evidence(tmp_path) == ["c.yaml: read (supports)"]


COPY_KINDS = ("repost", "syndicated-copy")
# "… the Financial Times original was not [found]", "Quartz's own page was not among …",
# "Only this repost was found", "neither original was found", "the only surviving copy", or the
# copy is itself the subject ("cites it only on the page about how the story was retold"): the
# note says why a copy is cited.
ORIGINAL_SOUGHT = (r"(original|own (page|article))[^.]*\b(not|never)\b|\bonly (this|surviving)\b"
                   r"|\bneither\b[^.]*\bfound\b|\bcites it only\b")


def copies_without_a_word_on_the_original(content: Path) -> list[str]:
    import re
    return sorted(path.stem for path in (content / "sources").glob("*.yaml")
                  if read(path).get("kind") in COPY_KINDS
                  and not re.search(ORIGINAL_SOUGHT, read(path).get("notes", ""), re.I))


def test_every_repost_says_the_original_was_not_found():
    """A copy is cited only where no original could be read, and its page says so (issue 17)."""
    assert copies_without_a_word_on_the_original(CONTENT) == []


def test_a_repost_without_that_word_is_found(tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "copy.yaml").write_text(
        "title: T\nkind: repost\nnotes: A repost of a Reuters report.\n", "utf-8")
    (tmp_path / "sources" / "said.yaml").write_text(
        "title: T\nkind: repost\nnotes: Reuters' own page was not found.\n", "utf-8")
    assert copies_without_a_word_on_the_original(tmp_path) == ["copy"]
