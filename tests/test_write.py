"""The output folder only ever holds a whole build: swapped in at once, unchanged files linked."""
from __future__ import annotations

import os

import pytest

from engine.outputs import Output
from engine.write import StagedSite, publish


def files(pages: dict[str, str]) -> dict[str, Output]:
    return {path: Output("page", text.encode()) for path, text in pages.items()}


def test_publish_swaps_in_a_whole_new_site(tmp_path):
    out = tmp_path / "_site"
    assert publish(files({"index.html": "one", "old.html": "gone"}), out)
    assert publish(files({"index.html": "two", "new.html": "new"}), out)
    assert sorted(p.name for p in out.iterdir()) == [".build-output", "index.html", "new.html"]
    assert (out / "index.html").read_text() == "two"
    assert out.is_dir() and not out.is_symlink()
    assert [p.name for p in tmp_path.iterdir()] == ["_site"]  # no staging folders left behind


def test_a_rebuild_that_changes_nothing_writes_nothing(tmp_path):
    out = tmp_path / "_site"
    publish(files({"a.html": "same", "b.html": "same too"}), out)
    before = {p.name: p.stat().st_ino for p in out.iterdir()}
    assert publish(files({"a.html": "same", "b.html": "same too"}), out) is False
    assert {p.name: p.stat().st_ino for p in out.iterdir()} == before


def test_unchanged_files_are_hard_linked_not_rewritten(tmp_path):
    out = tmp_path / "_site"
    publish(files({"a.html": "kept", "b.html": "old"}), out)
    inode = (out / "a.html").stat().st_ino
    publish(files({"a.html": "kept", "b.html": "new"}), out)
    assert (out / "a.html").stat().st_ino == inode
    assert (out / "b.html").read_text() == "new"


def test_a_failed_write_leaves_the_previous_site_intact(tmp_path, monkeypatch):
    out = tmp_path / "_site"
    publish(files({"index.html": "good"}), out)

    def broken_write(self, data):
        raise OSError("disk full")
    monkeypatch.setattr("pathlib.Path.write_bytes", broken_write)
    with pytest.raises(OSError):
        publish(files({"index.html": "half"}), out)
    assert (out / "index.html").read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["_site"]


@pytest.mark.parametrize("path", ["../escape.html", "/etc/passwd", "a\\b.html", "a/../../b", "", "a\x00b"])
def test_paths_outside_the_output_folder_are_refused(tmp_path, path):
    with pytest.raises(ValueError, match="outside the output folder"):
        publish({path: Output("page", b"x")}, tmp_path / "_site")
    assert not (tmp_path / "escape.html").exists()


def test_a_stale_staging_folder_from_a_killed_build_is_removed(tmp_path):
    out = tmp_path / "_site"
    stale = tmp_path / "._site.staging-99999-0"
    (stale / "claims").mkdir(parents=True)
    (stale / ".build-output").write_text("marked as every staging folder is")
    publish(files({"index.html": "x"}), out)
    assert not stale.exists() and os.listdir(tmp_path) == ["_site"]


def test_a_killed_builds_folder_is_removed_though_its_number_now_belongs_to_another_process(tmp_path):
    """Process numbers are reused: a live process that started after the folder last changed
    is not the build that left it (a long test run saw exactly this)."""
    import subprocess
    import time
    out = tmp_path / "_site"
    stale = tmp_path / "._site.staging-PID-0"
    (stale / "claims").mkdir(parents=True)
    (stale / ".build-output").write_text("marked as every staging folder is")
    past = time.time() - 30
    os.utime(stale, (past, past))                      # the killed build's last write, 30 s ago
    newcomer = subprocess.Popen(["sleep", "30"])       # started now, under some number
    try:
        reused = stale.rename(tmp_path / f"._site.staging-{newcomer.pid}-0")
        os.utime(reused, (past, past))
        owned = tmp_path / f"._site.staging-{os.getppid()}-0"   # a process older than its folder
        (owned / "x").mkdir(parents=True)
        (owned / ".build-output").write_text("marked")
        publish(files({"index.html": "x"}), out)
        assert not reused.exists()
        assert owned.exists()                          # a running build's folder is left alone
    finally:
        newcomer.kill()
        newcomer.wait()


def test_a_staged_site_left_uncommitted_leaves_the_output_as_it_was(tmp_path):
    out = tmp_path / "_site"
    publish(files({"index.html": "good"}), out)
    with StagedSite(out) as site:
        site.add("index.html", b"half")
        site.add("new/page.html", b"half")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [".build-output", "index.html"]
    assert (out / "index.html").read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["_site"]


def tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def processes_working_in(folder) -> list[str]:
    """Command lines of running processes that name `folder` (a Pagefind left indexing it)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                command = open(f"/proc/{entry.name}/cmdline", "rb").read().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if str(folder) in command and "pytest" not in command:
                found.append(command)
    return found


def indexers_started(monkeypatch) -> list:
    """Every Pagefind run (engine.search.Indexing) a test starts."""
    from engine import search
    started, real = [], search.Indexing.__init__
    monkeypatch.setattr(search.Indexing, "__init__", lambda self, *a: started.append(self) or real(self, *a))
    return started


def all_ended(indexers) -> bool:
    """Each was waited for or stopped (its log closed), and its process is gone."""
    return all(run._log.closed and run.process.returncode is not None for run in indexers)


def test_a_streaming_build_keeps_no_bytes_and_writes_what_an_in_memory_build_writes(tmp_path, monkeypatch):
    from conftest import NOW, copy_fixture, paths_for
    from conftest import build_site
    content = copy_fixture(tmp_path)
    indexers = indexers_started(monkeypatch)
    streamed = build_site(paths_for(content), tmp_path / "streamed", NOW, workers=1, in_memory=False)
    kept = build_site(paths_for(content), tmp_path / "kept", NOW, workers=1)
    assert streamed.ok and kept.ok and streamed.written
    assert all(output.data is None for output in streamed.files.values())
    assert streamed.files.keys() == kept.files.keys()
    assert [output.kind for output in streamed.files.values()] == [output.kind for output in kept.files.values()]
    assert tree(tmp_path / "streamed") == tree(tmp_path / "kept")
    again = build_site(paths_for(content), tmp_path / "streamed", NOW, workers=1, in_memory=False)
    assert again.ok and not again.written   # the same site: the output is left as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "kept", "streamed"]
    assert processes_working_in(tmp_path) == []   # the index started early was stopped
    assert len(indexers) == 3 and all_ended(indexers)


def test_a_streaming_build_that_fails_after_writing_pages_leaves_the_output_as_it_was(tmp_path, monkeypatch):
    from conftest import NOW, copy_fixture, paths_for
    from engine import export
    from conftest import build_site
    from engine.problems import ContentError, Problem
    content = copy_fixture(tmp_path)
    out = tmp_path / "_site"
    assert build_site(paths_for(content), out, NOW, workers=1, in_memory=False).ok
    before = tree(out)
    (content / "claims" / "valuation.yaml").write_text(
        (content / "claims" / "valuation.yaml").read_text().replace("statement: ", "statement: Changed, ", 1))

    def failing(*args, **kwargs):   # after every page has gone to the staging folder
        raise ContentError([Problem("data", 1, 1, "the export failed")])
    monkeypatch.setattr(export, "cite_files", failing)
    indexers = indexers_started(monkeypatch)
    result = build_site(paths_for(content), out, NOW, workers=1, in_memory=False)
    assert [p.message for p in result.failures] == ["the export failed"]
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site", "content"]
    assert processes_working_in(tmp_path) == []   # Pagefind, started after the pages, was stopped
    assert len(indexers) == 1 and all_ended(indexers)
