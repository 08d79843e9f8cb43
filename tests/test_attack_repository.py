"""What a pull request can add to the repository besides code: files a checkout must make for
itself (.venv, node_modules, __pycache__…) are refused before anything runs (SECURITY.md, "What
the repository must not carry")."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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
