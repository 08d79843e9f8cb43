"""The dev server's incremental rebuilds give exactly what a clean build gives, after any
sequence of edits, additions, deletions, template, static and site changes."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from conftest import NOW, copy_fixture, paths_for
from conftest import DevBuild
from conftest import build_site


def write(path: Path, text: str, clock=[10**18]):
    """Writes and gives the file a new modification time, as an editor's save would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    clock[0] += 10**9
    os.utime(path, ns=(clock[0], clock[0]))


def replace(path: Path, old: str, new: str):
    text = path.read_text("utf-8")
    if old in text:
        write(path, text.replace(old, new, 1))


CLAIM = ("statement: A new claim {n}.\ntopic: funding\nstatus: confirmed\nclaimant: Acme\n"
         "sources:\n  - source: {source}\n    stance: supports\nnote: New [@{source}].\n"
         "added: 2026-11-0{d}\nupdated: 2026-11-0{d}\n")


def operation(name: str, base: Path, n: int):
    content = base / "content"
    if name == "edit claim":
        replace(content / "claims/valuation.yaml", "about $50m.", f"about $50m, version {n}.")
    elif name == "edit claim with an old id":
        replace(content / "claims/round-size.yaml", "raised $10m in April", f"raised $10m ({n}) in April")
    elif name == "claim status":
        replace(content / "claims/round-size.yaml", "status: confirmed", "status: disputed")
    elif name == "claim cites another source":
        replace(content / "claims/round-size.yaml", "  - source: weekly-copy", "  - source: wire")
    elif name == "claim updated date":
        replace(content / "claims/round-size.yaml", "updated: 2026-11-01", "updated: 2026-11-05")
    elif name == "edit claim note":
        replace(content / "claims/valuation.yaml", "Two reports disagree", f"Two reports ({n}) disagree")
    elif name == "note cites a source":
        replace(content / "claims/valuation.yaml", "Two reports disagree", "Two reports [@weekly-copy] disagree")
    elif name == "edit event body":
        replace(content / "events/round-a.yaml", "The round was led", f"The round ({n}) was led")
    elif name == "edit source notes":
        replace(content / "sources/weekly-copy.yaml", "Only this copy", f"Only this ({n}) copy")
    elif name == "edit event":
        replace(content / "events/round-a.yaml", "title: Acme raises its Series A",
                f"title: Acme raises its Series A ({n})")
    elif name == "event date":
        replace(content / "events/cameras.yaml", "date: 2019-10-07/2019-10-09", "date: 2014-05")
    elif name == "edit source":
        replace(content / "sources/wire.yaml", "outlet: Wire Service", f"outlet: Wire Service {n}")
    elif name == "edit entity":
        replace(content / "entities/big-fund.yaml", "name: Big Fund", f"name: Big Fund {n}")
    elif name == "relation target":
        replace(content / "entities/big-fund.yaml", "    event: round-a\n", "")
    elif name == "correction target":
        replace(content / "corrections/valuation-figure.yaml", "item: claims/valuation",
                "item: claims/round-size")
    elif name == "edit correction":
        replace(content / "corrections/valuation-figure.yaml", "given as $40m.", f"given as ${n}m.")
    elif name == "valuation joins the round":   # the funding chart gains a lane
        replace(content / "claims/valuation.yaml", "as_of: 2018-04}", "as_of: 2018-04, funding_event: round-a}")
    elif name == "figure value":
        replace(content / "claims/round-size.yaml", "value: 10000000,", f"value: {10_000_000 + n},")
    elif name == "relation kind":
        replace(content / "entities/big-fund.yaml", "kind: investor-in", "kind: partner-of")
    elif name == "add claim":
        write(content / f"claims/new-{n}.yaml", CLAIM.format(n=n, source="wire", d=n % 9 + 1))
    elif name == "delete claim":
        (content / "claims/draft-claim.yaml").unlink(missing_ok=True)
    elif name == "break a reference":
        replace(content / "events/founding.yaml", "[@wire]", "[@wyre]")
    elif name == "fix a reference":
        replace(content / "events/founding.yaml", "[@wyre]", "[@wire]")
    elif name == "draft toggle":
        replace(content / "claims/round-size.yaml", "entities: [acme]", "entities: [acme]\ndraft: true")
    elif name == "embargo toggle":
        replace(content / "events/cameras.yaml", "topic: surveillance",
                "topic: surveillance\npublish_after: 2030-01-01")
    elif name == "claim in a script the card font lacks":   # its social card becomes the site's
        replace(content / "claims/valuation.yaml", "statement: The round", "statement: 商汤 The round")
    elif name == "edit page":
        replace(content / "pages/about.md", "We track Acme", f"We follow Acme ({n})")
    elif name == "edit site":
        replace(content / "site.yaml", "title: The Acme Files", f"title: The Acme Files {n}")
    elif name == "override template":
        write(base / "overrides/templates/partials/status.html",
              f'<span class="status v{n}">{{{{ status.label }}}}</span>')
    elif name == "edit static":
        write(base / "overrides/static/style.css", f"body {{ margin: {n}px; }}")
    elif name == "add static":
        write(base / f"overrides/static/extra-{n}.txt", "x")


OPERATIONS = ["edit claim", "edit claim note", "note cites a source", "edit event body",
              "edit source notes", "edit claim with an old id", "claim status", "claim cites another source", "claim updated date",
              "edit event", "event date", "edit source", "edit entity", "relation target",
              "correction target", "edit correction", "valuation joins the round", "figure value",
              "relation kind", "add claim", "delete claim", "break a reference",
              "fix a reference", "draft toggle", "embargo toggle", "claim in a script the card font lacks",
              "edit page", "edit site",
              "override template", "edit static", "add static"]


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.long
@settings(max_examples=20)
@given(st.lists(st.sampled_from(OPERATIONS), min_size=1, max_size=6))
def test_incremental_output_equals_a_clean_build_after_every_step(tmp_path_factory, steps):
    base = tmp_path_factory.mktemp("incremental")
    copy_fixture(base)
    (base / "overrides").mkdir()
    paths = paths_for(base / "content", base / "overrides")
    dev = DevBuild(paths, base / "dev", NOW)
    assert dev.update().ok
    for n, name in enumerate(steps, 1):
        operation(name, base, n)
        incremental = dev.update()
        clean_out = base / f"clean-{n}"
        clean = build_site(paths, clean_out, NOW, dev=True, workers=1)
        assert incremental.ok == clean.ok, (name, incremental.failures, clean.failures)
        if clean.ok:
            assert {p: o.data for p, o in dev.files.items()} == {p: o.data for p, o in clean.files.items()}, name
            assert tree(base / "dev") == tree(clean_out), name
        else:
            assert {str(p) for p in incremental.failures} <= {str(p) for p in clean.failures} | {
                str(p) for p in clean.problems.items}, name
        shutil.rmtree(clean_out, ignore_errors=True)


def test_an_edit_re_renders_only_the_pages_made_from_it(tmp_path):
    copy_fixture(tmp_path)
    dev = DevBuild(paths_for(tmp_path / "content"), tmp_path / "dev", NOW)
    assert dev.update().ok
    before = {path: output.data for path, output in dev.files.items()}
    operation("edit source", tmp_path, 7)
    assert dev.update().ok
    changed = sorted(path for path, output in dev.files.items() if before.get(path) != output.data)
    assert "sources/wire/index.html" in changed and "claims/valuation/index.html" in changed
    assert "claims/round-size/index.html" not in changed    # does not cite the wire
    assert "entities/big-fund/index.html" not in changed


def test_a_note_edit_re_renders_only_its_own_page_and_a_listing_edit_every_list(tmp_path):
    copy_fixture(tmp_path)
    dev = DevBuild(paths_for(tmp_path / "content"), tmp_path / "dev", NOW)
    assert dev.update().ok
    rendered: list[str] = []
    render = dev.renderer.pages
    dev.renderer.pages = lambda pages, *args: rendered.extend(p.output_path for p in pages) or render(pages, *args)

    def rendered_after(operation_name: str) -> set[str]:
        rendered.clear()
        operation(operation_name, tmp_path, 3)
        assert dev.update().ok
        return set(rendered)

    # the note is shown on the claim's page only; pages that list the claim are not rendered
    assert rendered_after("edit claim note") == {"claims/valuation/index.html"}
    # the statement is shown wherever the claim is listed
    assert {"claims/valuation/index.html", "claims/index.html", "sources/wire/index.html",
            "events/round-a/index.html", "corrections/index.html", "index.html"} <= rendered_after("edit claim")


def test_the_dev_server_previews_drafts_only_when_asked(tmp_path):
    copy_fixture(tmp_path)
    paths = paths_for(tmp_path / "content")
    assert DevBuild(paths, tmp_path / "plain", NOW).update().ok
    assert not (tmp_path / "plain/claims/draft-claim/index.html").exists()
    assert DevBuild(paths, tmp_path / "drafts", NOW, drafts=True).update().ok
    assert (tmp_path / "drafts/claims/draft-claim/index.html").is_file()
    assert (tmp_path / "drafts/events/embargoed/index.html").is_file()


def test_in_the_background_mode_the_data_and_index_follow_the_pages(tmp_path):
    """The dev server renders an edit's pages first and leaves the whole-dataset files and the
    search index for just after the reload; once refreshed, everything equals a clean build."""
    copy_fixture(tmp_path)
    paths = paths_for(tmp_path / "content")
    dev = DevBuild(paths, tmp_path / "dev", NOW, index_in_background=True)
    assert dev.update().ok
    dev.refresh_data()
    dev.refresh_search_index()
    operation("edit claim", tmp_path, 5)
    assert dev.update().ok and dev.data_stale and dev.index_stale
    clean = build_site(paths, tmp_path / "clean", NOW, dev=True, workers=1)
    assert dev.files["claims/valuation/index.html"].data == clean.files["claims/valuation/index.html"].data
    assert dev.files["data/claims.json"].data != clean.files["data/claims.json"].data   # not yet
    dev.refresh_data()
    dev.refresh_search_index()
    assert not dev.data_stale and not dev.index_stale
    assert tree(tmp_path / "dev") == tree(tmp_path / "clean")


def test_the_dev_server_says_which_file_changed_how_many_pages_and_what_was_refreshed(tmp_path, capsys):
    """Issue 15: not "rebuilt: 1038 files" (the whole site) but the edited file, site-relative,
    the few pages re-rendered, and each derived output refreshed with its time."""
    import re

    from engine.serve import DevSite
    copy_fixture(tmp_path)
    site = DevSite(paths_for(tmp_path / "content"), tmp_path / "dev", NOW, drafts=False)
    site.refresh_index = lambda: None   # the data and search index after the reload: not here
    site.rebuild()
    first = capsys.readouterr().out
    total = int(re.fullmatch(r"built (\d+) pages \(load \d+ ms, .*\)\n", first).group(1))
    assert total > 20
    operation("edit claim note", tmp_path, 1)
    site.rebuild()
    assert re.fullmatch(r"content/claims/valuation\.yaml changed: 1 page re-rendered in \d+ ms; "
                        r"nothing else changed; 1 file written in \d+ ms\n",
                        capsys.readouterr().out)
    operation("claim updated date", tmp_path, 1)   # its listing: the lists, the sitemap, the feed
    site.rebuild()
    line = capsys.readouterr().out
    match = re.fullmatch(r"content/claims/round-size\.yaml changed: (\d+) pages re-rendered in "
                         r"\d+ ms; refreshed (.*); \d+ files written in \d+ ms\n", line)
    assert match, line
    assert 1 < int(match.group(1)) < total
    refreshed = dict(part.rsplit(" ", 2)[:2] for part in match.group(2).split(", "))
    assert {"sitemap", "feed"} <= refreshed.keys() and all(ms.isdigit() for ms in refreshed.values())
    assert site.builder.data_stale   # the data files follow just after the reload
    (tmp_path / "content/site.yaml").write_text(
        (tmp_path / "content/site.yaml").read_text("utf-8") + "\n# a comment\n", "utf-8")
    site.rebuild()
    assert re.fullmatch(rf"content/site\.yaml changed: full rebuild, {total} pages \(load .*\)\n",
                        capsys.readouterr().out)


def test_a_full_rebuild_waits_for_the_index_being_refreshed_in_the_background(content, tmp_path,
                                                                              monkeypatch):
    """The dev server indexes after the reload, in another thread, inside the output folder; a
    full rebuild replaces that folder. Started while the index is refreshed, it must wait for it:
    otherwise it walks a folder that changes under it, and the index lands in the retired site."""
    import threading

    from engine import incremental, search
    out = tmp_path / "_site"
    builder = DevBuild(paths_for(content), out, NOW, index_in_background=True)
    assert builder.full().ok
    indexing, go_on = threading.Event(), threading.Event()
    refresh = search.refresh_index

    def slow_refresh(site):
        indexing.set()
        assert go_on.wait(30)
        refresh(site)
    monkeypatch.setattr(search, "refresh_index", slow_refresh)
    rebuilder_reached: list[str] = []   # what the rebuilding thread came to first
    reached = threading.Event()
    lock = builder.output_swap

    class Watched:
        def __enter__(self):
            if threading.current_thread().name == "rebuild":
                rebuilder_reached.append("the lock")
                reached.set()
            return lock.__enter__()

        def __exit__(self, *exc):
            return lock.__exit__(*exc)
    builder.output_swap = Watched()
    publish = incremental.publish

    def watched_publish(*args, **kwargs):
        rebuilder_reached.append("writing")
        reached.set()
        return publish(*args, **kwargs)
    monkeypatch.setattr(incremental, "publish", watched_publish)

    indexer = threading.Thread(target=builder.refresh_search_index)
    indexer.start()
    assert indexing.wait(30)
    results = []
    rebuilder = threading.Thread(target=lambda: results.append(builder.full()), name="rebuild")
    rebuilder.start()
    assert reached.wait(60)
    assert rebuilder_reached == ["the lock"]   # not "writing": it waits while the index is made
    go_on.set()
    indexer.join(60)
    rebuilder.join(60)
    assert rebuilder_reached == ["the lock", "writing"]
    assert results and results[0].ok, results and results[0].failures
    assert (out / search.INDEX_FOLDER).is_dir() or builder.index_stale
    assert not list(out.glob(".pagefind-*"))
