"""A rebuild with nothing changed reads nothing and writes nothing; any change means a build."""
from __future__ import annotations

import os

import pytest

from conftest import NOW, copy_fixture, paths_for
from engine import pipeline


@pytest.fixture
def setup(tmp_path, monkeypatch):
    content = copy_fixture(tmp_path)
    out, cache = tmp_path / "_site", tmp_path / ".cache"
    calls = []
    real = pipeline.build_site
    monkeypatch.setattr(pipeline, "build_site", lambda *a, **k: calls.append(1) or real(*a, **k))

    def run(now=NOW):
        return pipeline.build(paths_for(content), out, now, strict=False, workers=1, cache=cache)
    return content, out, run, calls


def test_nothing_changed_means_nothing_read_or_written(setup, capsys):
    content, out, run, calls = setup
    assert run() == 0 and len(calls) == 1
    inodes = {p: p.stat().st_ino for p in out.rglob("*")}
    assert run() == 0 and len(calls) == 1                  # the second build did not run
    assert "nothing read, nothing written" in capsys.readouterr().out
    assert {p: p.stat().st_ino for p in out.rglob("*")} == inodes


def test_an_edited_file_a_damaged_output_or_a_new_day_each_mean_a_build(setup):
    content, out, run, calls = setup
    run()
    claim = content / "claims/valuation.yaml"
    claim.write_text(claim.read_text() + "\n")
    os.utime(claim, ns=(10**18, 10**18))
    run()
    assert len(calls) == 2
    (out / "404.html").unlink()
    run()
    assert len(calls) == 3 and (out / "404.html").is_file()
    run(now="2027-01-01")                                   # an embargo may have passed
    assert len(calls) == 4 and (out / "events/embargoed/index.html").is_file()


def test_rendered_markdown_is_kept_between_builds_and_changes_nothing(tmp_path, monkeypatch):
    from engine import markdown
    content = copy_fixture(tmp_path)
    cache = tmp_path / ".cache"
    assert pipeline.build(paths_for(content), tmp_path / "cold", NOW, False, workers=1, cache=cache) == 0
    [kept] = cache.glob("markdown-*.pickle")
    monkeypatch.setattr(markdown, "_FRAGMENTS", {})          # a new process: an empty memory
    rendered = []
    real_parse = markdown.MARKDOWN.parse
    monkeypatch.setattr(markdown.MARKDOWN, "parse", lambda *a, **k: rendered.append(1) or real_parse(*a, **k))
    assert pipeline.build(paths_for(content), tmp_path / "warm", NOW, False, workers=1, cache=cache) == 0
    assert rendered == []                                     # every Markdown text came from the cache
    cold = {p.relative_to(tmp_path / "cold"): p.read_bytes() for p in (tmp_path / "cold").rglob("*") if p.is_file()}
    warm = {p.relative_to(tmp_path / "warm"): p.read_bytes() for p in (tmp_path / "warm").rglob("*") if p.is_file()}
    assert cold == warm
    kept.write_bytes(b"not a pickle")                        # a damaged cache is ignored, not fatal
    assert pipeline.build(paths_for(content), tmp_path / "again", NOW, False, workers=1, cache=cache) == 0
