"""Templates are compiled once per process (engine/compiled_templates.py): a second build
compiles nothing, an edited template is compiled again and shows the edit, and the cache stays
in memory and within its bound."""
from __future__ import annotations

from jinja2 import Environment
from jinja2.bccache import Bucket

from conftest import ROOT, build, copy_fixture, page
from engine.compiled_templates import COMPILED, CompiledTemplates


def counting_compiles(monkeypatch) -> list[str]:
    compiled: list[str] = []
    original = Environment.compile

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return original(self, source, name, filename, raw, defer_init)
    monkeypatch.setattr(Environment, "compile", compile)
    return compiled


def test_a_second_build_compiles_no_template(tmp_path, monkeypatch):
    COMPILED.clear()
    compiled = counting_compiles(monkeypatch)
    assert build(copy_fixture(tmp_path / "a"), tmp_path / "a" / "_site").ok
    first = len(compiled)
    assert first > 10
    assert build(copy_fixture(tmp_path / "b"), tmp_path / "b" / "_site").ok
    assert len(compiled) == first


def test_an_edited_template_is_compiled_again_and_shows_the_edit(tmp_path, monkeypatch):
    content = copy_fixture(tmp_path)
    overrides = tmp_path / "overrides" / "templates"
    overrides.mkdir(parents=True)
    base = (ROOT / "templates" / "base.html").read_text("utf-8")
    (overrides / "base.html").write_text(base.replace("</body>", "<p id=mark>first</p></body>"), "utf-8")
    assert build(content, tmp_path / "one").ok
    assert page(tmp_path / "one", "").find(id="mark").get_text() == "first"

    compiled = counting_compiles(monkeypatch)
    (overrides / "base.html").write_text(base.replace("</body>", "<p id=mark>second</p></body>"), "utf-8")
    assert build(content, tmp_path / "two").ok
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
    """Template references are read once per text (render.referenced_templates); the error of a
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
