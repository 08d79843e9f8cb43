"""The README's first command on a fresh clone where only Python and make are on the PATH (no
Node, no npm, no Java): `make build` writes the real site strictly, `make serve` serves it, and
neither installs a test tool."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

# Each starts from a fresh clone and a new virtual environment.
pytestmark = pytest.mark.long

# What the Makefile's site targets and build.py call, and nothing from npm or Java.
TOOLS = ("sh", "make", "git", "head", "touch", "env", "dirname", "id", "cat", "rm", "mkdir", "ls")


def python_alone_path(base: Path) -> str:
    """A PATH with python3 (this test's own interpreter, from .venv, so nothing is downloaded)
    and the shell tools make needs."""
    bin_dir = base / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool, path="/usr/bin:/bin")
        if found:
            (bin_dir / tool).symlink_to(found)
    (bin_dir / "python3").symlink_to(ROOT / ".venv" / "bin" / "python")
    for absent in ("node", "npm", "npx", "java"):
        assert shutil.which(absent, path=str(bin_dir)) is None
    return str(bin_dir)


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> tuple[Path, dict]:
    """`git clone` of the committed repository, with its .venv made (a link to the tests' own,
    whose packages are the pinned ones), and no node_modules or .cache."""
    base = tmp_path_factory.mktemp("python-alone")
    repo = base / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(repo)], check=True)
    for name in ("build.py", "Makefile", "engine", "templates", "static", "content", "netlify.toml"):
        # the working tree's version, so the test checks the code it runs with (uncommitted too)
        source, target = ROOT / name, repo / name
        if source.is_dir():
            shutil.rmtree(target)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    (repo / ".venv").symlink_to(ROOT / ".venv")
    env = {"PATH": python_alone_path(base), "HOME": str(base / "home"), "LC_ALL": "C.UTF-8",
           "XDG_CACHE_HOME": str(base / "xdg"), "PROGRESS_AFTER": "3600"}
    return repo, env


def test_make_build_writes_the_real_site_strictly_with_python_alone(clone):
    repo, env = clone
    result = subprocess.run(["make", "build"], cwd=repo, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "npm ci" not in result.stdout + result.stderr
    assert (repo / "_site" / "index.html").is_file() and (repo / "_site" / "search").is_dir()
    assert not (repo / "_site" / "admin").exists()
    assert "/admin/ (the browser editor site.yaml asks for) was left out" in result.stdout
    assert not (repo / "node_modules").exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_make_serve_serves_the_real_site_with_python_alone(clone):
    repo, env = clone
    port = free_port()
    server = subprocess.Popen(["make", "serve", f"PORT={port}"], cwd=repo, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        lines = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            assert line, "make serve stopped:\n" + "".join(lines)
            lines.append(line)
            if line.startswith("Serving on http://127.0.0.1:"):
                break
        page, status = None, None
        while page is None and time.monotonic() < deadline:   # it says so just before it listens
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
                    page, status = response.read().decode("utf-8"), response.status
            except urllib.error.URLError:
                time.sleep(0.2)
        assert status == 200 and "SenseTime" in page
        assert not (repo / "node_modules").exists()
        assert any("/admin/ (the browser editor site.yaml asks for) was left out" in line for line in lines)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
