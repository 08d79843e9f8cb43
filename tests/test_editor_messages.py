"""Messages an editor can act on (issue 15): every YAML syntax error PyYAML or libyaml can raise
is named at the real line and column, in plain words, with what to type instead; an empty file
is one message; a nested error is reported once, at its innermost cause; an unknown vocabulary
value lists the allowed ones; counts follow each language's plural rules; notices stay out of
the report unless asked for."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import engine.yaml_positions

from conftest import NOW, ROOT, build, copy_fixture, page, paths_for, problems_of
from engine.load import load_markdown, load_yaml
from engine.problems import Problems
from engine.strings import _table, counted, fill
from engine.pipeline import load_and_validate

# text of a file -> (line, column, message): one case per mistake, and per (problem, context)
# pair of the scanner and the parser
YAML_CASES = {
    'unclosed double': ('a: 1\nb: "hello\nc: 2\nd: 3\n', 2, 4,
        'this double quote (") is never closed: end the value with another " on the same line (inside it, write \\" for a double quote)'),
    'unclosed single': ("a: 1\nb: 'hello\nc: 2\n", 2, 4,
        "this single quote (') is never closed: end the value with another ' on the same line (inside it, write '' (two single quotes) for an apostrophe)"),
    'unclosed double eof': ('a: "hello', 1, 4,
        'this double quote (") is never closed: end the value with another " on the same line (inside it, write \\" for a double quote)'),
    'tab indent': ('a:\n\tb: 1\n', 2, 1,
        'a tab is used for indentation here; use spaces: YAML counts only spaces (2 per level, as in the lines around it)'),
    'tab indent list': ('a:\n  - x\n\t- y\n', 3, 1,
        'a tab is used for indentation here; use spaces: YAML counts only spaces (2 per level, as in the lines around it)'),
    'bad indent': ('a: 1\n  b: 2\n', 2, 3,
        'this line is indented more than the line above, which already has its value: line it up with the name above it, or, if it belongs inside that name, move the value to a line of its own'),
    'bad indent less': ('a:\n    b: 1\n  c: 2\n', 3, 3,
        'this line is indented by 2 spaces, which matches no name above it: line it up with the names of the same level (2 spaces), with spaces only'),
    'missing colon': ('a: 1\nb\nc: 2\n', 2, 1,
        'this line has no colon: write the name, a colon and a space, then the value ("name: value"); to continue the text above, indent this line under it'),
    'missing space': ('a: 1\nb:2\nc: 3\n', 2, 2,
        'a colon must be followed by a space: write "b: 2"'),
    'colon in value': ('a: Acme: the company\n', 1, 8,
        'a colon followed by a space (": ") inside a value makes YAML read a new name: put the whole value in quotes, "Acme: the company"'),
    'unclosed flow seq': ('a: [1, 2\nb: 3\n', 1, 4,
        'this "[" is never closed: end the list on the same line with "]", entries separated by commas'),
    'unclosed flow map': ('a: {x: 1\nb: 3\n', 1, 4,
        'this "{" is never closed: end the mapping on the same line with "}", entries separated by commas'),
    'unclosed flow seq eof': ('a: [1, 2', 1, 4,
        'this "[" is never closed: end the list on the same line with "]", entries separated by commas'),
    'stray dash': ('a: 1\n- b\n', 2, 1,
        'a list entry ("- ") where a name was expected: indent it under the name it belongs to, whose colon then ends its line'),
    'stray colon': (': x\n', 1, 1,
        'a line cannot start with a colon: write the name before it'),
    'block scalar indent': ('a: |\n    one\n  two\nb: 1\n', 3, 3,
        'this line is indented less than the text block above (which starts on line 2, indented by 4 spaces): indent every line of a | or > block at least as much as its first line'),
    'block scalar bad header': ('a: |x\n  one\n', 1, 5,
        'after | or > only - or + and an indentation digit (1 to 9) may follow on the same line: move the text to the next line, indented'),
    'duplicate doc marker': ('a: 1\n---\nb: 2\n', 2, 1,
        'a second "---" line starts another document, and a content file holds one: remove this line'),
    'at sign': ('a: @handle\n', 1, 4,
        'a value cannot start with "@": put the whole value in quotes, "@handle"'),
    'backtick': ('a: `code`\n', 1, 4,
        'a value cannot start with "`": put the whole value in quotes, "`code`"'),
    'unknown escape': ('a: "C:\\path"\n', 1, 7,
        '"\\p" is not an escape YAML knows inside double quotes: write \\\\ for a backslash, or put the value in single quotes'),
    'percent': ('a: %x\n', 1, 4,
        'a value cannot start with "%": put the whole value in quotes, "%x"'),
    'directive': ('%YAML 1.1\n%YAML 1.1\n---\na: 1\n', 2, 1,
        'a line cannot start with "%" (YAML reads it as a directive, which content files do not use): remove the "%", or put the value in quotes'),
    'anchor bad': ('a: &\n', 1, 4,
        '"&" starts an anchor or alias, which content files do not use: put the whole value in quotes'),
    'alias undefined': ('a: *x\n', 1, 4,
        'the alias "*x" is not allowed: YAML anchors and aliases are switched off for safety; write the value out in full'),
    'tag bad': ('a: !<x\n', 1, 4,
        '"!" starts a tag, which content files do not use: put the whole value in quotes'),
    'quote after text': ('a: "x" y\n', 1, 8,
        'the double quote that opens this value closes before the end of it, so this text is left over: write \\" for a double quote inside double quotes, or put the value in single quotes'),
    'flow extra close': ('a: [1]]\n', 1, 7,
        'this "]" closes nothing: remove it, or add the "[" it closes'),
    'closing brace': ('a: }\n', 1, 4,
        'this "}" closes nothing: remove it, or add the "{" it closes'),
    'list then key': ('- a\nb: 1\n', 2, 1,
        'this line is lined up with the list above but does not start with "- ": start it with "- " to add an entry, or indent it less to start a new name'),
    'key after list item same indent': ('a:\n- x\nb 1\n', 3, 1,
        'this line has no colon: write the name, a colon and a space, then the value ("name: value"); to continue the text above, indent this line under it'),
    'doc end then content': ('a: 1\n...\nb\n', 3, 1,
        'text after a "..." line (the end of the document): remove the "..." line, or this text'),
    'question': ('? a\n? b: c: d\n', 2, 7,
        'a colon followed by a space (": ") inside a value makes YAML read a new name: put the whole value in quotes, "c: d"'),
    'multiline key': ('a b\nc: 1\n', 1, 1,
        'this line has no colon, so YAML reads it and the next line as one name: write the name, a colon and a space, then the value'),
    'pipe indicator no': ('a: >-5\n   x\n', 2, 4,
        'this line is not indented as the | or > block above asks (a digit after | or > sets the indentation): remove the digit, or indent the text by that many spaces more than the name'),
    'hash no space': ('a: 1#x\nb: [1,#c\n', 2, 4,
        'this "[" is never closed: end the list on the same line with "]", entries separated by commas'),
    'control char': ('a: \x07\n', 1, 4,
        'this file holds the invisible character U+0007, which YAML does not allow: delete it (retype the text around it if your editor does not show it)'),
    'bad utf': ('a: \ufffe\n', 1, 4,
        'this file holds the invisible character U+FFFE, which YAML does not allow: delete it (retype the text around it if your editor does not show it)'),
    'quoted key colon': ('a: "x": y\n', 1, 7,
        'text follows the closing quote of this value: put the whole value in one pair of quotes'),
    'flow seq colon': ('a: [x: 1: 2]\n', 1, 9,
        'inside "[ ]" entries are separated by commas: add a comma, and put an entry containing ": " or a comma in quotes'),
    'unclosed dq in flow': ('a: ["x, y]\n', 1, 5,
        'this double quote (") is never closed: end the value with another " on the same line (inside it, write \\" for a double quote)'),
    'single quote in text': ("a: it's ok\nb: 'it's not'\n", 2, 8,
        "the single quote that opens this value closes before the end of it, so this text is left over: write '' (two single quotes) for an apostrophe inside single quotes, or put the value in double quotes"),
    'dq escape x': ('a: "\\xZZ"\n', 1, 5,
        'after \\x, \\u or \\U inside double quotes come 2, 4 or 8 hexadecimal digits: write \\\\ for a backslash, or put the value in single quotes'),
    'dq escape u': ('a: "\\u12"\n', 1, 5,
        'after \\x, \\u or \\U inside double quotes come 2, 4 or 8 hexadecimal digits: write \\\\ for a backslash, or put the value in single quotes'),
    'unclosed double long': ('a: 1\nb: "hello\nc: 2\nd: 3\ne: 4\nf: 5\n', 2, 4,
        'this double quote (") is never closed: end the value with another " on the same line (inside it, write \\" for a double quote)'),
    'single in plain then dq': ('a: "he said "hi""\n', 1, 14,
        'the double quote that opens this value closes before the end of it, so this text is left over: write \\" for a double quote inside double quotes, or put the value in single quotes'),
    'block seq in map value same line': ('a: - x\n', 1, 4,
        'a list cannot start on the same line as its name: put each entry on a line of its own below it, indented, starting with "- "'),
    'issue: unclosed quote reported far below': ('statement: "Acme raised $10m\ntopic: funding\nstatus: confirmed\nclaimant: Acme\nsources:\n  - source: wire\n    quote: "ten million"\n', 1, 12,
        'this double quote (") is never closed: end the value with another " on the same line (inside it, write \\" for a double quote)'),
    'unclosed single quote reported far below': ("a: 'it is\nb: 2\nc: 'x'\nd: 5\n", 1, 4,
        "this single quote (') is never closed: end the value with another ' on the same line (inside it, write '' (two single quotes) for an apostrophe)"),
    'unclosed bracket reported below': ('a: [1, 2\nb: 2\nc: [x]\nd: 5\n', 1, 4,
        'this "[" is never closed: end the list on the same line with "]", entries separated by commas'),
    'glued colon on the line above': ('statement:Acme raised $10m\ntopic: funding\n', 1, 10,
        'a colon must be followed by a space: write "statement: Acme raised $10m"'),
    'colon with no name in a flow mapping': ('figure: {value: 10, :currency: USD}\n', 1, 21,
        'this colon has no name before it: write the name, or put text containing ":" in quotes'),
    'colon in a plain scalar in a flow mapping': ('figure: {value: 10, as_of:{ 2018-04}\n', 1, 26,
        'inside "[ ]" or "{ }", text containing a colon must be in quotes: put this entry in quotes'),
    'tab after a dash': ('sources:\n  -\tsource: wire\n', 2, 4,
        'a tab is used here; use a space: YAML allows only spaces after "-" and ":"'),
    'percent at a line start': ('events: [a]\n%ntities: [acme]\n', 2, 1,
        'a line cannot start with "%" (YAML reads it as a directive, which content files do not use): remove the "%", or put the value in quotes'),
    'question mark key': ('entities: [acme]?\n', 1, 17,
        '"?" followed by a space starts a complex key, which content files do not use: put the whole value in quotes'),
    'tab in a block scalar': ('note: |\n  The text.\n\tevents: [a]\n', 3, 1,
        'a tab is used for indentation here; use spaces: YAML counts only spaces (2 per level, as in the lines around it)'),
    'block scalar indentation indicator 0': ('updated: |0\n  x\n', 1, 11,
        'after | or > only - or + and an indentation digit (1 to 9) may follow on the same line: move the text to the next line, indented'),
    'flow value missing': ('a: [1, , 2]\n', 1, 8,
        'a value is missing here: write it, or remove the comma before it'),
    'indented by one space': ('a:\n  b: 1\n c: 2\n', 3, 2,
        'this line is indented by 1 space, which matches no name above it: line it up with the names of the same level (2 spaces), with spaces only'),
}

# libyaml refuses a colon glued to a "{" inside a flow mapping; PyYAML reads a nested mapping there
# and reports the outer "{" as never closed
LIBYAML_ONLY = {"colon in a plain scalar in a flow mapping"}


def problems_in(path: Path, text: str, page: bool = False) -> list[str]:
    path.write_text(text, encoding="utf-8")
    problems = Problems(path.parent)
    (load_markdown if page else load_yaml)(path, problems)
    return [str(problem) for problem in problems.items]


# Every case through libyaml, and every case PyYAML's own reader reads alike through that one
LOADER_CASES = [("libyaml", name) for name in sorted(YAML_CASES)] + [
    ("python", name) for name in sorted(YAML_CASES) if name not in LIBYAML_ONLY]


@pytest.mark.parametrize("loader, name", LOADER_CASES,
                         ids=[loader + "-" + re.sub(r"\W+", "-", name) for loader, name in LOADER_CASES])
def test_each_yaml_syntax_error_is_named_where_it_is_in_plain_words(tmp_path, monkeypatch, name,
                                                                    loader):
    """The same words and place whether PyYAML runs on libyaml (CSafeLoader) or on its own."""
    if loader == "python":
        monkeypatch.setattr(engine.yaml_positions, "YAML_LOADER", yaml.SafeLoader)
    else:
        assert hasattr(yaml, "CSafeLoader"), "the pinned PyYAML wheel comes with libyaml"
    text, line, column, message = YAML_CASES[name]
    assert problems_in(tmp_path / "item.yaml", text) == [f"item.yaml:{line}:{column}: {message}"]


def test_in_front_matter_the_position_counts_the_opening_line(tmp_path):
    text = '---\ntitle: "About us\nslug: about\nsummary: x\n---\nBody "quoted".\n'
    assert problems_in(tmp_path / "about.md", text, page=True) == [
        'about.md:2:8: this double quote (") is never closed: end the value with another " on '
        'the same line (inside it, write \\" for a double quote)']


def test_a_multi_line_quoted_value_is_not_blamed_for_a_later_mistake(tmp_path):
    text = 'a: "one\n  two"\nb: 1\n  c: 2\n'
    assert problems_in(tmp_path / "item.yaml", text) == [
        "item.yaml:4:3: this line is indented more than the line above, which already has its "
        "value: line it up with the name above it, or, if it belongs inside that name, move the "
        "value to a line of its own"]


def errors_of(content: Path) -> list[str]:
    return sorted(line for line in problems_of(content) if ": notice: " not in line)


def replace(content: Path, relative: str, old: str, new: str) -> None:
    path = content / relative
    text = path.read_text("utf-8")
    assert old in text, f"fixture changed: {old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("text", ["", "\n\n", "# to be written\n", "  \n# later\n\n"])
def test_an_empty_file_is_one_message_saying_what_it_needs(content, text):
    (content / "claims" / "round-size.yaml").write_text(text, encoding="utf-8")
    assert errors_of(content) == [
        "content/claims/round-size.yaml:1:1: this file is empty: a claim needs statement, topic, "
        'status, claimant, sources, added, updated (each as "name: value" on a line of its own); '
        "copy another file of content/claims/ as a start"]


def test_an_empty_front_matter_and_an_empty_site_yaml_say_so_once(content):
    (content / "pages" / "about.md").write_text("---\n# soon\n---\nText.\n", encoding="utf-8")
    (content / "site.yaml").write_text("# the site\n", encoding="utf-8")
    assert errors_of(content) == [
        "content/pages/about.md:1:1: the front matter is empty: a page needs title, slug, summary, "
        'added, updated (each as "name: value" on a line of its own); copy another file of '
        "content/pages/ as a start",
        "content/site.yaml:1:1: this file is empty: site.yaml needs title, description, base_url, "
        "language, time_zone, publisher, authors, licence, corrections_contact, topics, statuses "
        '(each as "name: value" on a line of its own); start from the one `build.py new` writes']


ACCOUNT = ("    - source: wire\n      says: The round closed a day later.\n"
           "      date: 2018-04-10\n")


def test_a_bad_date_inside_a_dispute_is_reported_once_at_the_date(content):
    replace(content, "events/round-a.yaml", "date: 2018-04-10", "date: 2018-04-31")
    assert errors_of(content) == [
        'content/events/round-a.yaml:22:13: disputed.accounts[2].date: "2018-04-31" is impossible: '
        "April 2018 has 30 days"]


def test_a_bad_date_in_the_only_account_is_not_first_a_too_short_list(content):
    replace(content, "events/round-a.yaml", ACCOUNT, "")
    replace(content, "events/round-a.yaml", "date: 2018-04-09\nadded", "date: 2018-04-31\nadded")
    assert errors_of(content) == [
        'content/events/round-a.yaml:19:13: disputed.accounts[1].date: "2018-04-31" is impossible: '
        "April 2018 has 30 days"]
    replace(content, "events/round-a.yaml", "date: 2018-04-31\nadded", "date: 2018-04-30\nadded")
    assert errors_of(content) == [
        "content/events/round-a.yaml:17:5: disputed.accounts: needs at least 2 entries"]


def test_a_nested_entry_of_the_wrong_shape_says_what_it_must_be(content):
    replace(content, "events/round-a.yaml", ACCOUNT, "    - wire\n")
    assert errors_of(content) == [
        "content/events/round-a.yaml:20:7: disputed.accounts[2]: must be a mapping of names to "
        'values (source, says, date), each on a line of its own as "name: value", not the text '
        '"wire"']


def test_an_unknown_status_lists_the_allowed_ones_and_the_closest(content):
    replace(content, "claims/round-size.yaml", "status: confirmed", "status: debunked")
    replace(content, "claims/valuation.yaml", "topic: funding", "topic: fundng")
    assert errors_of(content) == [
        'content/claims/round-size.yaml:3:9: unknown status "debunked"; use one of: confirmed, '
        "disputed, company-claim (the statuses defined in site.yaml)",
        'content/claims/valuation.yaml:2:8: unknown topic "fundng" (did you mean "funding"?); use '
        "one of: funding, surveillance (the topics defined in site.yaml)"]


def test_an_unknown_stance_or_kind_lists_the_allowed_ones_and_the_closest(content):
    replace(content, "claims/round-size.yaml", "stance: reports", "stance: report")
    replace(content, "entities/acme.yaml", "kind: company", "kind: compny")
    assert errors_of(content) == [
        'content/claims/round-size.yaml:13:13: sources[2].stance: "report" is not allowed (did you '
        'mean "reports"?); use one of: supports, contradicts, reports, silent',
        'content/entities/acme.yaml:2:7: kind: "compny" is not allowed (did you mean "company"?); '
        "use one of: person, company, investor, government-body, police, university, outlet, "
        "organisation"]


# --- plurals: CLDR rules through Babel ---------------------------------------------------------

COUNTS = (0, 1, 2, 3, 11, 100)
EVENTS_COUNT = {   # English: one, other; French: 0 and 1 are "one"; Arabic: all six forms
    "en": ["0 events", "1 event", "2 events", "3 events", "11 events", "100 events"],
    "fr": ["0 événement", "1 événement", "2 événements", "3 événements", "11 événements",
           "100 événements"],
    "ar": ["لا أحداث", "حدث واحد", "حدثان", "3 أحداث", "11 حدثًا", "100 حدث"],
}


@pytest.mark.parametrize("language", sorted(EVENTS_COUNT))
def test_a_page_count_takes_the_languages_plural_form(language):
    assert [fill(_table(language)["events_count"], n=n) for n in COUNTS] == EVENTS_COUNT[language]


def test_a_page_count_writes_the_number_the_languages_way_and_leaves_years_alone():
    assert [fill(_table(language)["events_count"], n=12345) for language in ("en", "fr", "ar")] == [
        "12,345 events", "12\u202f345 événements", "12,345 حدثًا"]
    assert fill(_table("fr")["chart_strip_cell"], n=1000, topic="x", year=2018).count("2018") == 1


def test_counts_in_templates_go_through_the_number_filter(content):
    from engine.environment import make_environment
    site = content / "site.yaml"
    site.write_text(site.read_text("utf-8").replace("language: en", "language: fr"), "utf-8")
    validated, problems = load_and_validate(paths_for(content), NOW)
    assert validated is not None and validated.site.language == "fr", problems.items
    from engine.memory import Memory
    env = make_environment(paths_for(content), validated, {}, Memory())
    assert env.from_string("{{ 1234567 | number }}").render() == "1\u202f234\u202f567"
    # a count printed as Python writes it, as text (an attribute's value is for scripts: 1234)
    raw = re.compile(r'(?<!=")\{\{ *[a-z_.]*(count|archived)[a-z_]* *\}\}')
    for template in (ROOT / "templates").rglob("*.html"):
        assert not raw.search(template.read_text("utf-8")), template


def test_a_command_line_count_takes_the_english_plural_form():
    assert [counted(n, "{n} problem: nothing was written.", "{n} problems: nothing was written.")
            for n in COUNTS + (12345,)] == [
        "0 problems: nothing was written.", "1 problem: nothing was written.",
        "2 problems: nothing was written.", "3 problems: nothing was written.",
        "11 problems: nothing was written.", "100 problems: nothing was written.",
        "12,345 problems: nothing was written."]


@pytest.mark.parametrize("language", sorted(EVENTS_COUNT))
def test_the_home_page_counts_events_in_the_sites_language(content, tmp_path, language):
    """One event on one timeline, two on another: each strand's count in its plural form."""
    replace(content, "site.yaml", "language: en", f"language: {language}")
    (content / "timelines" / "people.yaml").write_text(
        "title: People\ndescription: Who is who.\ntopic: funding\nadded: 2026-11-01\n"
        "updated: 2026-11-01\n", encoding="utf-8")
    for event in ("cameras", "round-a"):
        replace(content, f"events/{event}.yaml", "timelines: [money]", "timelines: [people]")
    out = tmp_path / "out"
    assert build(content, out).ok
    counts = [p.get_text() for p in page(out, "").select(".strands .meta, li > p.meta")]
    assert counts == [EVENTS_COUNT[language][1], EVENTS_COUNT[language][2]]


def test_the_strict_summary_and_the_dev_error_page_count_in_the_singular(content, tmp_path):
    from engine.serve import DevSite
    from conftest import paths_for
    replace(content, "claims/round-size.yaml", "status: confirmed", "status: debunked")
    site = DevSite(paths_for(content), tmp_path / "out", NOW, drafts=False)
    site.rebuild()
    html = site.error_page().decode("utf-8")
    assert "<title>Build failed: 1 problem</title>" in html
    assert "<h1>The site could not be built: 1 problem</h1><p>Fix it and save;" in html


# --- notices ---------------------------------------------------------------------------------

def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


NOTICE = ("content/sources/wire.yaml:1:1: notice: no archived copy: `.venv/bin/python build.py "
          "archive` lists how to make one")


def test_notices_stay_out_of_the_errors_and_the_summary_unless_asked_for(content, tmp_path):
    replace(content, "claims/round-size.yaml", "status: confirmed", "status: debunked")
    error = ('content/claims/round-size.yaml:3:9: unknown status "debunked"; use one of: '
             "confirmed, disputed, company-claim (the statuses defined in site.yaml)")
    quiet = run("check", "--content", str(content), "--now", NOW)
    assert quiet.returncode == 1
    assert quiet.stderr.splitlines() == [error, "1 problem: nothing was written."]
    verbose = run("check", "--content", str(content), "--now", NOW, "--verbose")
    assert verbose.stderr.splitlines() == [error, NOTICE, "1 problem: nothing was written."]
    replace(content, "claims/round-size.yaml", "status: debunked", "status: confirmed")
    ok = run("check", "--content", str(content), "--now", NOW)
    assert (ok.returncode, ok.stderr, ok.stdout) == (0, "", "OK: 10 items valid, 40 templates read, 0 warnings.\n")
    ok = run("check", "--content", str(content), "--now", NOW, "--verbose")
    assert (ok.stderr, ok.stdout) == (NOTICE + "\n", "OK: 10 items valid, 40 templates read, 0 warnings, 1 notice.\n")
    built = run("build", "--content", str(content), "--now", NOW, "--out", str(tmp_path / "out"))
    assert built.stderr == "" and " 0 warnings. Time: " in built.stdout


# --- strings overrides with plural forms -----------------------------------------------------

def with_strings(content: Path, block: str) -> int:
    """Appends a `strings:` block to site.yaml; the number of its first line."""
    site = content / "site.yaml"
    text = site.read_text("utf-8")
    site.write_text(text + "strings:\n" + block, encoding="utf-8")
    return text.count("\n") + 2


def test_an_override_may_give_its_own_plural_forms(content, tmp_path):
    with_strings(content, '  events_count:\n    one: "{n} story"\n    other: "{n} stories"\n')
    out = tmp_path / "out"
    assert build(content, out).ok
    assert [p.get_text() for p in page(out, "").select("li > p.meta")] == ["3 stories"]


def test_plural_forms_in_overrides_are_checked_and_positioned(content):
    first = with_strings(content, (
        '  events_count:\n    one: "{n} story"\n    fewer: "{n} stories"\n'
        '  search_results:\n    one: "{n} hit"\n'
        '  chart_reports:\n    one: "{count} report"\n    other: "{n} reports"\n'
        '  search_more:\n    one: "More"\n    other: "More"\n'))
    assert errors_of(content) == [
        f'content/site.yaml:{first + 2}:5: strings.events_count: "fewer" is not a plural form '
        "(did you mean \"few\"?); the forms are named zero, one, two, few, many, other (CLDR), "
        'and "other" is required',
        f'content/site.yaml:{first + 3}:3: strings.search_results: the form "other" is missing: '
        "it is used for every count no other form is given for",
        f'content/site.yaml:{first + 6}:11: strings.chart_reports.one: "{{count}}" is not a '
        "placeholder of this string: this string can contain {n}, each written just so, with "
        "nothing else inside the braces",
        f"content/site.yaml:{first + 8}:3: strings.search_more: this string carries no count, so "
        "it has no plural forms: give one text"]


# --- every syntax error, not only the listed ones ----------------------------------------------

BROKEN_BY = list("\"'[]{}:-\t#&*!|>%@`,?\\ \n")
CLAIM_TEXT = (Path(__file__).parent / "fixtures/site/claims/round-size.yaml").read_text("utf-8")
JARGON = re.compile(r"while (scanning|parsing)|expected <|did not find|could not find|"
                    r"not allowed in this context|YAML cannot read this")


@settings(max_examples=150)
@given(st.lists(st.tuples(st.integers(0, len(CLAIM_TEXT) - 1), st.sampled_from(["insert", "delete", "replace"]),
                          st.sampled_from(BROKEN_BY)), min_size=1, max_size=3))
def test_any_slip_of_the_keyboard_is_named_in_plain_words_inside_the_file(edits):
    """Characters that matter to YAML typed, deleted or replaced anywhere in a real file: never
    a traceback, never PyYAML's own words, always a line and column inside the file."""
    text = list(CLAIM_TEXT)
    for index, how, char in edits:
        index = min(index, len(text) - 1)
        if how == "insert":
            text.insert(index, char)
        elif how == "delete":
            del text[index]
        else:
            text[index] = char
    text = "".join(text)
    problems = Problems(Path("/"))
    load_yaml_text(text, problems)
    lines = text.split("\n")
    for problem in problems.items:
        assert not JARGON.search(problem.message), problem
        assert 1 <= problem.line <= len(lines) + 1, problem
        assert 1 <= problem.column <= len(lines[problem.line - 1]) + 1 if problem.line <= len(lines) \
            else problem.column == 1, problem


def load_yaml_text(text: str, problems: Problems):
    return engine.yaml_positions.parse_yaml(text, engine.yaml_positions.Document(Path("/item.yaml"), text, None), problems)


def test_a_media_folder_from_the_browser_editor_says_why_it_is_not_published(tmp_path):
    content = copy_fixture(tmp_path)
    (content / "media").mkdir()
    (content / "media" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert [p for p in problems_of(content) if "notice:" not in p] == [
        "content/media:1:1: files uploaded in the browser editor's Media tab land here, but this "
        "site publishes no uploaded files: move the folder out of content/ (or delete it); an "
        "image the site needs goes in static/, through a developer"]
