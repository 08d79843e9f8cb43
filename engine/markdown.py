"""Markdown for editors: CommonMark with tables and footnotes, `[@source-id, locator]` citations,
no raw HTML, and links only to http(s), mailto, relative paths and #fragments.

Every citation and footnote on a page goes into one NoteCollector, so a page that renders
several Markdown fields (a timeline of many events) gets one numbered list of notes, and
repeated citations of the same source and locator share one note with several back-links.
"""
from __future__ import annotations

import re
from urllib.parse import unquote
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markupsafe import Markup
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from .citations import Scanner, without_citations
from .note_marks import bind_to_previous, merged_mark
from .smartquotes import smartquotes

SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_ALIGN = re.compile(r"text-align:\s*(left|right|center)")


def is_safe_link(url: str) -> bool:
    """True for http(s), mailto, relative and fragment links; whatever the case or spacing."""
    squeezed = _INVISIBLE.sub("", unquote(url))  # markdown-it has percent-encoded entities
    match = _SCHEME.match(squeezed)
    return match is None or match.group(1).lower() in SAFE_SCHEMES


@dataclass
class Note:
    number: int
    id: str
    source_id: str | None = None
    locator: str | None = None
    html: Markup | None = None
    backlinks: list[str] = field(default_factory=list)


class NoteCollector:
    """Numbers every note of one page in the order the page cites them."""

    def __init__(self, prefix: str = "note", text_of=None):
        self.prefix = prefix
        self.text_of = text_of   # a note as plain text, for sidenotes (note_marks.sidenotes); None: none
        self.notes: list[Note] = []
        self._by_key: dict[tuple, Note] = {}
        self._documents = 0

    def _note(self, key: tuple, **fields) -> tuple[Note, str]:
        note = self._by_key.get(key)
        if note is None:
            number = len(self.notes) + 1
            note = Note(number, f"{self.prefix}-{number}", **fields)
            self.notes.append(note)
            self._by_key[key] = note
        backlink = f"{note.id}-ref-{len(note.backlinks) + 1}"
        note.backlinks.append(backlink)
        return note, backlink

    def cite_ref(self, source_id: str, locator: str | None = None) -> tuple[Note, str]:
        locator = (locator or "").strip() or None
        return self._note(("source", source_id, locator), source_id=source_id, locator=locator)

    def cite(self, source_id: str, locator: str | None = None) -> Markup:
        return merged_mark([self.cite_ref(source_id, locator)], self.text_of)

    def cite_all(self, cited: list) -> Markup:
        """One mark for a list of citations (objects with .source and .locator), as a template
        lists an item's sources."""
        return merged_mark([self.cite_ref(c.source, c.locator) for c in cited], self.text_of) if cited else Markup("")

    def footnote_ref(self, document: int, footnote_id: int, render_body) -> tuple[Note, str]:
        """A [^label] footnote; its body is rendered once, after its number is taken."""
        note, backlink = self._note(("footnote", document, footnote_id))
        if note.html is None:
            note.html = Markup("")
            note.html = render_body()
        return note, backlink

    def new_document(self) -> int:
        self._documents += 1
        return self._documents


def _citation_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "[" or not state.src.startswith("[@", state.pos):
        return False
    scanner = state.env.get("citation_scanner")
    if scanner is None or scanner.text is not state.src:   # one per inline text: linear time
        scanner = state.env["citation_scanner"] = Scanner(state.src)
    match = scanner.match(state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"source": match.group(1), "locator": match.group(2)}
    state.pos = match.end()
    return True


def _mark(env, call: tuple) -> str:
    """A placeholder for a note mark: numbers are given when a page binds the fragment."""
    env["calls"].append(call)
    return f"\x00{len(env['calls']) - 1}\x00"


def _render_citation(self, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    return _mark(env, ("cite", meta["source"], (meta["locator"] or "").strip() or None))


def _render_footnote_ref(self, tokens, idx, options, env) -> str:
    footnote_id = tokens[idx].meta["id"]
    bodies = env["footnote_fragments"]
    if footnote_id not in bodies:
        bodies[footnote_id] = None  # a footnote that cites itself renders once
        body_env = {**env, "calls": []}
        html = self.render(env["footnote_bodies"].get(footnote_id, []), options, body_env).strip()
        bodies[footnote_id] = Fragment(html, tuple(body_env["calls"]))
    return _mark(env, ("footnote", footnote_id, bodies[footnote_id]))


def _render_cell(self, tokens, idx, options, env) -> str:
    """Table alignment as a class: markdown-it writes style=, which the CSP forbids."""
    token = tokens[idx]
    style = token.attrs.pop("style", None)
    match = _ALIGN.search(str(style or ""))
    if match:
        token.attrSet("class", f"align-{match.group(1)}")
    return self.renderToken(tokens, idx, options, env)


def _render_box(self, tokens, idx, options, env) -> str:
    """`::: box` … `:::` in a page: a boxed panel (an "at a glance" summary). A div, not an
    aside: inside <main> an unnamed aside is not a landmark a screen reader can find anyway."""
    return '<div class="box">\n' if tokens[idx].nesting == 1 else "</div>\n"


def _make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.core.ruler.at("smartquotes", smartquotes)   # the same quotes, in linear time
    md.use(footnote_plugin)
    md.use(container_plugin, "box", render=_render_box)
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.validateLink = is_safe_link
    md.add_render_rule("citation", _render_citation)
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    md.add_render_rule("th_open", _render_cell)
    md.add_render_rule("td_open", _render_cell)
    return md


MARKDOWN = _make_parser()


def _split_footnotes(tokens: list) -> tuple[list, dict[int, list]]:
    """The page's own tokens, and each footnote's body tokens by footnote id."""
    bodies: dict[int, list] = {}
    kept: list = []
    current: list | None = None
    inside_block = False
    for token in tokens:
        if token.type == "footnote_block_open":
            inside_block = True
        elif token.type == "footnote_block_close":
            inside_block = False
        elif token.type == "footnote_open":
            current = bodies.setdefault(token.meta["id"], [])
        elif token.type == "footnote_close":
            current = None
        elif current is not None and token.type != "footnote_anchor":
            current.append(token)
        elif not inside_block:
            kept.append(token)
    return kept, bodies


@dataclass(frozen=True)
class Fragment:
    """Rendered Markdown whose note marks are placeholders. Rendering is the slow part, and the
    same text appears on several pages (an event on the timeline, its year and its own page),
    each numbering its notes differently: render once, then bind the numbers per page."""

    html: str
    calls: tuple = ()

    def bind(self, notes: NoteCollector) -> Markup:
        return self._bind(notes, notes.new_document())

    def plain(self) -> list:
        """As plain JSON data, for the cache between builds (engine/cache.py): strings, numbers
        and lists only, never objects."""
        return [self.html, [[kind, ref, body if kind == "cite" or body is None else body.plain()]
                            for kind, ref, body in self.calls]]

    @classmethod
    def from_plain(cls, data: list) -> "Fragment":
        html, calls = data
        if not isinstance(html, str):
            raise TypeError("a fragment's HTML is a string")
        return cls(html, tuple((kind, ref, body if kind == "cite" or body is None else cls.from_plain(body))
                               for kind, ref, body in calls))

    def _bind(self, notes: NoteCollector, document: int) -> Markup:
        if not self.calls:
            return Markup(self.html)
        # text and marks alternate: a run is marks with nothing but spaces between them
        parts = self.html.split("\x00")
        out, run = [parts[0]], []
        for index in range(1, len(parts), 2):
            run.append(self._ref(notes, document, self.calls[int(parts[index])]))
            after = parts[index + 1]
            if after.strip(" \t\r\n") or index + 2 >= len(parts):
                out[-1] = bind_to_previous(out[-1])
                out += [merged_mark(run, notes.text_of), after]
                run = []
        return Markup("".join(out))

    def _ref(self, notes: NoteCollector, document: int, call: tuple) -> tuple[Note, str]:
        if call[0] == "cite":
            return notes.cite_ref(call[1], call[2])
        body = call[2] or Fragment("")
        return notes.footnote_ref(document, call[1], lambda: body._bind(notes, document))


def render_fragment(text: str, inline: bool = False) -> Fragment:
    """A Markdown text rendered, its note marks left as placeholders."""
    env = {"calls": [], "footnote_fragments": {}}
    tokens = MARKDOWN.parseInline(text, env) if inline else MARKDOWN.parse(text, env)
    tokens, env["footnote_bodies"] = _split_footnotes(tokens)
    return Fragment(MARKDOWN.renderer.render(tokens, MARKDOWN.options, env), tuple(env["calls"]))


class Fragments:
    """Rendered fragments by text, kept by whoever builds (engine/memory.py): the same note
    appears on several pages of one build, and a dev server sees most texts again in every
    rebuild. `used` is what the builds so far asked for (what the command line's cache keeps);
    `fresh` what this memory rendered itself since it was last emptied (what a render worker
    sends back to its parent)."""

    MOST = 200_000   # a dev server open all day must not grow without end

    def __init__(self) -> None:
        self.known: dict[tuple[str, bool], Fragment] = {}
        self.used: set[tuple[str, bool]] = set()
        self.fresh: list[tuple[str, bool]] = []

    def fragment(self, text: str, inline: bool = False) -> Fragment:
        key = (text, inline)
        self.used.add(key)
        found = self.known.get(key)
        if found is None:
            found = render_fragment(text, inline)
            if len(self.known) > self.MOST:
                self.known.clear()
            self.known[key] = found
            self.fresh.append(key)
        return found

    def render(self, text: str, notes: NoteCollector, inline: bool = False) -> Markup:
        """HTML for one Markdown field; its citations and footnotes go into `notes`."""
        if not text:
            return Markup("")
        return self.fragment(text, inline).bind(notes)

    def remember(self, fragments: dict[tuple[str, bool], Fragment], used=()) -> None:
        self.known.update(fragments)
        self.used.update(used)

    def take_fresh(self) -> dict[tuple[str, bool], Fragment]:
        """The fragments rendered here since the last call (those still known)."""
        fresh, self.fresh = self.fresh, []
        return {key: self.known[key] for key in fresh if key in self.known}


def render_markdown(text: str, notes: NoteCollector, inline: bool = False) -> Markup:
    """HTML for one Markdown field, rendered afresh (Fragments.render remembers it)."""
    return render_fragment(text, inline).bind(notes) if text else Markup("")


def plain_text(text: str) -> str:
    """Markdown reduced to plain text, for meta descriptions and feeds."""
    html = render_fragment(without_citations(text)).html
    return " ".join(Markup(re.sub("\x00[0-9]+\x00", "", html)).striptags().split())
