"""Issue 14, validation: hostile values are refused where they enter, with the file, line and
column of the value and a message that says what to type instead (SECURITY.md, "Validation")."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings, strategies as st

from conftest import copy_fixture, problems_of
from engine import schema

CLAIM = "content/claims/valuation.yaml"


def _edit(path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def _errors(content, prefix: str) -> list[str]:
    return [p for p in problems_of(content) if p.startswith(prefix)]


# --- invisible characters -------------------------------------------------------------------

INVISIBLE = "contains the invisible character {}, which readers cannot see and which breaks the " \
            "feed and the data files: delete it (if your editor does not show it, retype the text " \
            "around it)"
BIDI = "contains the invisible character {}, which changes the order in which the text around it " \
       "is shown, so readers would see something other than what is written; the site sets the " \
       "direction of Arabic or Hebrew text itself: delete it (if your editor does not show it, " \
       "retype the text around it)"


@pytest.mark.parametrize("raw, written, column, name, message", [
    # a bidi override typed as itself: the column is the character's own
    ("The round\u202e valued", "The round\u202e valued", 21, "U+202E (RIGHT-TO-LEFT OVERRIDE)", BIDI),
    ("The round\u2066 valued", "The round\u2066 valued", 21, "U+2066 (LEFT-TO-RIGHT ISOLATE)", BIDI),
    # escapes in a quoted value: no character to point at, so the value's own column
    ("ESC", '"The \\e[31mround"', 12, "U+001B (ESCAPE)", INVISIBLE),
    ("NUL", '"The \\0 round"', 12, "U+0000 (NULL)", INVISIBLE),
    ("FF", '"The \\f round"', 12, "U+000C (FORM FEED)", INVISIBLE),
    ("C1", '"The \\x9b round"', 12, "U+009B (a control character)", INVISIBLE),
    ("lone CR", '"The \\r round"', 12, "U+000D (CARRIAGE RETURN)", INVISIBLE),
    ("noncharacter", '"The \\uFFFE round"', 12, "U+FFFE (a control character)", INVISIBLE),
])
def test_control_and_bidi_characters_in_a_text_field_are_refused_at_their_position(
        tmp_path, raw, written, column, name, message):
    content = copy_fixture(tmp_path)
    _edit(content / "claims/valuation.yaml", "The round valued Acme at about $50m.", written)
    assert _errors(content, CLAIM) == [f"{CLAIM}:1:{column}: statement: {message.format(name)}"]


def test_bidi_overrides_are_refused_in_every_kind_of_text(tmp_path):
    """Markdown bodies, lists of text, nested fields, site.yaml and a page's front matter."""
    content = copy_fixture(tmp_path)
    rlo = "\u202e"
    _edit(content / "pages/about.md", "We track Acme", f"We track {rlo}Acme")
    _edit(content / "pages/about.md", "title: About", f"title: {rlo}About")
    _edit(content / "site.yaml", "name: Ada Reporter", f"name: Ada {rlo}Reporter")
    _edit(content / "claims/valuation.yaml", "reason: First published.", f"reason: First{rlo} published.")
    _edit(content / "sources/wire.yaml", "title: ", f"title: {rlo}")
    assert not [p for p in problems_of(content) if "needs at least" in p]  # the entry says why
    assert [p for p in problems_of(content) if "U+202E" in p] == [
        f"{where}: {field}: {BIDI.format('U+202E (RIGHT-TO-LEFT OVERRIDE)')}" for where, field in (
            ("content/site.yaml:11:15", "authors[1].name"),
            ("content/claims/valuation.yaml:20:18", "history[1].reason"),
            ("content/pages/about.md:2:8", "title"),
            ("content/pages/about.md:10:10", "body"),
            ("content/sources/wire.yaml:1:8", "title"))]


def _refused(text: str) -> bool:
    """The rule, stated independently of the engine's regular expression."""
    for index, char in enumerate(text):
        if char == "\r" and text[index + 1:index + 2] == "\n":
            continue
        if (unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\n") \
                or char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufffe\uffff":
            return True
    return False


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(codec=None), max_size=30)
       | st.text(alphabet="ab \t\n\r\x00\x1b\x7f\x85\x9f\u200e\u200f\u202e\u2066\u2069\ufeff\ufffe\ud800",
                 max_size=12))
def test_any_text_is_accepted_exactly_when_it_has_no_refused_character(text):
    from pydantic import ValidationError
    value = text + "."   # never empty
    try:
        schema.Topic(id="t", label="x", description=value)
        accepted = True
    except ValidationError as error:
        # pydantic itself refuses lone surrogates (neither YAML nor UTF-8 files can carry them)
        assert [e["type"] for e in error.errors()] in (["invisible_character"], ["string_unicode"])
        accepted = False
    # Text strips the ends first, of Unicode's White_Space (pydantic's), not Python's isspace
    white_space = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" \
                  "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    assert accepted == (not _refused(value.strip(white_space)))


def test_arabic_text_and_its_direction_marks_stay_allowed(tmp_path):
    content = copy_fixture(tmp_path)
    _edit(content / "claims/valuation.yaml", "The round valued Acme at about $50m.",
          "قيّمت الجولة \u200fأكمي\u200e بنحو 50 مليون\u200c دولار\u061c.")
    assert _errors(content, CLAIM) == []


def test_a_control_character_in_a_markdown_body_names_its_line_and_column(tmp_path):
    content = copy_fixture(tmp_path)
    _edit(content / "pages/about.md", "A note[^n].", "A \x1b[2Jnote[^n].")
    assert _errors(content, "content/pages/about.md") == [
        "content/pages/about.md:16:3: body: " + INVISIBLE.format("U+001B (ESCAPE)")]


# --- numbers --------------------------------------------------------------------------------

@pytest.mark.parametrize("written, message", [
    (".nan", "nan is not a number the site can show: write the figure in digits, e.g. 600000000"),
    (".inf", "inf is not a number the site can show: write the figure in digits, e.g. 600000000"),
    ("-.inf", "-inf is not a number the site can show: write the figure in digits, e.g. 600000000"),
    ("1.0e+400", "inf is not a number the site can show: write the figure in digits, e.g. 600000000"),
    ("1.0e+30", "1e+30 is too large: figures must be below 1e15 (a thousand trillion); check for "
                "extra zeros, or give a unit such as million"),
    ("1000000000000000", "1e+15 is too large: figures must be below 1e15 (a thousand trillion); "
                         "check for extra zeros, or give a unit such as million"),
])
def test_figures_that_cannot_be_printed_are_refused(tmp_path, written, message):
    content = copy_fixture(tmp_path)
    _edit(content / "claims/valuation.yaml", "value: 50000000", f"value: {written}")
    assert _errors(content, CLAIM) == [f"{CLAIM}:8:21: sources[1].figure.value: {message}"]


def test_a_huge_order_is_refused_with_a_message(tmp_path):
    content = copy_fixture(tmp_path)
    _edit(content / "pages/about.md", "order: 2", "order: 100000000000000000000")
    assert _errors(content, "content/pages/about.md") == [
        "content/pages/about.md:5:8: order: 1e+20 is too large: numbers must be below 1e15 (a "
        "thousand trillion)"]


def test_a_number_too_long_to_read_is_an_error_not_a_traceback(tmp_path):
    content = copy_fixture(tmp_path)
    _edit(content / "pages/about.md", "order: 2", "order: " + "9" * 5000)
    assert _errors(content, "content/pages/about.md") == [
        "content/pages/about.md:5:8: this number has 5,000 digits, too many to read: numbers must "
        "be below 1e15 (a thousand trillion); put it in quotes if it is meant as text"]


def test_deep_nesting_in_a_page_front_matter_is_an_error_at_its_line(tmp_path):
    content = copy_fixture(tmp_path)
    _edit(content / "pages/about.md", "order: 2", "order: " + "{a: " * 1000 + "}" * 1000)
    assert _errors(content, "content/pages/about.md") == [
        "content/pages/about.md:5:132: this value is nested more than 32 levels deep, the limit "
        "for content files: no field needs more than a few levels; check the indentation and "
        "the brackets"]


# --- nesting and sizes ----------------------------------------------------------------------

DEEP = ("content/claims/valuation.yaml:{line}:{column}: this value is nested more than 32 levels "
        "deep, the limit for content files: no field needs more than a few levels; check the "
        "indentation and the brackets")


@pytest.mark.parametrize("levels", [500, 100_000])
def test_deeply_nested_flow_yaml_is_an_error_not_a_crash(tmp_path, levels):
    """100,000 levels (200 KB) crashed the build with a segfault; 500 ended in a RecursionError."""
    content = copy_fixture(tmp_path)
    _edit(content / "claims/valuation.yaml", "added:", "extra: " + "[" * levels + "]" * levels + "\nadded:")
    assert _errors(content, CLAIM) == [DEEP.format(line=24, column=39)]


def test_deeply_nested_block_yaml_is_an_error_at_the_first_level_too_deep(tmp_path):
    content = copy_fixture(tmp_path)
    block = "".join(f"\n{'  ' * (level + 1)}k{level}:" for level in range(40)) + " x"
    _edit(content / "claims/valuation.yaml", "added:", "extra:" + block + "\nadded:")
    # the file's mapping is level 1, extra's 2: the one holding k31 is level 33
    assert _errors(content, CLAIM) == [DEEP.format(line=56, column=65)]


def test_nesting_up_to_the_limit_is_read(tmp_path):
    content = copy_fixture(tmp_path)
    _edit(content / "claims/valuation.yaml", "added:", "extra: " + "[" * 31 + "]" * 31 + "\nadded:")
    assert _errors(content, CLAIM) == [f'{CLAIM}:24:1: unknown key "extra"; allowed here: id, added, '
                                       "updated, draft, publish_after, old_ids, statement, headline, topic, "
                                       "status, claimant, date, sources, figures_differ_because, "
                                       "note, history, events, entities"]


def test_a_list_longer_than_the_limit_is_an_error(tmp_path):
    content = copy_fixture(tmp_path)
    _edit(content / "claims/valuation.yaml", "added:", "events: [" + "a, " * 10_001 + "]\nadded:")
    assert _errors(content, CLAIM) == [
        f"{CLAIM}:24:30010: this list or mapping has more than 10,000 entries, the limit for one "
        "file: split the content into more items"]


# --- interface strings ----------------------------------------------------------------------

SITE = "content/site.yaml"


@pytest.mark.parametrize("override, column, token", [
    ("'{n:>30000000} reports'", 19, "{n:>30000000}"),
    ("'{n.__class__} reports'", 19, "{n.__class__}"),
    ("'{n[0]} reports'", 19, "{n[0]}"),
    ("'{n!r} reports'", 19, "{n!r}"),
    ("'{0} reports'", 19, "{0}"),
    ("'{} reports'", 19, "{}"),
    ("'{n} reports {'", 31, "{"),
    ("'{count} reports'", 19, "{count}"),
])
def test_a_strings_override_may_use_only_its_own_placeholders_by_name(tmp_path, override, column, token):
    content = copy_fixture(tmp_path)
    (content / "site.yaml").write_text((content / "site.yaml").read_text("utf-8")
                                       + f"strings:\n  chart_reports: {override}\n", "utf-8")
    assert _errors(content, SITE) == [
        f'{SITE}:{_last_line(content)}:{column}: strings.chart_reports: "{token}" is not a placeholder '
        "of this string: this string can contain {n}, each written just so, with nothing else "
        "inside the braces"]


def _last_line(content) -> int:
    return (content / "site.yaml").read_text("utf-8").count("\n")


def test_a_strings_override_without_placeholders_cannot_hold_braces_and_names_are_checked(tmp_path):
    content = copy_fixture(tmp_path)
    (content / "site.yaml").write_text((content / "site.yaml").read_text("utf-8") + (
        "strings:\n  last_updated: 'Revised {x.__init__.__globals__}'\n  last_update: Revised\n"),
        "utf-8")
    end = _last_line(content)
    assert _errors(content, SITE) == [
        f'{SITE}:{end - 1}:26: strings.last_updated: "{{x.__init__.__globals__}}" is not a '
        "placeholder of this string: this string has no values to fill in, so it cannot contain "
        "braces",
        f'{SITE}:{end}:3: strings: "last_update" is not an interface string (did you mean '
        '"last_updated"?): the names are those of engine/translations/en.yaml']


def test_strings_are_filled_in_by_name_only_even_past_validation(tmp_path, monkeypatch):
    """With the check switched off, a hostile override is printed as typed: nothing is evaluated
    and nothing padded."""
    from conftest import build
    import engine.validate
    monkeypatch.setattr(engine.validate, "check_overrides", lambda overrides: [])
    content = copy_fixture(tmp_path)
    (content / "site.yaml").write_text((content / "site.yaml").read_text("utf-8") + (
        "strings:\n  claim_description: '{status.__class__} {status:>3000000} {statement}'\n"),
        "utf-8")
    out = tmp_path / "out"
    assert build(content, out).ok
    html = (out / "claims/valuation/index.html").read_text("utf-8")
    assert "{status.__class__} {status:&gt;3000000} The round valued Acme at about $50m." in html
    assert "&lt;class" not in html and len(html) < 200_000


# --- links from site.yaml -------------------------------------------------------------------

@pytest.mark.parametrize("contact", ["javascript:alert(document.domain)", "JaVaScRiPt:alert(1)//x@y.z",
                                     "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                     "//evil.example/", "vbscript:msgbox", "mailto:a@b.c?x"])
def test_corrections_contact_must_be_an_email_or_a_web_address(tmp_path, contact):
    content = copy_fixture(tmp_path)
    _edit(content / "site.yaml", "corrections_contact: corrections@example.org",
          f"corrections_contact: '{contact}'")
    assert _errors(content, SITE) == [
        f"{SITE}:15:22: corrections_contact: is not an email address or a web address: write an "
        "address such as corrections@example.org, or a web page starting with https://"]


def test_the_corrections_link_is_mailto_only_for_an_email_address(tmp_path):
    from conftest import build, page
    content = copy_fixture(tmp_path)
    _edit(content / "site.yaml", "corrections_contact: corrections@example.org",
          "corrections_contact: https://social.example/@newsroom")
    assert build(content, tmp_path / "out").ok
    links = {a["href"] for a in page(tmp_path / "out", "").select("footer a")}
    assert "https://social.example/@newsroom" in links and not any("mailto" in h for h in links)


# --- reserved output paths ------------------------------------------------------------------

TAKEN = ("404, admin, assets, claims, corrections, data, entities, events, feed, index, og, "
         "pagefind, robots, search, sitemap, sources, static, timeline, timelines")


@pytest.mark.parametrize("slug", ["pagefind", "assets", "og", "admin", "data", "feed", "sitemap"])
def test_a_slug_the_outputs_write_is_refused(tmp_path, slug):
    """pagefind silently lost its page while the navigation linked it; assets got the one-year
    immutable cache header."""
    content = copy_fixture(tmp_path)
    _edit(content / "pages/about.md", "slug: about", f"slug: {slug}")
    assert _errors(content, "content/pages/about.md") == [
        f"content/pages/about.md:3:7: slug \"{slug}\" is taken by the site's own pages and files; "
        f"choose another (taken: {TAKEN})"]


def test_every_top_level_name_a_full_build_writes_is_declared_reserved(tmp_path):
    """A later output that forgets to declare its folder in outputs.TOP_LEVEL fails here."""
    from conftest import build
    from engine.validate import reserved_names
    content = copy_fixture(tmp_path)
    with (content / "site.yaml").open("a", encoding="utf-8") as site:
        site.write("\nadmin:\n  backend: git-gateway\n  branch: main\n")
    out = tmp_path / "out"
    result = build(content, out)
    assert result.ok, result.failures
    written = {path.name for path in out.iterdir()}
    assert {"admin", "pagefind", "og", "data", "assets", "feed.xml"} <= written
    pages = {"about"}   # the fixture's one published Markdown page
    # Dot-files (the build's own marks) cannot clash: a slug never starts with a dot.
    assert sorted(name for name in written - pages if not name.startswith(".")
                  and name not in reserved_names()) == []
