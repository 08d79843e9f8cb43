"""Markdown from untrusted contributors: no raw HTML, no dangerous links, citations numbered."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from engine.markdown import NoteCollector, is_safe_link, render_markdown


def rendered(text: str) -> BeautifulSoup:
    return BeautifulSoup(str(render_markdown(text, NoteCollector())), "html.parser")


@pytest.mark.parametrize("html", ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">',
                                  '<iframe src="https://evil.example"></iframe>'])
def test_raw_html_is_shown_as_text(html):
    soup = rendered(f"Before {html} after")
    assert not soup.find_all(["script", "img", "iframe"])
    assert html.split(" ")[0].split(">")[0] in soup.get_text()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "vbscript:msgbox",
                                 "file:///etc/passwd", "data:text/html;base64,PHNjcmlwdD4=",
                                 "java&#x09;script:alert(1)", "&#106;avascript:alert(1)",
                                 "data:image/png;base64,AAAA"])
def test_dangerous_link_schemes_are_not_rendered_as_links(url):
    soup = rendered(f"[click]({url}) ![pic]({url})")
    assert not soup.find_all("a") and not soup.find_all("img")


@pytest.mark.parametrize("url", ["https://example.org/a", "http://example.org", "mailto:x@example.org",
                                 "/claims/x/", "../sources/", "#note-1"])
def test_safe_links_survive(url):
    assert rendered(f"[ok]({url})").a["href"] == url
    assert is_safe_link(url)


def test_repeated_citations_share_a_note_and_footnotes_join_the_numbering():
    notes = NoteCollector()
    soup = BeautifulSoup(str(render_markdown(
        "A [@wire, p. 2]. B [@daily]. C [@wire, p. 2]. D[^x].\n\n[^x]: Plain note [@other].", notes)),
        "html.parser")
    assert [a.get_text() for a in soup.find_all("a", attrs={"role": "doc-noteref"})] == ["1", "2", "1", "3"]
    assert [(n.number, n.source_id, n.locator, len(n.backlinks)) for n in notes.notes] == [
        (1, "wire", "p. 2", 2), (2, "daily", None, 1), (3, None, None, 1), (4, "other", None, 1)]
    assert "Plain note" in str(notes.notes[2].html)


def test_two_markdown_fields_on_one_page_share_one_list_of_notes():
    notes = NoteCollector()
    render_markdown("First[^a].\n\n[^a]: One.", notes)
    render_markdown("Second[^a].\n\n[^a]: Two.", notes)
    assert [str(n.html) for n in notes.notes] == ["<p>One.</p>", "<p>Two.</p>"]


def test_one_rendering_serves_every_page_with_its_own_numbers():
    text = "Claim [@wire] and a note[^a].\n\n[^a]: Body [@daily]."
    first, second = NoteCollector(), NoteCollector()
    second.cite("other")                                   # this page already has note 1
    a = BeautifulSoup(str(render_markdown(text, first)), "html.parser")
    b = BeautifulSoup(str(render_markdown(text, second)), "html.parser")
    assert [x.get_text() for x in a.find_all("a")] == ["1", "2"]
    assert [x.get_text() for x in b.find_all("a")] == ["2", "3"]
    assert [n.source_id for n in second.notes] == ["other", "wire", None, "daily"]


def test_plain_text_drops_marks_and_markup():
    from engine.markdown import plain_text
    assert plain_text("A *b* [@x] note[^1] 42.\n\n[^1]: y") == "A b note 42."


def test_runs_of_note_numbers():
    from engine.note_marks import runs
    assert runs([3, 1, 2, 6, 6, 8, 9]) == [[1, 2, 3], [6], [8, 9]]
    assert runs([]) == []


def test_adjacent_marks_merge_and_bind_to_the_word_before_them():
    """`start-up [@a] [@b] [@c].` reads "start-up[1–3]." with no line break before the mark;
    every note of the run keeps the reference id its back-link returns to."""
    notes = NoteCollector()
    html = str(render_markdown("A start-up [@a] [@b] [@c]. Then [@d, p. 1] [@a] x [@e] [^f].\n\n[^f]: F.", notes))
    soup = BeautifulSoup(html, "html.parser")
    marks = soup.find_all("sup", class_="note-ref")
    assert [m.get_text() for m in marks] == ["[1–3]", "[1, 4]", "[5, 6]"]
    assert "start-up\u2060<sup" in html and "Then\u2060<sup" in html and "x\u2060<sup" in html
    for note in notes.notes:
        for backlink in note.backlinks:
            assert soup.find(id=backlink) is not None, backlink
    assert [a["href"] for a in marks[0].find_all("a")] == ["#note-1", "#note-3"]
    assert marks[0].find(id="note-2-ref-1") is not None
    # a comma or a bracket stays on its number's line; the space after a comma may wrap a long run
    assert [s.get_text() for s in marks[1].find_all(class_="note-sep")] == ["[1,", "4]"]
    assert all(b["aria-hidden"] == "true" for b in marks[1].find_all(class_="note-bracket"))


def test_a_lone_mark_and_a_note_cited_twice_in_one_run():
    notes = NoteCollector()
    soup = BeautifulSoup(str(render_markdown("One [@a]. Two [@a] [@a].", notes)), "html.parser")
    marks = soup.find_all("sup", class_="note-ref")
    assert [m.get_text() for m in marks] == ["[1]", "[1]"]
    assert notes.notes[0].backlinks == ["note-1-ref-1", "note-1-ref-2", "note-1-ref-3"]
    assert all(soup.find(id=b) for b in notes.notes[0].backlinks)


def test_a_note_cited_twice_inside_a_range_gives_each_reference_id_once():
    notes = NoteCollector()
    html = str(render_markdown("A [@a] [@b] [@c]. B [@a] [@b] [@b] [@c].", notes))
    soup = BeautifulSoup(html, "html.parser")
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)) == sum(len(n.backlinks) for n in notes.notes) == 7
    assert [m.get_text() for m in soup.find_all("sup", class_="note-ref")] == ["[1–3]", "[1–3]"]


def test_a_note_stands_beside_the_line_that_first_cites_it_as_plain_hidden_text():
    """Sidenotes (issue 16): the notes a run of marks cites for the first time follow it, each
    once, as plain text: no link to tab to, hidden from screen readers and the search index."""
    notes = NoteCollector(text_of=lambda note: f"<text of {note.source_id or 'a footnote'}>")
    html = render_markdown("One [@a] [@b]. Two [@a] [@c][^n].\n\n[^n]: A *note* [@d].", notes)
    soup = BeautifulSoup(str(html), "html.parser")
    sides = soup.select(".sidenote")
    assert [(s.select_one(".sidenote-number").get_text(), s.get_text()) for s in sides] == [
        ("1", "1 <text of a>"), ("2", "2 <text of b>"), ("3", "3 <text of c>"),
        ("4", "4 <text of a footnote>")]
    # a source first cited inside a footnote: its sidenote is in that footnote's own words
    assert '<span class="sidenote-number">5</span> &lt;text of d&gt;' in str(notes.notes[3].html)
    for side in sides:
        assert side["aria-hidden"] == "true" and side.has_attr("data-pagefind-ignore")
        assert side.find("a") is None
        assert side.find_previous_sibling("sup", class_="note-ref") is not None
    assert "<text" not in str(html)   # escaped
    assert "sidenote" not in str(render_markdown("One [@a].", NoteCollector()))   # none asked for


def test_a_footnotes_sidenote_has_its_words_without_the_notes_inside_it(site):
    from engine.note_marks import footnote_text
    notes = NoteCollector(text_of=lambda note: "The Daily, x.")
    html = str(render_markdown("A *plain* note [@a] [@b] here.", notes))
    assert "sidenote-number" in html and "note-ref" in html
    assert footnote_text(html) == "A plain note here."
    about = BeautifulSoup((site / "about" / "index.html").read_text("utf-8"), "html.parser")
    assert [s.get_text() for s in about.select(".prose .sidenote")] == [
        "1 The Daily, Acme raises $10m, April 9, 2018.", "2 A plain footnote."]


def test_a_box_holds_its_markdown_and_any_other_fence_name_stays_text():
    """`::: box` (the story's "at a glance" panel) is the one named block; its info string
    cannot add attributes, and an unknown name is shown as written."""
    soup = rendered('::: box onclick="alert(1)" class="x"\n## At a glance\n\n- SenseTime [@wire]\n:::\n\n'
                    "::: warning\nnot a block\n:::\n")
    [box] = soup.select("div")
    assert box.attrs == {"class": ["box"]}
    assert [child.name for child in box.find_all(recursive=False)] == ["h2", "ul"]
    assert box.select_one("ul li sup, ul li a") is not None   # the citation inside is a note mark
    assert "::: warning" in soup.get_text()
