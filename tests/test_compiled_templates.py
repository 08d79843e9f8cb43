"""Templates are compiled once per memory (engine/compiled_templates.py, engine/memory.py): a
second build with the same memory (the dev server's) compiles nothing, an edited template is
compiled again and shows the edit, and the cache stays in memory and within its bound."""
from __future__ import annotations

from jinja2 import Environment, FileSystemLoader
from jinja2.bccache import Bucket
from jinja2.parser import Parser

from conftest import ROOT, build, copy_fixture, page
from engine.compiled_templates import CompiledTemplates, SiteEnvironment, TemplateReferences, text_key
from engine.memory import Memory


def counting_compiles(monkeypatch) -> list[str]:
    compiled: list[str] = []
    original = Environment.compile

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return original(self, source, name, filename, raw, defer_init)
    monkeypatch.setattr(Environment, "compile", compile)
    return compiled


def test_a_second_build_compiles_no_template(tmp_path, monkeypatch):
    compiled, memory = counting_compiles(monkeypatch), Memory()   # nothing compiled yet
    assert build(copy_fixture(tmp_path / "a"), tmp_path / "a" / "_site", memory=memory).ok
    first = len(compiled)
    assert first > 10
    assert build(copy_fixture(tmp_path / "b"), tmp_path / "b" / "_site", memory=memory).ok
    assert len(compiled) == first
    assert build(copy_fixture(tmp_path / "c"), tmp_path / "c" / "_site", memory=Memory()).ok   # a new process
    assert len(compiled) == 2 * first


def test_an_edited_template_is_compiled_again_and_shows_the_edit(tmp_path, monkeypatch):
    content = copy_fixture(tmp_path)
    overrides = tmp_path / "overrides" / "templates"
    overrides.mkdir(parents=True)
    base = (ROOT / "templates" / "base.html").read_text("utf-8")
    (overrides / "base.html").write_text(base.replace("</body>", "<p id=mark>first</p></body>"), "utf-8")
    memory = Memory()
    assert build(content, tmp_path / "one", memory=memory).ok
    assert page(tmp_path / "one", "").find(id="mark").get_text() == "first"

    compiled = counting_compiles(monkeypatch)
    (overrides / "base.html").write_text(base.replace("</body>", "<p id=mark>second</p></body>"), "utf-8")
    assert build(content, tmp_path / "two", memory=memory).ok
    assert page(tmp_path / "two", "").find(id="mark").get_text() == "second"
    assert compiled == ["base.html"]


def test_the_cache_keeps_the_most_recently_used_within_its_bound():
    cache = CompiledTemplates(most=2)
    env = Environment()
    buckets = {}
    for name in ("a", "b", "c"):
        bucket = Bucket(env, name, "checksum")
        bucket.code = compile("x = 1", name, "exec")
        cache.dump_bytecode(bucket)
        buckets[name] = bucket
        if name == "b":
            fresh = Bucket(env, "a", "checksum")
            cache.load_bytecode(fresh)      # "a" used again: "b" is now the oldest
            assert fresh.code is not None
    for name, kept in (("a", True), ("b", False), ("c", True)):
        fresh = Bucket(env, name, "checksum")
        cache.load_bytecode(fresh)
        assert (fresh.code is not None) == kept, name
    stale = Bucket(env, "a", "another checksum")
    cache.load_bytecode(stale)
    assert stale.code is None          # a changed text never runs the old code


def test_a_syntax_error_in_an_included_template_names_its_file_and_line(tmp_path):
    """Template references are read once per text (compiled_templates.TemplateReferences); the error of a
    broken partial still names the partial's file, not "templates"."""
    content = copy_fixture(tmp_path)
    partials = tmp_path / "overrides" / "templates" / "partials"
    partials.mkdir(parents=True)
    original = (ROOT / "templates" / "partials" / "citation.html").read_text("utf-8")
    (partials / "citation.html").write_text("{# a theme's partial #}\n{% if %}\n" + original, "utf-8")
    result = build(content, tmp_path / "_site")
    assert not result.ok
    [failure] = result.failures
    assert failure.path.endswith("overrides/templates/partials/citation.html"), failure
    assert failure.line == 2 and "template error" in failure.message


def counting_parses(monkeypatch) -> list[str]:
    parsed: list[str] = []
    original = Parser.parse

    def parse(self):
        parsed.append(self.name)
        return original(self)
    monkeypatch.setattr(Parser, "parse", parse)
    return parsed


def test_a_fresh_process_parses_each_template_once(tmp_path, monkeypatch):
    """A build with nothing compiled yet (a CLI build) reads each template's text into a syntax
    tree once: the tree read for its references is the one compiled."""
    parsed = counting_parses(monkeypatch)
    compiled = counting_compiles(monkeypatch)
    assert build(copy_fixture(tmp_path), tmp_path / "_site", memory=Memory()).ok
    assert len(compiled) > 10
    assert sorted(parsed) == sorted(set(parsed)) and set(compiled) <= set(parsed)


def test_references_are_the_same_whether_a_template_was_compiled_first_or_not(tmp_path):
    """A dev rebuild and a clean build must find the same dependencies: the references noted from
    a compile's parse are those of a plain parse (taken before compiling folds constants: a name
    joined from two strings is a name computed at render time either way)."""
    source = '{% include "b" ~ ".html" %}{% include "c.html" %}{{ citation(x) }}\n'
    (tmp_path / "a.html").write_text(source, "utf-8")
    filename = str(tmp_path / "a.html")
    expected = {None, "c.html", "partials/citation.html"}
    assert TemplateReferences().of(source, "a.html", filename) == expected
    references = TemplateReferences()
    SiteEnvironment(loader=FileSystemLoader(str(tmp_path)), references=references).get_template("a.html")
    assert references.known(text_key(source, "a.html", filename))
    assert references.of(source, "a.html", filename) == expected


def test_a_new_process_whose_pages_are_all_cached_parses_no_template(tmp_path, monkeypatch):
    """The command line keeps what each template names between builds (engine/cache.py): a
    build that takes every page from the page cache reads no template into a syntax tree. An
    edited template is read again, and what it now names counts."""
    from conftest import paths_for
    from test_attack_cache import cached_build, machine
    paths = paths_for(copy_fixture(tmp_path))
    cache = tmp_path / ".cache"
    with machine(tmp_path / "xdg"):
        assert cached_build(paths, tmp_path / "first", cache) == 0
        parsed, compiled = counting_parses(monkeypatch), counting_compiles(monkeypatch)
        assert cached_build(paths, tmp_path / "second", cache, Memory()) == 0    # a new process
        # only what is written on every build (sitemap, feed, redirects...) is parsed, to compile it
        assert sorted(parsed) == sorted(compiled) and "claim.html" not in parsed

        overrides = tmp_path / "overrides" / "templates"
        (overrides / "partials").mkdir(parents=True)
        (overrides / "partials" / "extra.html").write_text("<p id=extra>theme</p>\n", "utf-8")
        base = (ROOT / "templates" / "base.html").read_text("utf-8")
        (overrides / "base.html").write_text(
            base.replace("</body>", '{% include "partials/extra.html" %}</body>'), "utf-8")
        assert cached_build(paths, tmp_path / "third", cache) == 0   # every page rendered again
        assert {"base.html", "partials/extra.html"} <= set(parsed)
        assert page(tmp_path / "third", "claims/valuation/").find(id="extra") is not None
