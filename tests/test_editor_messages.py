"""Messages an editor can act on (issue 15): every YAML syntax error PyYAML or libyaml can raise
is named at the real line and column, in plain words, with what to type instead; an empty file
is one message; a nested error is reported once, at its innermost cause; an unknown vocabulary
value lists the allowed ones; counts follow each language's plural rules; notices stay out of
the report unless asked for."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import problems_of
from engine.load import load_markdown, load_yaml
from engine.problems import Problems

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
        'this "{" is never closed: end the list on the same line with "}", entries separated by commas'),
    'unclosed flow seq eof': ('a: [1, 2', 1, 4,
        'this "[" is never closed: end the list on the same line with "]", entries separated by commas'),
    'stray dash': ('a: 1\n- b\n', 2, 1,
        'a list entry ("- ") where a name was expected: indent it under the name it belongs to, whose colon then ends its line'),
    'stray colon': (': x\n', 1, 1,
        'a line cannot start with a colon: write the name before it'),
    'block scalar indent': ('a: |\n    one\n  two\nb: 1\n', 3, 3,
        'this line is indented less than the text block above (which starts on line 2, indented by 4 spaces): indent every line of a | or > block at least as much as its first line'),
    'block scalar bad header': ('a: |x\n  one\n', 1, 5,
        'after | or > only - or + and an indentation digit may follow on the same line: move the text to the next line, indented'),
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
        'lines starting with "%" are YAML directives, which content files do not use: remove the line'),
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
}


def problems_in(path: Path, text: str, page: bool = False) -> list[str]:
    path.write_text(text, encoding="utf-8")
    problems = Problems(path.parent)
    (load_markdown if page else load_yaml)(path, problems)
    return [str(problem) for problem in problems.items]


@pytest.mark.parametrize("name", sorted(YAML_CASES))
def test_each_yaml_syntax_error_is_named_where_it_is_in_plain_words(tmp_path, name):
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
        'content/events/round-a.yaml:21:13: disputed.accounts[2].date: "2018-04-31" is impossible: '
        "April 2018 has 30 days"]


def test_a_bad_date_in_the_only_account_is_not_first_a_too_short_list(content):
    replace(content, "events/round-a.yaml", ACCOUNT, "")
    replace(content, "events/round-a.yaml", "date: 2018-04-09\nadded", "date: 2018-04-31\nadded")
    assert errors_of(content) == [
        'content/events/round-a.yaml:18:13: disputed.accounts[1].date: "2018-04-31" is impossible: '
        "April 2018 has 30 days"]
    replace(content, "events/round-a.yaml", "date: 2018-04-31\nadded", "date: 2018-04-30\nadded")
    assert errors_of(content) == [
        "content/events/round-a.yaml:16:5: disputed.accounts: needs at least 2 entries"]


def test_a_nested_entry_of_the_wrong_shape_says_what_it_must_be(content):
    replace(content, "events/round-a.yaml", ACCOUNT, "    - wire\n")
    assert errors_of(content) == [
        "content/events/round-a.yaml:19:7: disputed.accounts[2]: must be a mapping of names to "
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
        'mean "reports"?); use one of: supports, contradicts, reports',
        'content/entities/acme.yaml:2:7: kind: "compny" is not allowed (did you mean "company"?); '
        "use one of: person, company, investor, government-body, police, university, outlet, "
        "organisation"]
