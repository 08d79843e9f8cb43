"""Issue 14, property tests: hostile values (HTML, quotes, formulas, LaTeX, control and bidi
characters, non-BMP text, long strings, NaN, infinities and huge numbers, anything a YAML
file can carry) written into every text and number field of every content kind. Whatever the
value, the build either fails with positioned errors and writes nothing, or every file it
writes is well-formed: XML and JSON parse strictly, CSV cells are inert, BibTeX parses, and no
HTML page gains an element or an attribute from the content (SECURITY.md, "Exports").

Builds here skip the social cards and the search index (binary files, not read by any check)
and share compiled templates between builds, so that 15 builds per kind take seconds.

Also: the linear smart-quote rule and citation scanner give exactly what markdown-it's rule and
the citation regular expression give (tests/test_attack_exports.py holds their time guards)."""
from __future__ import annotations

import csv
import io
import json
import math
import re
import tempfile
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURE, build, copy_fixture
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from pybtex.database import parse_string

from engine import render, site
from engine.citations import CITATION, find_citations, without_citations
from engine.markdown import MARKDOWN

# --- hostile values ---------------------------------------------------------------------------

# Text every validation accepts, and that still means something to HTML, XML, CSV, LaTeX,
# Jinja, str.format, Markdown and JSON readers.
VALID_PIECES = [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "' onmouseover='alert(1)",
    "<svg onload=alert(1)>", "<iframe src=javascript:alert(1)>", "]]>", "<![CDATA[", "<!--", "-->",
    "&amp;", "&", "&#0;", "&#x1b;", "{{ 7*7 }}", "{% raw %}", "{x.__class__}", "{0}",
    "=HYPERLINK(\"http://evil.example\",\"x\")", "=1+1", "+1", "-1", "@SUM(A1)", " =2", "\t=3",
    "\\", "\\end{document}", "{", "}", "%", "$", "#", "_", "~", "^", "@comment{", "\"", "'",
    "[@wire]", "[@nope]", "[@wire, p. 1", "[^1]", "*", "**", "`", "[x](javascript:alert(1))",
    "<http://a>", "javascript:alert(1)", "NaN", "Infinity", "-0", "1e999", "null", "true",
    "𝕏", "😀", "北京", "é", "ﬀ", "\u00a0", "\u200d", "\u3000", "a", " ", "--", "...", "::error::x",
    "\n", "\r\n", "\n\n", "Lorem ipsum dolor sit amet",
]
# What validation should refuse at the source (and the outputs must survive if it does not).
CONTROL_PIECES = [
    "\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b[2J", "\x1b]8;;http://evil\x07", "\x7f",
    "\x85", "\x9b", "\u202e", "\u202d", "\u2066", "\u2069", "\u200e", "\u061c", "\u2028", "\u2029",
    "\ufeff", "\ufffe", "\uffff",
]


def text_values(pieces):
    visible = [piece for piece in pieces if piece.strip()]   # a value that is not all space
    short = st.builds(lambda first, rest: "".join(rest[:1] + [first] + rest[1:]),
                      st.sampled_from(visible), st.lists(st.sampled_from(pieces), max_size=5))
    long = st.builds(lambda piece, times: (piece * times)[:20_000],
                     st.sampled_from(visible), st.integers(100, 20_000))
    return st.one_of(short, short, short, long)


INTEGERS = st.one_of(st.integers(-10**15, 10**15), st.sampled_from([0, -3, 2**53 + 1]))
VALID_NUMBERS = {"integer": INTEGERS, "size": st.integers(5, 10**9),
                 "number": st.one_of(INTEGERS, st.floats(-1e15, 1e15, allow_nan=False),
                                     st.sampled_from([-0.0, 1e-300, -2.5]))}
# NaN, infinities and magnitudes the number formatters cannot print (1e308 made babel raise
# InvalidOperation on the claim page): validation refuses them, from 1e15 (engine/schema.py)
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 1e15, 10**40])
HOSTILE_NUMBERS = {holds: st.one_of(numbers, NON_FINITE, st.floats(-1e15, 1e15))
                   for holds, numbers in VALID_NUMBERS.items()}

TEXT, NUMBER, INTEGER, SIZE, LIST = "text", "number", "integer", "size", "list"
# (file, path to the value, what it holds): every text and number field of every kind
FIELDS = {
    "source": [("sources/wire.yaml", p, k) for p, k in [
        (("title",), TEXT), (("outlet",), TEXT), (("notes",), TEXT), (("authors",), LIST),
        (("url",), "url")]],
    "claim": [("claims/valuation.yaml", p, k) for p, k in [
        (("statement",), TEXT), (("claimant",), TEXT), (("figures_differ_because",), TEXT),
        (("note",), TEXT), (("history", 0, "reason"), TEXT), (("sources", 0, "locator"), TEXT),
        (("sources", 0, "quote"), TEXT), (("sources", 1, "figure", "unit"), TEXT),
        (("sources", 0, "figure", "value"), NUMBER)]],
    "event": [("events/founding.yaml", p, k) for p, k in [
        (("title",), TEXT), (("body",), TEXT), (("sources", 0, "locator"), TEXT)]],
    "entity": [("entities/acme.yaml", p, k) for p, k in [
        (("name",), TEXT), (("aliases",), LIST), (("description",), TEXT)]],
    "correction": [("corrections/valuation-figure.yaml", p, k) for p, k in [
        (("wrong",), TEXT), (("right",), TEXT)]],
    "timeline": [("timelines/money.yaml", p, k) for p, k in [
        (("title",), TEXT), (("description",), TEXT), (("order",), INTEGER)]],
    "page": [("pages/about.md", p, k) for p, k in [
        (("title",), TEXT), (("summary",), TEXT), (("order",), INTEGER), (("body",), TEXT)]],
    "site": [("site.yaml", p, k) for p, k in [
        (("title",), TEXT), (("description",), TEXT), (("intro",), TEXT),
        (("publisher", "name"), TEXT), (("authors", 0, "name"), TEXT), (("licence", "name"), TEXT),
        (("topics", 0, "label"), TEXT), (("topics", 0, "description"), TEXT),
        (("statuses", 0, "label"), TEXT), (("statuses", 0, "description"), TEXT),
        (("statuses", 1, "symbol"), TEXT), (("index_page_size",), SIZE)]],
}


@st.composite
def hostile_values(draw, kind: str):
    """A value for every field of the kind: all of them such as validation accepts, or all of
    them carrying control characters too, so that both outcomes are exercised."""
    controls = draw(st.booleans())
    texts = text_values(VALID_PIECES + CONTROL_PIECES if controls else VALID_PIECES)
    numbers = HOSTILE_NUMBERS if controls else VALID_NUMBERS
    values = {}
    for file, path, holds in FIELDS[kind]:
        if holds in numbers:
            values[(file, path)] = draw(numbers[holds])
        elif holds == LIST:
            values[(file, path)] = draw(st.lists(texts, min_size=1, max_size=3))
        elif holds == "url":
            values[(file, path)] = "https://wire.example.com/" + draw(texts)
        else:
            values[(file, path)] = draw(texts)
    return values


def write_values(content: Path, values: dict) -> None:
    """Sets each value in its file through a YAML parser and emitter: any string a YAML file
    can carry (the emitter escapes what cannot appear raw)."""
    for file in sorted({file for file, _ in values}):
        target = content / file
        text = target.read_text("utf-8")
        body = None
        if target.suffix == ".md":
            _, front, body = text.split("---\n", 2)
            data = yaml.safe_load(front)
        else:
            data = yaml.safe_load(text)
        for (name, path), value in values.items():
            if name != file:
                continue
            if path == ("body",) and body is not None:
                body = value
                continue
            holder = data
            for step in path[:-1]:
                holder = holder.setdefault(step, {}) if isinstance(step, str) else holder[step]
            holder[path[-1]] = value
        dumped = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1_000_000)
        target.write_text(dumped if body is None else f"---\n{dumped}---\n{body}", "utf-8")


# --- what the outputs must be -----------------------------------------------------------------

FORMULA = re.compile(r"[\t\r\n]|\s*[=+\-@\uff1d\uff0b\uff0d\uff20]")
UNSAFE_IN_MESSAGES = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
LINK_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data"}
# Elements Markdown may make from an editor's text; any other element must be one the templates
# themselves use (measured on a clean build).
MARKDOWN_TAGS = {"p", "a", "em", "strong", "code", "pre", "hr", "br", "h1", "h2", "h3", "h4", "h5",
                 "h6", "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tr", "th", "td",
                 "img", "s", "sup", "section"}


def refuse_constant(name):
    raise AssertionError(f"{name} in JSON")


def strict_json(text: str):
    return json.loads(text, parse_constant=refuse_constant)


class Elements(HTMLParser):
    """Every element of a page: what the content could inject is checked as it is parsed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.script: str | None = None
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            squeezed = re.sub(r"[\x00-\x20\x7f-\x9f]", "", value or "").lower()
            if name in LINK_ATTRIBUTES and squeezed.startswith(("javascript:", "vbscript:")):
                self.problems.append(f'<{tag} {name}="{value}">')
        if tag == "script":
            if "src" in attributes:
                self.script = None
            elif attributes.get("type") == "application/ld+json":
                self.script = ""
            else:
                self.problems.append(f"inline <script {attrs}>")

    def handle_data(self, data):
        if self.script is not None and self.lasttag == "script":
            self.script += data

    def handle_endtag(self, tag):
        if tag == "script" and self.script is not None:
            strict_json(self.script)
            self.script = None


def assert_well_formed(out: Path, known_tags: set[str]) -> None:
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        where = path.relative_to(out).as_posix()
        if path.suffix == ".xml":
            ElementTree.parse(path)
        elif path.suffix == ".json":
            strict_json(path.read_text("utf-8"))
        elif path.suffix == ".csv":
            for row in csv.reader(io.StringIO(path.read_text("utf-8"), newline="")):
                for cell in row:
                    assert cell.startswith("'") or not FORMULA.match(cell) or _number(cell), (where, cell)
        elif path.suffix == ".bib":
            parse_string(path.read_text("utf-8"), "bibtex")
        elif path.suffix == ".html":
            elements = Elements()
            elements.feed(path.read_text("utf-8"))
            elements.close()
            assert not elements.problems, (where, elements.problems)
            assert elements.tags <= known_tags | MARKDOWN_TAGS, (where, elements.tags - known_tags)


def _number(cell: str) -> bool:
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


def assert_refused_with_positions(result, out: Path, root: Path) -> None:
    assert not out.exists(), "a failed build wrote its output"
    assert result.failures
    for problem in result.failures:
        assert problem.line >= 1 and problem.column >= 1, problem
        assert (root / problem.path).is_file(), f"not positioned in a content file: {problem}"
        assert not UNSAFE_IN_MESSAGES.search(str(problem)), repr(str(problem))


# --- the builds -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fast_builds():
    """Builds without cards and search index (the suite's builds share compiled templates:
    conftest.COMPILED); the tags a clean build's pages use."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render.Renderer, "card_batches", lambda self, *args, **kwargs: iter(()))
        patch.setattr(site.SearchIndex, "finish", lambda self, folder: None)
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "out"
            assert build(copy_fixture(Path(folder)), out).ok
            tags: set[str] = set()
            for page in out.rglob("*.html"):
                elements = Elements()
                elements.feed(page.read_text("utf-8"))
                tags |= elements.tags
        yield tags


def build_with(values: dict, known_tags: set[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        content = copy_fixture(root)
        write_values(content, values)
        out = root / "out"
        result = build(content, out)
        if result.ok:
            assert_well_formed(out, known_tags)
        else:
            assert_refused_with_positions(result, out, root)


# No shrinking: a build per step made one failure take five minutes to shrink, and the
# failing values are readable as they are.
PER_KIND = settings(max_examples=15, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.long
@pytest.mark.parametrize("kind", list(FIELDS))
def test_hostile_values_in_every_field_give_well_formed_outputs_or_positioned_errors(kind, fast_builds):
    @PER_KIND
    @given(values=hostile_values(kind))
    def run(values):
        build_with(values, fast_builds)
    run()


def test_the_fixture_fields_exist_so_that_every_value_lands_where_meant():
    for fields in FIELDS.values():
        for file, path, _ in fields:
            text = (FIXTURE / file).read_text("utf-8")
            data = yaml.safe_load(text.split("---\n")[1] if file.endswith(".md") else text)
            if path == ("body",):
                continue
            holder = data
            for step in path[:-1]:
                holder = holder[step]
            assert isinstance(holder, dict), (file, path)


# --- the linear text steps give the same results as the ones they replace ------------------------

def _stock_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(footnote_plugin)
    return md


STOCK = _stock_parser()
QUOTE_TEXT = st.lists(st.sampled_from(
    ['"', "'", '"', "'", " ", "a", "1", "*", "_", "`", "[", "]", "(", ")", "\n", "\n\n", "-", ".",
     "!", "> ", "~~", "**", "  \n", "\\", "&quot;", "<", "|", "x'", "'s", '9"', "\u00a0", "“", "’",
     "é", ":", "[^1]", "[^1]: n\n", "- ", "[a](b)", "`'`", "**'"]), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=QUOTE_TEXT)
def test_the_linear_smart_quotes_match_markdown_its_rule(text):
    env = {"calls": [], "footnote_fragments": {}}
    ours = [(t.type, t.content, [(c.type, c.content) for c in t.children or []])
            for t in MARKDOWN.parse(text, dict(env))]
    stock = [(t.type, t.content, [(c.type, c.content) for c in t.children or []])
             for t in STOCK.parse(text, dict(env))]
    assert ours == stock


CITATION_TEXT = st.lists(st.sampled_from(
    ["[@", "[", "]", "@", " ", ",", ";", "a", "\n", "\t", "b-c", "\u3000", "x", "[@a]", ", p. 4"]),
    max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=CITATION_TEXT)
def test_the_citation_scanner_finds_what_the_regular_expression_finds(text):
    assert [(m.span(), m.groups()) for m in find_citations(text)] == \
        [(m.span(), m.groups()) for m in CITATION.finditer(text)]
    assert without_citations(text) == re.sub(r"[ \t]*" + CITATION.pattern, "", text)
