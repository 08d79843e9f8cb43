"""Attacks on the file system (SECURITY.md, "The output folder"): an --out, a committed symlink
or a special file in content/ must never destroy, leak or hang anything.

Destructive builds run in a throw-away "repository" under tmp_path (build.py, engine/,
templates/, static/ and the fixture content copied there, with a fake .git), never in this
checkout. Each test snapshots the whole tree and asserts it is intact, byte for byte.
"""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import NOW, ROOT, copy_fixture, paths_for
from engine import outfolder
from engine.load import load_content
from engine.problems import Problems
from engine.write import StagedSite, publish
from conftest import build_site

REFUSED = ", and a build replaces its folder whole: give a new folder of its own, e.g. --out _site\n"


@pytest.fixture
def repo(tmp_path) -> Path:
    """A copy of the project to run build.py in, inside a fake home folder, with sentinels."""
    home = tmp_path / "home"
    repo = home / "repo"
    ignore = shutil.ignore_patterns("__pycache__")
    repo.mkdir(parents=True)
    shutil.copy2(ROOT / "build.py", repo / "build.py")
    for name in ("engine", "templates", "static"):
        shutil.copytree(ROOT / name, repo / name, ignore=ignore)
    copy_fixture(repo)
    (repo / ".git" / "hooks").mkdir(parents=True)
    (repo / ".git" / "config").write_text("[core]\n\tbare = false\n")
    (repo / "uncommitted-notes.txt").write_text("an editor's work in progress\n")
    (home / "diary.txt").write_text("the home folder's own file\n")
    (tmp_path / "beside.txt").write_text("a file beside the home folder\n")
    return repo


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every file (bytes), symlink ("-> target") and folder ("/") under folder."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[key] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            found[key] = "/"
        elif path.is_file():
            found[key] = path.read_bytes()
    return found


def run_build(repo: Path, *args: str, env: dict | None = None, timeout: float = 120):
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(repo.parent),
                   "PYTHONDONTWRITEBYTECODE": "1",
                   **(env or {})}
    return subprocess.run([sys.executable, "build.py", *args], cwd=repo, capture_output=True,
                          text=True, timeout=timeout, env=environment)


# --- an --out that is anything but an output folder ------------------------------------------

INPUTS = [
    ("content", "is the content folder"),
    ("content/claims", "is inside the content folder"),
    ("templates", "is the input folder templates/"),
    ("static/css", "is inside the input folder static/"),
    ("engine", "is the input folder engine/"),
    (".git", "is the input folder .git/"),
    (".git/hooks", "is inside the input folder .git/"),
    ("overrides", "is the input folder overrides/"),
]


@pytest.mark.parametrize("given, relation", INPUTS + [
    (".", "is the repository"),
    ("..", "is the home folder"),
    ("../..", "holds the repository"),
    ("/", "is /"),
])
@pytest.mark.parametrize("command", ["build", "serve"])
def test_an_out_that_is_holds_or_is_inside_what_the_build_reads_is_refused(repo, given, relation, command):
    before = tree(repo.parents[1])
    result = run_build(repo, command, "--out", given, "--now", NOW, timeout=30)
    assert (result.returncode, result.stderr) == (2, f"--out {given}: the output folder {relation}{REFUSED}")
    assert result.stdout == ""
    assert tree(repo.parents[1]) == before   # nothing read, written or deleted


@pytest.mark.parametrize("given, relation", INPUTS)
def test_a_bundle_never_adds_files_to_an_input_folder(repo, given, relation):
    before = tree(repo.parents[1])
    result = run_build(repo, "bundle", "--out", f"{given}/x.zip", "--now", NOW, timeout=30)
    assert (result.returncode, result.stderr) == (
        2, f"--out {given}/x.zip: the bundle's folder {relation}, where a bundle must not add files: give "
           "a folder of its own, e.g. --out _bundle\n")
    assert tree(repo.parents[1]) == before


def test_an_out_holding_a_content_folder_outside_the_repository_is_refused(repo, tmp_path):
    content = tmp_path / "elsewhere" / "investigation" / "content"
    shutil.copytree(repo / "content", content)
    before = tree(tmp_path)
    result = run_build(repo, "--content", str(content), "--out", str(content.parent), "--now", NOW)
    assert (result.returncode, result.stderr) == (
        2, f"--out {content.parent}: the output folder holds the content folder{REFUSED}")
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", [[], ["serve"]])
def test_a_committed_site_symlink_to_the_parent_deletes_nothing(repo, command):
    (repo / "_site").symlink_to("..")
    before = tree(repo.parents[1])
    result = run_build(repo, *command, "--now", NOW, timeout=30)
    assert (result.returncode, result.stderr) == (
        2, f"--out {repo / '_site'}: the output folder is a symlink (to ..): a build replaces its "
           "folder, so give a real folder, e.g. --out _site after removing the link\n")
    assert tree(repo.parents[1]) == before


def test_an_out_reached_through_a_symlink_inside_the_repository_is_refused(repo, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "site").mkdir(parents=True)
    (elsewhere / "site" / "index.html").write_text("someone else's")
    (repo / "public").symlink_to(elsewhere)
    before = tree(tmp_path)
    result = run_build(repo, "--out", "public/site", "--now", NOW)
    assert (result.returncode, result.stderr) == (
        2, f"--out public/site: {repo / 'public'} is a symlink inside the repository: give a folder "
           "reached without it, e.g. --out _site\n")
    assert tree(tmp_path) == before


# --- only a folder the build made is replaced ------------------------------------------------

def test_a_folder_the_build_did_not_make_is_never_replaced(repo):
    mine = repo / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("nothing to do with the site")
    before = tree(repo.parents[1])
    result = run_build(repo, "--out", "mine", "--now", NOW)
    assert (result.returncode, result.stderr) == (
        2, "--out mine: this folder is not empty and was not made by build.py (it has no "
           ".build-output file), so it is not replaced: delete it yourself if nothing in it is "
           "needed (a site built by an older version is such a folder, once), or give a new "
           "folder with --out\n")
    assert tree(repo.parents[1]) == before


def test_an_empty_folder_is_used_and_a_built_one_is_replaced_and_marked(repo):
    (repo / "_site").mkdir()
    first = run_build(repo, "--now", NOW)
    assert first.returncode == 0, first.stderr
    site = repo / "_site"
    assert (site / ".build-output").read_bytes() == outfolder.MARKER_TEXT
    assert (site / "index.html").is_file()
    _edit(repo)   # the next site differs
    second = run_build(repo, "--now", NOW)
    assert second.returncode == 0, second.stderr
    assert "Changed, " in (site / "claims" / "valuation" / "index.html").read_text()
    assert outfolder.is_ours(site)
    assert sorted(p.name for p in repo.iterdir() if p.name.startswith("._site")) == ["._site.lock"]


def test_a_staging_folder_the_build_did_not_mark_is_left_alone(tmp_path):
    out = tmp_path / "_site"
    planted = tmp_path / "._site.staging-999999999-0"   # no such process: it would look stale
    (planted / "keep").mkdir(parents=True)
    (planted / "keep" / "precious.txt").write_text("not a build's")
    publish({"index.html": _page(b"x")}, out)
    assert (planted / "keep" / "precious.txt").read_text() == "not a build's"
    assert outfolder.is_ours(out) and (out / "index.html").read_bytes() == b"x"


def test_an_unmarked_folder_is_refused_by_the_write_stage_itself(tmp_path):
    out = tmp_path / "_site"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(outfolder.OutFolderError, match="was not made by build.py"):
        StagedSite(out)
    assert [p.name for p in tmp_path.iterdir()] == ["_site"]
    assert (out / "notes.txt").read_text() == "mine"


def test_the_marker_is_not_a_change_and_a_rebuild_still_writes_nothing(tmp_path):
    out = tmp_path / "_site"
    assert publish({"a.html": _page(b"a")}, out)
    inodes = {p.name: p.stat().st_ino for p in out.iterdir()}
    assert publish({"a.html": _page(b"a")}, out) is False
    assert {p.name: p.stat().st_ino for p in out.iterdir()} == inodes


def _page(data: bytes):
    from engine.outputs import Output
    return Output("page", data)


# --- one writer at a time ---------------------------------------------------------------------

HOLD = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from engine import outfolder
with outfolder.locked(Path({out!r}), "build"):
    print("held", flush=True)
    time.sleep({seconds})
"""


def test_a_second_build_waits_for_the_first_and_both_succeed(repo):
    out = repo / "_site"
    holder = subprocess.Popen([sys.executable, "-c", HOLD.format(root=str(repo), out=str(out), seconds=1.5)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        started = time.monotonic()
        result = run_build(repo, "--now", NOW)
        waited = time.monotonic() - started
    finally:
        holder.wait(timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"waiting for another build (process {holder.pid}) writing to {out}…\n")
    assert waited >= 1 and holder.returncode == 0   # it waited for the holder, not only for itself
    assert (out / "index.html").is_file() and outfolder.is_ours(out)


def pages_of(site: Path) -> dict:
    return {k: v for k, v in tree(site).items() if "pagefind" not in k.split("/")[0]}


def test_a_build_into_the_folder_of_a_running_dev_server_fails_at_once_in_one_line(repo):
    port = _free_port()
    server = subprocess.Popen([sys.executable, "build.py", "serve", "--port", str(port), "--now", NOW],
                              cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={"PATH": os.environ.get("PATH", ""), "HOME": str(repo.parent)})
    try:
        for line in server.stdout:
            if line.startswith("Serving on"):
                break
        # the search index is written in the background: only the pages are compared
        served = pages_of(repo / "_site")
        result = run_build(repo, "--now", NOW, timeout=30)
        assert (result.returncode, result.stderr) == (
            1, f"--out {repo / '_site'}: the dev server (process {server.pid}) is writing to this "
               "folder: wait for it to finish (or stop it), or give another folder with --out\n")
        assert pages_of(repo / "_site") == served
        assert server.poll() is None   # the dev server runs on, unharmed
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_busy_lock_fails_after_the_bounded_wait(tmp_path):
    out = tmp_path / "_site"
    with outfolder.locked(out, "build"):
        with pytest.raises(outfolder.OutFolderError) as refused:
            with outfolder.locked(out, "build", wait=0.3, say=lambda *a, **k: None):
                pass
    assert refused.value.exit_code == 1
    assert str(refused.value) == (f"--out {out}: another build (process {os.getpid()}) is writing to "
                                  "this folder: wait for it to finish (or stop it), or give another "
                                  "folder with --out")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the machine fails: one line, an exit code, the previous site intact -----------------------

@contextlib.contextmanager
def tmpfs(folder: Path, size: str):
    """A small real file system at folder (root only; skips the test otherwise)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True) if os.geteuid() == 0 else None
    if mounted is None or mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def unlocked(files: dict) -> dict:
    """A tree without the lock file, which names the last process that held it."""
    return {k: v for k, v in files.items() if k != "._site.lock"}


def _fill(folder: Path) -> None:
    # unbuffered: a write cut short by the full disk leaves nothing for close() to flush (and fail on)
    with open(folder / "filler", "wb", buffering=0) as stream:
        with contextlib.suppress(OSError):
            while True:
                stream.write(b"\0" * 65536)


def _edit(repo: Path) -> None:
    """Changes one claim's statement, so the next build differs."""
    claim = repo / "content" / "claims" / "valuation.yaml"
    claim.write_text(claim.read_text().replace("statement: ", "statement: Changed, ", 1))


def test_a_full_disk_is_one_line_and_the_previous_site_stays(repo, tmp_path):
    with tmpfs(tmp_path / "disk", "8m") as disk:
        out = disk / "_site"
        assert run_build(repo, "--out", str(out), "--now", NOW).returncode == 0
        before = tree(disk)
        _fill(disk)
        _edit(repo)
        result = run_build(repo, "--out", str(out), "--now", NOW)
        assert result.returncode == 1
        assert result.stderr.endswith(f": no space left on device: free some space, then run the build "
                                      f"again; the previous site in {out} is unchanged\n")
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
        (disk / "filler").unlink()
        assert unlocked(tree(disk)) == unlocked(before)   # no staging folder left, the site as it was


def test_a_read_only_output_disk_is_one_line_and_the_previous_site_stays(repo, tmp_path):
    with tmpfs(tmp_path / "disk", "8m") as disk:
        out = disk / "_site"
        assert run_build(repo, "--out", str(out), "--now", NOW).returncode == 0
        before = tree(disk)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        _edit(repo)
        result = run_build(repo, "--out", str(out), "--now", NOW)
        assert result.returncode == 1
        assert result.stderr.endswith(f": read-only file system: give a writable folder with --out, "
                                      f"then run the build again; the previous site in {out} is unchanged\n")
        assert len(result.stderr.splitlines()) == 1
        assert unlocked(tree(disk)) == unlocked(before)


def test_a_full_disk_without_root_is_simulated_and_still_one_line(tmp_path, monkeypatch, capsys):
    import build
    content = copy_fixture(tmp_path)
    out = tmp_path / "_site"
    assert build.main(["--content", str(content), "--out", str(out), "--now", NOW]) == 0
    before = tree(tmp_path)
    _edit(tmp_path)
    capsys.readouterr()

    def full(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
    monkeypatch.setattr(Path, "write_bytes", full)
    assert build.main(["--content", str(content), "--out", str(out), "--now", NOW]) == 1
    err = capsys.readouterr().err
    assert err.endswith(f": no space left on device: free some space, then run the build again; "
                        f"the previous site in {out} is unchanged\n") and len(err.splitlines()) == 1
    assert tree(out) == {k.removeprefix("_site/"): v for k, v in before.items() if k.startswith("_site/")}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["._site.lock", "_site", "content"]


EPOCH_PROBLEM = ("SOURCE_DATE_EPOCH:1:1: this environment variable is not a build date: set it to the "
                 "seconds since 1970-01-01 UTC, digits only (e.g. `date +%s`, or `git log -1 "
                 "--format=%ct`), or unset it")


@pytest.mark.parametrize("epoch", ["soon", "1.5e9", "-86400", "99999999999999999999", "253402300800",
                                   "１７９８７６１６００"])
def test_an_unusable_source_date_epoch_is_one_problem_and_writes_nothing(tmp_path, monkeypatch, epoch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = build_site(paths_for(copy_fixture(tmp_path)), tmp_path / "_site", None)
    assert [f"{Path(p.path).name}:{p.line}:{p.column}: {p.message}" for p in result.failures] == [EPOCH_PROBLEM]
    assert not (tmp_path / "_site").exists()


def test_an_unusable_source_date_epoch_is_one_problem_never_a_traceback(repo):
    """Each command that reads the date, run as an editor would; the values are tried above."""
    assert run_build(repo, "--now", NOW).returncode == 0
    before = tree(repo / "_site")
    for command, epoch in [([], "soon"), (["check"], "1.5e9"), (["bundle", "--out", "_bundle"], "-1")]:
        result = run_build(repo, *command, env={"SOURCE_DATE_EPOCH": epoch})
        assert result.returncode == 1 and "Traceback" not in result.stderr, (command, epoch)
        assert result.stderr.splitlines()[0] == EPOCH_PROBLEM
    assert tree(repo / "_site") == before and not (repo / "_bundle").exists()


# --- content leaves content/ through nothing ---------------------------------------------------

def _problems(content: Path) -> list[str]:
    problems = Problems(content.parent)
    load_content(content, problems)
    return [str(p) for p in problems.items]


def test_a_symlinked_pages_folder_publishes_nothing_from_outside(repo, tmp_path):
    outside = tmp_path / "outside" / "pages"
    outside.mkdir(parents=True)
    (outside / "leak.md").write_text("---\ntitle: LEAKED-PAGE\nslug: leak\nsummary: x\n"
                                     "added: 2026-01-01\nupdated: 2026-01-01\n---\nLEAKED-BODY\n")
    shutil.rmtree(repo / "content" / "pages")
    (repo / "content" / "pages").symlink_to(outside)
    result = run_build(repo, "--now", NOW)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "content/pages:1:1: this symlink points outside content/: copy the folder in instead")
    assert "LEAKED" not in result.stdout + result.stderr and not (repo / "_site").exists()


def test_a_symlinked_site_yaml_is_not_read(repo, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text('title: "SECRET-VALUE\nbase_url: [SECRET-TOO\n')
    (repo / "content" / "site.yaml").unlink()
    (repo / "content" / "site.yaml").symlink_to(secret)
    for command in ([], ["check"]):
        result = run_build(repo, *command, "--now", NOW)
        assert result.returncode == 1
        assert result.stderr.splitlines()[0] == (
            "content/site.yaml:1:1: this symlink points outside content/: copy the file in instead")
        assert "SECRET" not in result.stdout + result.stderr
    assert not (repo / "_site").exists()


def test_a_fifo_in_content_is_refused_at_once_and_never_opened(repo):
    os.mkfifo(repo / "content" / "claims" / "hang.yaml")
    os.mkfifo(repo / "content" / "site-notes")
    started = time.monotonic()
    result = run_build(repo, "check", "--now", NOW, timeout=30)
    assert time.monotonic() - started < 20
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "content/claims/hang.yaml:1:1: this is a named pipe (FIFO), not a text file: content/ holds "
        "only folders and text files; remove it",
        "content/site-notes:1:1: this is a named pipe (FIFO), not a text file: content/ holds only "
        "folders and text files; remove it"]


def test_a_fifo_site_yaml_and_sockets_and_devices_are_refused_without_reading(tmp_path):
    content = copy_fixture(tmp_path)
    (content / "site.yaml").unlink()
    os.mkfifo(content / "site.yaml")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(content / "sources" / "sock.yaml"))
    expected = ["content/site.yaml:1:1: this is a named pipe (FIFO), not a text file: content/ holds "
                "only folders and text files; remove it",
                "content/sources/sock.yaml:1:1: this is a socket, not a text file: content/ holds only "
                "folders and text files; remove it"]
    with contextlib.suppress(OSError):   # a device file needs root
        os.mknod(content / "events" / "zero.yaml", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
        expected.insert(0, "content/events/zero.yaml:1:1: this is a device file, not a text file: "
                        "content/ holds only folders and text files; remove it")
    try:
        problems = _problems(content)
    finally:
        listener.close()
    assert sorted(p for p in problems if "not a text file" in p) == sorted(expected)


def test_a_symlinked_folder_is_refused_even_inside_content_but_a_file_symlink_is_not(tmp_path):
    content = copy_fixture(tmp_path)
    (content / "pages").rename(content / ".pages-real")
    (content / "pages").symlink_to(".pages-real")
    (content / ".claims-real").mkdir()
    (content / "claims" / "valuation.yaml").rename(content / ".claims-real" / "valuation.yaml")
    (content / "claims" / "valuation.yaml").symlink_to("../.claims-real/valuation.yaml")
    problems = _problems(content)
    assert "content/pages:1:1: this folder is a symlink: content/ takes real folders only; move the " \
           "folder here instead of linking it" in problems
    assert not [p for p in problems if p.startswith("content/claims/")]


def test_the_dev_server_refuses_a_file_swapped_for_a_symlink_to_outside(tmp_path):
    from conftest import DevBuild
    content = copy_fixture(tmp_path)
    secret = tmp_path / "secret.yaml"
    builder = DevBuild(paths_for(content), tmp_path / "_site", NOW)
    assert builder.full().ok
    claim = content / "claims" / "valuation.yaml"
    secret.write_text(claim.read_text().replace("statement: ", "statement: SECRET-STATEMENT ", 1))
    claim.unlink()
    claim.symlink_to(secret)
    result = builder.update()
    assert [str(p) for p in result.failures][0] == (
        "content/claims/valuation.yaml:1:1: this symlink points outside content/: copy the file in instead")
    assert not any(b"SECRET" in p.read_bytes() for p in (tmp_path / "_site").rglob("*") if p.is_file())
