"""The story page reads as journalism (issue 17): at most two note marks a sentence, the box a
reader can take in at a glance, a plain word on whether the company was asked for comment, and
the questions still open. The build checks that every mark points to a source; this checks
what the build cannot."""
from __future__ import annotations

import re

from conftest import ROOT, parsed_html

STORY = ROOT / "content" / "pages" / "story.md"
SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z*\-\"“])")


def sentences(markdown: str) -> list[str]:
    body = markdown.split("---", 2)[2]
    found = []
    for block in re.split(r"\n\s*\n", body):
        lines = [line.strip() for line in block.splitlines() if line.strip() and not line.startswith(":::")]
        for line in lines:   # a list item or heading is a sentence of its own
            found.extend(SENTENCE_END.split(line.lstrip("-# ")))
    return found


def test_no_sentence_of_the_story_carries_more_than_two_note_marks():
    crowded = [s for s in sentences(STORY.read_text("utf-8")) if s.count("[@") > 2]
    assert crowded == []


def test_the_sentence_splitter_counts_marks_per_sentence():
    text = "---\ntitle: t\n---\nOne [@a] [@b]. Two [@a] [@b] [@c]?\n\n- Three [@a]. Four [@b]\n"
    assert [s.count("[@") for s in sentences(text)] == [2, 3, 1, 1]


def test_the_story_opens_with_its_box_says_who_was_asked_and_ends_with_open_questions(real_site):
    page = parsed_html(real_site / "story" / "index.html")
    main = page.select_one("main")
    box = main.select_one(".box")
    assert box is not None and box.select_one("h2").get_text(strip=True) == "At a glance"
    assert len(box.select("li")) >= 5
    text = " ".join(main.get_text(" ").split())
    assert "did not ask SenseTime for comment" in text
    headings = [h.get_text(strip=True) for h in main.select("h2")]
    # the last section of the story itself; only the notes and the citation block follow
    assert headings[headings.index("What remains open") + 1:] == ["Sources and notes", "Cite this page"]
    open_list = main.find("h2", string="What remains open").find_next("ul")
    assert sum(item.get_text().strip().split(" ")[-1] != "" and "?" in item.get_text()
               for item in open_list.select("li")) >= 4
