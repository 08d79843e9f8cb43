"""What a pull request can add to the repository besides code: files a checkout must make for
itself (.venv, node_modules, __pycache__…) are refused before anything runs (SECURITY.md, "What
the repository must not carry")."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, with_decap_bundle

# Stands in for the interpreter: if make runs it, it leaves a file behind.
HOSTILE_PYTHON = "#!/bin/sh\ntouch \"$(dirname \"$0\")/../../ran\"\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   cwd=repo, check=True, capture_output=True)


def checkout_with_a_planted_venv(tmp_path: Path, commit_it: bool) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("Makefile", "requirements.txt"):
        shutil.copy(ROOT / name, repo / name)
    python = repo / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(HOSTILE_PYTHON)
    python.chmod(0o755)
    (repo / ".venv" / ".runtime").touch()   # make would otherwise try to install first
    git(repo, "init", "-q")
    git(repo, "add", "Makefile", "requirements.txt")
    if commit_it:
        git(repo, "add", "-f", ".venv")
    git(repo, "commit", "-qm", "a pull request")
    return repo


@pytest.mark.skipif(shutil.which("make") is None or shutil.which("git") is None,
                    reason="needs make and git")
def test_a_committed_venv_is_refused_before_anything_runs(tmp_path):
    repo = checkout_with_a_planted_venv(tmp_path, commit_it=True)
    result = subprocess.run(["make", "check"], cwd=repo, capture_output=True, text=True)
    assert result.returncode != 0
    assert "The repository tracks files that a checkout must make itself" in result.stdout
    assert ".venv/bin/python" in result.stdout and "git rm -r --cached" in result.stdout
    assert not (repo / "ran").exists()


@pytest.mark.skipif(shutil.which("make") is None or shutil.which("git") is None,
                    reason="needs make and git")
def test_a_venv_the_checkout_made_itself_is_used(tmp_path):
    """The same folder, not committed, is the checkout's own, and is used: so the test above
    fails if the guard goes."""
    repo = checkout_with_a_planted_venv(tmp_path, commit_it=False)
    subprocess.run(["make", "check"], cwd=repo, capture_output=True, text=True)
    assert (repo / "ran").exists()


@pytest.mark.parametrize("path", ["engine/__pycache__/cache.cpython-311.pyc", "node_modules/x/index.js",
                                  ".cache/pages.sqlite", "_site/index.html"])
def test_each_folder_a_checkout_makes_itself_is_refused_when_committed(tmp_path, path):
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(ROOT / "Makefile", repo / "Makefile")
    (repo / path).parent.mkdir(parents=True)
    (repo / path).write_text("x")
    git(repo, "init", "-q")
    git(repo, "add", "-f", "Makefile", path)
    git(repo, "commit", "-qm", "a pull request")
    result = subprocess.run(["make", "untracked-only"], cwd=repo, capture_output=True, text=True)
    assert result.returncode != 0 and path in result.stdout


def test_this_repository_tracks_none_of_them():
    result = subprocess.run(["make", "-s", "untracked-only"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


# --- issue 14's "done when": a fresh clone with hostile files ------------------------------------

NOW = "2026-12-01"


class Payload:
    """Unpickling this creates `marker`: what a hostile pickle would do instead."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def fresh_clone(base: Path) -> Path:
    """The repository's tracked files, as `git clone` would check them out."""
    repo = base / "clone"
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    (base / "beside-the-clone.txt").write_text("the parent folder's own file\n")
    with_decap_bundle(repo)   # Decap CMS for site.yaml's admin:, as `make admin-files` fetches it
    return repo


def run_build(repo: Path, *args: str) -> subprocess.CompletedProcess:
    import sys
    machine = repo.parent.with_name(repo.parent.name + "-machine")   # the user's home, outside
    env = {"PATH": "/usr/bin:/bin", "HOME": str(machine / "home"),
           "XDG_CACHE_HOME": str(machine / "xdg"), "LC_ALL": "C.UTF-8"}
    return subprocess.run([sys.executable, "build.py", "--now", NOW, *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=600)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def clean_site(tmp_path_factory):
    repo = fresh_clone(tmp_path_factory.mktemp("clean"))
    result = run_build(repo)
    assert result.returncode == 0, result.stderr
    return files_of(repo / "_site")


@pytest.mark.long
def test_a_fresh_clone_with_a_hostile_cache_builds_exactly_the_clean_site(tmp_path, clean_site):
    import pickle
    repo = fresh_clone(tmp_path)
    cache, marker = repo / ".cache", tmp_path / "PWNED"
    (cache / "cards").mkdir(parents=True)
    hostile = pickle.dumps(Payload(marker))
    import hashlib
    from engine import ENGINE_VERSION
    old_engine_store = hashlib.sha256((ROOT / "engine" / "markdown.py").read_bytes()).hexdigest()[:16]
    # where the engine before issue 14 looked for its pickled Markdown, and plausible new names
    for name in (f"markdown-{ENGINE_VERSION}-{old_engine_store}.pickle", "pages.pickle", "markdown.json",
                 "pages-0.1.0.sqlite", "last-build-0000000000000000.json"):
        (cache / name).write_bytes(hostile)
    (cache / "cards" / "home.png").write_bytes(b"\x89PNG\r\n\x1a\n<script>")
    result = run_build(repo)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    assert files_of(repo / "_site") == clean_site


def test_a_fresh_clone_with_a_committed_site_symlink_deletes_nothing(tmp_path):
    repo = fresh_clone(tmp_path)
    (repo / "_site").symlink_to("..")
    before = files_of(tmp_path)
    result = run_build(repo)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "symlink" in result.stderr
    assert files_of(tmp_path) == before


def test_a_fresh_clone_with_a_hostile_site_yaml_fails_clearly_and_writes_nothing(tmp_path):
    repo = fresh_clone(tmp_path)
    site = repo / "content" / "site.yaml"
    text = site.read_text("utf-8")
    assert "\ncorrections_contact: " in text
    text = text.replace("\ncorrections_contact: ", '\ncorrections_contact: "javascript:alert(1)"\n_was: ', 1)
    site.write_text(text + "strings:\n  events_count: \"{n.__class__} events\"\n", "utf-8")
    before = files_of(tmp_path)
    result = run_build(repo)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith("content/site.yaml:") and "corrections_contact" in line for line in lines)
    assert any(line.startswith("content/site.yaml:") and "{n.__class__}" in line for line in lines), lines
    assert not (repo / "_site").exists()
    after = files_of(tmp_path)
    # the lock beside the output folder stays (unlinking a lock file others may hold races)
    assert after.pop("clone/._site.lock", b"").endswith(b" build\n")
    assert after == before
