"""Content from contributors the newsroom does not fully trust cannot escape the output folder,
clobber another page, or reach outside content/."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from conftest import build, copy_fixture, problems_of
from hypothesis import given
from hypothesis import strategies as st

from engine.outputs import safe_output_path
from engine.page_model import PageModel
from engine.problems import ContentError
from engine.memory import Memory
from engine.render import Renderer, render_site

PAGE = "---\ntitle: T\nslug: {slug}\nsummary: S\nadded: 2026-11-01\nupdated: 2026-11-01\n---\nBody.\n"


@given(st.text(max_size=40))
def test_any_output_path_accepted_stays_inside_the_output_folder(tmp_path_factory, text):
    out = Path("/srv/site")
    accepted = safe_output_path(text)
    if accepted is not None:
        resolved = Path(os.path.normpath(out / accepted))
        assert resolved.is_relative_to(out) and resolved != out


@pytest.mark.parametrize("slug", ["../x", "/etc", "a\\\\b", "a/b", "''", ".", "x..y", "A"])
def test_unsafe_slugs_are_rejected_before_anything_is_written(tmp_path, slug):
    content = copy_fixture(tmp_path)
    (content / "pages/evil.md").write_text(PAGE.format(slug=slug))
    result = build(content, tmp_path / "out")
    assert not result.ok
    assert any(str(p).startswith("content/pages/evil.md:3:7: slug") for p in result.failures)
    assert not (tmp_path / "out").exists() and not (tmp_path / "x").exists()


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12))
def test_any_slug_either_fails_validation_or_builds_inside_the_output_folder(tmp_path_factory, slug):
    base = tmp_path_factory.mktemp("slug")
    content = copy_fixture(base)
    (content / "pages/any.md").write_text(PAGE.format(slug=slug.replace("\n", " ").replace("-", "-")))
    out = base / "out"
    result = build(content, out)
    written = [p.resolve() for p in out.rglob("*")] if result.ok else []
    assert all(p.is_relative_to(out.resolve()) for p in written)
    assert [p for p in base.iterdir() if p.name not in ("content", "out")] == []


def test_a_symlink_pointing_outside_content_is_refused(tmp_path):
    content = copy_fixture(tmp_path)
    secret = tmp_path / "secret.yaml"
    secret.write_text("title: secret\n")
    (content / "sources/leak.yaml").symlink_to(secret)
    assert ("content/sources/leak.yaml:1:1: this symlink points outside content/: copy the file in "
            "instead") in problems_of(content)


def test_two_pages_for_one_output_path_are_an_error_never_an_overwrite(tmp_path):
    from conftest import paths_for

    from engine.pipeline import load_and_validate
    content = copy_fixture(tmp_path)
    validated, _ = load_and_validate(paths_for(content), "2026-11-23")
    twin = PageModel(url="claims/", template="claims.html", kind="index", title="x", description="x",
                     updated=dt.date(2026, 11, 1), depends_on=frozenset({"claims/valuation"}),
                     context={"groups": [], "overview": None, "pagination": None, "status_summary": [],
                              "claims_total": 0, "status_current": None})
    from engine.model import build_pages
    with pytest.raises(ContentError) as caught:
        render_site(Renderer(paths_for(content), validated, Memory()), build_pages(validated) + [twin])
    assert [p.message for p in caught.value.problems] == [
        'two items would be written to "claims/index.html": give one of them another id or slug']
