"""A rebuild with nothing changed reads nothing and writes nothing; any change means a build."""
from __future__ import annotations

import os

import pytest
from hypothesis import given, settings, strategies as st

from conftest import NOW, build_site, cli_build, copy_fixture, paths_for
from engine import pipeline
from test_incremental import OPERATIONS, operation, tree


@pytest.fixture
def setup(tmp_path, monkeypatch):
    content = copy_fixture(tmp_path)
    out, cache = tmp_path / "_site", tmp_path / ".cache"
    calls = []
    real = pipeline.build_site
    monkeypatch.setattr(pipeline, "build_site", lambda *a, **k: calls.append(1) or real(*a, **k))

    def run(now=NOW):
        return cli_build(paths_for(content), out, now, strict=False, workers=1, cache=cache)
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


def test_rendered_markdown_is_kept_between_builds_and_changes_nothing(tmp_path):
    from engine.memory import Memory
    content = copy_fixture(tmp_path)
    cache = tmp_path / ".cache"
    assert cli_build(paths_for(content), tmp_path / "cold", NOW, False, workers=1, cache=cache) == 0
    [kept] = cache.glob("markdown-*.json")
    for pages in cache.glob("pages-*.sqlite"):               # else no page is rendered at all
        pages.unlink()
    memory = Memory()                                         # a new process's
    assert cli_build(paths_for(content), tmp_path / "warm", NOW, False, workers=1, cache=cache,
                          memory=memory) == 0
    assert memory.fragments.used and memory.fragments.fresh == []   # every text asked for came from the cache
    cold = {p.relative_to(tmp_path / "cold"): p.read_bytes() for p in (tmp_path / "cold").rglob("*") if p.is_file()}
    warm = {p.relative_to(tmp_path / "warm"): p.read_bytes() for p in (tmp_path / "warm").rglob("*") if p.is_file()}
    assert cold == warm
    kept.write_bytes(b"not a cache")                         # a damaged cache is ignored, not fatal
    assert cli_build(paths_for(content), tmp_path / "again", NOW, False, workers=1, cache=cache) == 0


@pytest.mark.long
@settings(max_examples=15)
@given(st.lists(st.sampled_from(OPERATIONS), min_size=1, max_size=5))
def test_pages_from_the_cache_give_exactly_a_clean_build_after_any_change(tmp_path_factory, steps):
    base = tmp_path_factory.mktemp("page-cache")
    copy_fixture(base)
    (base / "overrides").mkdir()
    paths = paths_for(base / "content", base / "overrides")
    out, cache = base / "_site", base / ".cache"
    assert cli_build(paths, out, NOW, False, workers=1, cache=cache) == 0
    for n, name in enumerate(steps, 1):
        operation(name, base, n)
        code = cli_build(paths, out, NOW, False, workers=1, cache=cache)
        clean = build_site(paths, base / f"clean-{n}", NOW, workers=1)
        assert (code == 0) == clean.ok, name
        if clean.ok:
            assert tree(out) == tree(base / f"clean-{n}"), name


def test_unchanged_pages_are_not_rendered_again(tmp_path, monkeypatch, capsys):
    from engine import render
    content = copy_fixture(tmp_path)
    out, cache = tmp_path / "_site", tmp_path / ".cache"
    assert cli_build(paths_for(content), out, NOW, False, workers=1, cache=cache) == 0
    rendered = []
    real = render.render_page
    monkeypatch.setattr(render, "render_page", lambda env, page: rendered.append(page.url) or real(env, page))
    operation("edit claim note", tmp_path, 1)
    assert cli_build(paths_for(content), out, NOW, False, workers=1, cache=cache) == 0
    # the edited claim's page and the pages that list it (the cache keys on whole files); not the rest
    assert "claims/valuation/" in rendered and "claims/" in rendered
    assert not {"claims/round-size/", "entities/big-fund/", "timeline/", "404.html"} & set(rendered)
    assert "pages unchanged since the last build were not rendered again" in capsys.readouterr().out


def test_a_run_with_nothing_to_build_still_removes_what_killed_builds_left(setup, tmp_path, capsys):
    """A build killed after it had finished its work leaves the output up to date, so the next
    run builds nothing; the staging folders of builds killed before it must go all the same."""
    import build as build_py
    from engine import outfolder
    content, out, run, calls = setup
    for attempt in range(2):   # through the engine, then through the command line
        assert run() == 0
        stale = tmp_path / f"._site.staging-99999999-{attempt}"   # no such process
        stale.mkdir()
        outfolder.mark(stale)
        planted = tmp_path / f"._site.staging-99999999-planted-{attempt}"   # not a build's
        planted.mkdir()
        if attempt == 0:
            assert run() == 0 and len(calls) == 1
        else:
            assert build_py.main(["build", "--content", str(content), "--out", str(out), "--now", NOW]) == 0
            assert build_py.main(["build", "--content", str(content), "--out", str(out), "--now", NOW]) == 0
            assert "nothing read, nothing written" in capsys.readouterr().out
        assert not stale.exists() and planted.is_dir()
