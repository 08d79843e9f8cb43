"""Issue 14, caches (SECURITY.md, "Caches"): nothing found in .cache/ can run code or change
what a build publishes. A committed, copied, edited or truncated cache gives exactly the site a
clean build gives; a hostile pickle runs nothing; a committed record makes no build skip.

Each build here runs "as a new process": no Markdown fragment and no card is kept in memory
between builds, so every entry the build uses comes from the folder under attack."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from conftest import NOW, ROOT, build_site, cli_build, copy_fixture, paths_for
from engine import ENGINE_VERSION, pipeline, warm_caches
from engine import cache as build_cache
from engine.compiled_templates import TemplateReferences
from test_incremental import tree


@contextlib.contextmanager
def machine(home: Path):
    """Builds inside run on a machine whose user cache (and so cache key) is `home` (each
    command-line build starts with an empty memory, as a new process does)."""
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(home)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = saved


def cached_build(paths, out: Path, cache: Path, memory=None) -> int:
    return cli_build(paths, out, NOW, False, workers=1, cache=cache, memory=memory)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The fixture site built with no cache at all: what every attacked build must equal."""
    base = tmp_path_factory.mktemp("clean")
    result = build_site(paths_for(copy_fixture(base)), base / "_site", NOW, workers=1)
    assert result.ok
    return tree(base / "_site")


@pytest.fixture
def honest(tmp_path):
    """A checkout after one honest build: (paths, cache folder, key home)."""
    paths = paths_for(copy_fixture(tmp_path))
    home, cache = tmp_path / "xdg", tmp_path / ".cache"
    with machine(home):
        assert cached_build(paths, tmp_path / "first", cache) == 0
    return paths, cache, home


class Payload:
    """Unpickling this creates `marker`: what a hostile pickle would do instead."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def markdown_code() -> str:
    return hashlib.sha256((ROOT / "engine/markdown.py").read_bytes()).hexdigest()[:16]


# --- no code-executing format ----------------------------------------------------------------------

CODE_FORMATS = re.compile(r"^\s*(?:import|from)\s+(pickle|cPickle|_pickle|marshal|shelve|dill|"
                          r"cloudpickle|joblib|jsonpickle)\b|\b(pickle|marshal|shelve)\.(loads?|open)\(",
                          re.MULTILINE)


def test_the_engine_reads_no_code_executing_format():
    found = [f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
             for path in [ROOT / "build.py", *sorted((ROOT / "engine").rglob("*.py"))]
             for match in CODE_FORMATS.finditer(path.read_text("utf-8"))]
    assert found == []


def test_a_hostile_pickle_in_the_cache_runs_nothing_and_the_site_is_a_clean_one(tmp_path, clean):
    paths = paths_for(copy_fixture(tmp_path))
    cache, marker = tmp_path / ".cache", tmp_path / "PWNED"
    hostile = pickle.dumps(Payload(marker))
    cache.mkdir()
    # where the old engine kept its Markdown (a committed file ran code in a fresh clone) ...
    (cache / f"markdown-{ENGINE_VERSION}-{markdown_code()}.pickle").write_bytes(hostile)
    (cache / "pages.pickle").write_bytes(hostile)
    with machine(tmp_path / "xdg"):
        key = build_cache.CacheKey.load(cache)
        # ... and where the new store is, even sealed with this very key: it is JSON, never code
        store = warm_caches._fragments_file(cache, key)
        store.write_bytes(key.seal("markdown", hostile).hex().encode() + b"\n" + hostile)
        assert cached_build(paths, tmp_path / "_site", cache) == 0
    assert not marker.exists()
    assert tree(tmp_path / "_site") == clean


# --- tampered entries are misses ---------------------------------------------------------------------

def page_rows(cache: Path) -> list[tuple[str, bytes, bytes]]:
    [store] = cache.glob("pages-*.sqlite")
    with contextlib.closing(sqlite3.connect(store)) as db:
        return db.execute("SELECT key, html, seal FROM pages ORDER BY key").fetchall()


def rewrite_rows(cache: Path, change) -> None:
    [store] = cache.glob("pages-*.sqlite")
    with contextlib.closing(sqlite3.connect(store)) as db, db:
        for key, html, seal in db.execute("SELECT key, html, seal FROM pages").fetchall():
            html = html.encode("utf-8", "surrogateescape") if isinstance(html, str) else html   # an earlier "html as text"
            db.execute("UPDATE pages SET html = ?, seal = ? WHERE key = ?", (*change(html, seal), key))


def test_an_edited_page_row_publishes_nothing_of_it(honest, tmp_path, clean):
    paths, cache, home = honest
    script = b"<script>alert(document.domain)</script>"
    rewrite_rows(cache, lambda html, seal: (html.replace(b"</main>", script + b"</main>"), seal))
    with machine(home):
        assert cached_build(paths, tmp_path / "_site", cache) == 0
    assert tree(tmp_path / "_site") == clean
    assert not any(script in html for _, html, _ in page_rows(cache))   # overwritten, not kept


def test_a_replaced_card_is_drawn_again(honest, tmp_path, clean):
    paths, cache, home = honest
    kept = sorted((cache / "cards").glob("*.png"))
    assert len(kept) > 2
    contents = [path.read_bytes() for path in kept]
    for path, other in zip(kept, contents[1:] + contents[:1]):   # each holds another card, sealed
        path.write_bytes(other)
    with machine(home):
        assert cached_build(paths, tmp_path / "_site", cache) == 0
    assert tree(tmp_path / "_site") == clean
    assert [path.read_bytes() for path in kept] == contents          # and is stored again


def test_a_forged_markdown_store_is_not_used(honest, tmp_path, clean):
    paths, cache, home = honest
    [store] = cache.glob("markdown-*.json")
    seal, _, body = store.read_bytes().partition(b"\n")
    forged = re.sub(rb'(\[\["[^"]*", (?:true|false), \[")', rb'\1<script>alert(1)</script>', body)
    assert forged != body
    store.write_bytes(seal + b"\n" + forged)
    for pages in cache.glob("pages-*.sqlite"):   # so that every page is rendered, with the Markdown store
        pages.unlink()
    with machine(home):
        assert cached_build(paths, tmp_path / "_site", cache) == 0
    assert tree(tmp_path / "_site") == clean


def test_a_forged_template_reference_store_is_not_used(honest, tmp_path, clean):
    """Were a store saying "base.html names no template" used, an edit of a partial would not
    reach the pages the page cache keeps: the seal has to hold for a changed list too."""
    paths, cache, home = honest
    [store] = cache.glob("templates-*.json")
    seal, _, body = store.read_bytes().partition(b"\n")
    forged = json.dumps([[*entry[:3], []] for entry in json.loads(body)]).encode()
    assert forged != body and b"partials/citation.html" in body
    store.write_bytes(seal + b"\n" + forged)
    with machine(home):
        references = TemplateReferences()
        assert warm_caches.load_template_references(cache, build_cache.CacheKey.load(cache), references) == 0
        assert references.entries() == []
        assert cached_build(paths, tmp_path / "_site", cache) == 0
    assert tree(tmp_path / "_site") == clean
    assert b"partials/citation.html" in store.read_bytes()            # written again, honestly


def test_a_stored_reference_list_of_the_wrong_shape_is_refused_whole():
    good = ["0" * 64, "a.html", "/t/a.html", [None, "b.html"]]
    for bad in ([good, ["0" * 63, "a.html", "/t/a.html", []]], [good, [*good[:3], "b.html"]],
                [good, [*good[:3], [1]]], [good, good[:3]], {"a": 1}):
        references = TemplateReferences()
        with pytest.raises((ValueError, TypeError)):
            references.restore(bad)
        assert references.entries() == []
    assert references.restore([good]) == 1
    assert references.entries() == [good]


# --- the last-build record ---------------------------------------------------------------------------

def test_a_record_this_machine_did_not_seal_never_makes_a_build_skip(tmp_path, monkeypatch):
    paths = paths_for(copy_fixture(tmp_path))
    out, cache = tmp_path / "_site", tmp_path / ".cache"
    calls = []
    real = pipeline.build_site
    monkeypatch.setattr(pipeline, "build_site", lambda *a, **k: calls.append(1) or real(*a, **k))
    with machine(tmp_path / "attacker"):
        assert cached_build(paths, out, cache) == 0       # the record and _site a pull request commits
        assert cached_build(paths, out, cache) == 0 and len(calls) == 1   # (which skip on its machine)
    with machine(tmp_path / "victim"):
        assert cached_build(paths, out, cache) == 0 and len(calls) == 2   # same files, another key
        key = build_cache.CacheKey.load(cache)
        record = build_cache._record(cache, out, key)
        record.write_text('{"seal": "%s"}' % ("0" * 64))
        assert cached_build(paths, out, cache) == 0 and len(calls) == 3   # a forged seal
        assert cached_build(paths, out, cache) == 0 and len(calls) == 3   # its own record: skipped


def test_only_the_newest_build_records_are_kept(tmp_path):
    """A record per output folder ever built (every test, every preview folder) would pile up
    for ever: the newest LAST_BUILDS stay, and nothing else in the folder is touched."""
    cache = tmp_path / ".cache"
    cache.mkdir()
    (cache / "last-build-notes.txt").write_text("an editor's file")
    with machine(tmp_path / "xdg"):
        key = build_cache.CacheKey.load(cache)
        outs = [tmp_path / f"out-{n}" for n in range(build_cache.LAST_BUILDS + 5)]
        for n, out in enumerate(outs):
            build_cache.remember(cache, out, "inputs", key)
            os.utime(build_cache._record(cache, out, key), ns=(n * 10**9, n * 10**9))
        build_cache.remember(cache, outs[0], "inputs", key)         # built again: the newest
        kept = {path.name for path in cache.glob("last-build-*.json")}
        assert kept == {build_cache._record(cache, out, key).name
                        for out in [outs[0], *outs[-build_cache.LAST_BUILDS + 1:]]}
        assert build_cache.unchanged(cache, outs[-1], "inputs", key)
        assert (cache / "last-build-notes.txt").read_text() == "an editor's file"


# --- file names, folders and reads ------------------------------------------------------------------

def test_cache_files_are_named_by_the_key_so_a_planted_file_is_never_opened(honest, tmp_path):
    paths, cache, home = honest
    before = {p.relative_to(cache) for p in cache.rglob("*") if p.is_file()}
    with machine(tmp_path / "another-machine"):                  # the same build, another key
        assert cached_build(paths, tmp_path / "first", cache) == 0
    after = {p.relative_to(cache) for p in cache.rglob("*") if p.is_file()}
    assert len(after - before) == len(before)                          # none of its names is ours


def test_a_cache_copied_from_another_checkout_is_not_used(honest, tmp_path, clean, capsys):
    """Same user, same key file: entries are still bound to the folder they were made in."""
    paths, cache, home = honest
    elsewhere = tmp_path / "other-checkout" / ".cache"
    shutil.copytree(cache, elsewhere)
    capsys.readouterr()
    with machine(home):
        assert cached_build(paths, tmp_path / "copied", elsewhere) == 0
        assert "not rendered again" not in capsys.readouterr().out
        assert cached_build(paths, tmp_path / "own", cache) == 0     # where it was made: used
        assert "not rendered again" in capsys.readouterr().out
    assert tree(tmp_path / "copied") == clean


def test_a_symlinked_cache_folder_is_neither_written_nor_pruned(tmp_path, clean, capsys):
    paths = paths_for(copy_fixture(tmp_path))
    pictures = tmp_path / "home" / "Pictures"
    pictures.mkdir(parents=True)
    (pictures / "family.png").write_bytes(b"\x89PNG\r\n\x1a\n a photo")
    for n, (link, target) in enumerate([(".cache", tmp_path / "home"),
                                        (".cache/cards", pictures)]):
        checkout = tmp_path / f"checkout-{n}"
        (checkout / link).parent.mkdir(parents=True, exist_ok=True)
        (checkout / link).symlink_to(target)
        with machine(tmp_path / "xdg"):
            assert cached_build(paths, checkout / "_site", checkout / ".cache") == 0
        assert tree(checkout / "_site") == clean
        assert sorted(p.name for p in (tmp_path / "home").rglob("*")) == ["Pictures", "family.png"]
        assert f"{checkout / link} is not a plain folder" in capsys.readouterr().out


def test_cache_reads_refuse_symlinks_fifos_and_oversized_files(tmp_path):
    secret = tmp_path / "secret"
    secret.write_bytes(b"private")
    (tmp_path / "link").symlink_to(secret)
    os.mkfifo(tmp_path / "fifo")
    assert build_cache.read_regular(secret) == b"private"
    assert build_cache.read_regular(tmp_path / "link") is None
    assert build_cache.read_regular(tmp_path / "fifo") is None
    assert build_cache.read_regular(secret, limit=3) is None


def test_the_key_is_kept_outside_the_checkout_for_this_user_only(tmp_path):
    home = tmp_path / "xdg"
    key_file = home / build_cache.KEY_FOLDER / "cache-key"
    with machine(home):
        first = build_cache.machine_secret()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(first) == 32
        assert build_cache.machine_secret() == first
        key_file.chmod(0o666)                                   # others could have chosen it
        assert build_cache.machine_secret() != first
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        chosen = tmp_path / "chosen"
        chosen.write_text("0" * 64)
        key_file.unlink()
        key_file.symlink_to(chosen)                             # replaced, never followed
        assert build_cache.machine_secret() != bytes(32)
        assert chosen.read_text() == "0" * 64 and not key_file.is_symlink()
    (tmp_path / "a-file").write_text("")
    with machine(tmp_path / "a-file" / "xdg"):                  # no key kept: a build's own
        assert build_cache.machine_secret() != build_cache.machine_secret()


# --- every way of tampering, at once -----------------------------------------------------------------

def flip(data: bytes, at: int) -> bytes:
    at %= max(1, len(data))
    return data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1:] if data else b"x"


def tamper(name: str, cache: Path, other: Path, n: int) -> None:
    """One way of changing the cache behind the engine's back; `other` is a cache of the same
    content made on another machine (another key)."""
    [store] = cache.glob("markdown-*.json")
    [pages] = cache.glob("pages-*.sqlite")
    pngs = sorted((cache / "cards").glob("*.png"))
    if name == "flip html bytes":
        rewrite_rows(cache, lambda html, seal: (flip(html, n * 7919), seal))
    elif name == "html rows from the other key":
        theirs = dict((key, (html, seal)) for key, html, seal in page_rows(other))
        [store] = cache.glob("pages-*.sqlite")
        with contextlib.closing(sqlite3.connect(store)) as db, db:
            for key, (html, seal) in theirs.items():
                db.execute("UPDATE pages SET html = ?, seal = ? WHERE key = ?", (html, seal, key))
    elif name == "html as text":
        rewrite_rows(cache, lambda html, seal: (html.decode("utf-8", "replace"), seal))
    elif name == "seals dropped":
        rewrite_rows(cache, lambda html, seal: (html, None))
    elif name == "truncate pages":
        pages.write_bytes(pages.read_bytes()[:len(pages.read_bytes()) // (n + 2)])
    elif name == "pages from the other key":
        [theirs] = other.glob("pages-*.sqlite")
        shutil.copy(theirs, pages)
    elif name == "replace a card":
        pngs[n % len(pngs)].write_bytes(pngs[(n + 1) % len(pngs)].read_bytes())
    elif name == "flip card bytes":
        for path in pngs:
            path.write_bytes(flip(path.read_bytes(), n * 104729))
    elif name == "truncate cards":
        for path in pngs:
            path.write_bytes(path.read_bytes()[:-1 - n])
    elif name == "cards from the other key":
        theirs = sorted((other / "cards").glob("*.png"))
        for path, their in zip(pngs, theirs):
            shutil.copy(their, path)
    elif name == "flip markdown bytes":
        store.write_bytes(flip(store.read_bytes(), n * 31))
    elif name == "truncate markdown":
        store.write_bytes(store.read_bytes()[:-1 - n])
    elif name == "markdown from the other key":
        [theirs] = other.glob("markdown-*.json")
        shutil.copy(theirs, store)
    elif name == "markdown replaced by a pickle":
        store.write_bytes(pickle.dumps(Payload(cache.parent / "PWNED")))
    elif name == "cards swapped":
        contents = [path.read_bytes() for path in pngs]
        for path, other_png in zip(pngs, contents[n % len(pngs):] + contents[:n % len(pngs)]):
            path.write_bytes(other_png)
    elif name == "flip template references":
        [references] = cache.glob("templates-*.json")
        references.write_bytes(flip(references.read_bytes(), n * 613))
    elif name == "template references from the other key":
        [references] = cache.glob("templates-*.json")
        [theirs] = other.glob("templates-*.json")
        shutil.copy(theirs, references)
    elif name == "whole cache from the other key":
        shutil.rmtree(cache)
        shutil.copytree(other, cache)


TAMPERING = ["flip html bytes", "html rows from the other key", "html as text", "seals dropped",
             "truncate pages", "pages from the other key", "replace a card", "flip card bytes",
             "truncate cards", "cards from the other key", "flip markdown bytes", "truncate markdown",
             "markdown from the other key", "markdown replaced by a pickle", "cards swapped",
             "flip template references", "template references from the other key",
             "whole cache from the other key"]


def reseal_rows(cache: Path, key) -> None:
    [store] = cache.glob("pages-*.sqlite")
    with contextlib.closing(sqlite3.connect(store)) as db, db:
        for page, html in db.execute("SELECT key, html FROM pages").fetchall():
            db.execute("UPDATE pages SET seal = ? WHERE key = ?", (key.seal("page", page.encode(), html), page))


@pytest.fixture(scope="module")
def two_caches(tmp_path_factory):
    """An honest cache of one checkout's .cache/, and the cache an attacker made of the same
    content at the same path on another machine (another key), with hostile entries that
    its own key seals. Tampered copies are put back at that path: entries are bound to it."""
    base = tmp_path_factory.mktemp("honest")
    paths = paths_for(copy_fixture(base))
    live = base / ".cache"
    with machine(base / "xdg-other"):
        assert cached_build(paths, base / "out-other", live) == 0
        rewrite_rows(live, lambda html, seal: (html.replace(b"Acme", b"Evil"), seal))
        reseal_rows(live, build_cache.CacheKey.load(live))
        [store] = live.glob("markdown-*.json")
        body = store.read_bytes().partition(b"\n")[2].replace(b"Acme", b"<script>alert(1)</script>")
        store.write_bytes(build_cache.CacheKey.load(live).seal("markdown", body).hex().encode() + b"\n" + body)
        [references] = live.glob("templates-*.json")   # "no template names another"
        body = json.dumps([[*entry[:3], []] for entry in json.loads(references.read_bytes().partition(b"\n")[2])]).encode()
        references.write_bytes(build_cache.CacheKey.load(live).seal("templates", body).hex().encode() + b"\n" + body)
    shutil.move(live, base / "other")
    with machine(base / "xdg-mine"):
        assert cached_build(paths, base / "out-mine", live) == 0
    shutil.copytree(live, base / "mine")
    return base, paths


def test_an_untouched_copy_of_the_honest_cache_is_used(two_caches, clean, capsys):
    base, paths = two_caches
    shutil.rmtree(base / ".cache")
    shutil.copytree(base / "mine", base / ".cache")
    capsys.readouterr()
    with machine(base / "xdg-mine"):
        assert cached_build(paths, base / "untouched", base / ".cache") == 0
    assert "pages unchanged since the last build were not rendered again" in capsys.readouterr().out
    assert tree(base / "untouched") == clean


@pytest.mark.long
@settings(max_examples=12)
@given(st.lists(st.sampled_from(TAMPERING), min_size=1, max_size=3), st.integers(0, 50))
def test_a_tampered_cache_gives_exactly_a_clean_build(two_caches, clean, ways, n):
    base, paths = two_caches
    cache = base / ".cache"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(base / "mine", cache)
    for name in ways:
        tamper(name, cache, base / "other", n)
    out = base / "_site"
    shutil.rmtree(out, ignore_errors=True)
    (base / "PWNED").unlink(missing_ok=True)
    with machine(base / "xdg-mine"):
        assert cached_build(paths, out, cache) == 0
    assert tree(out) == clean, ways
    assert not (base / "PWNED").exists()


# --- Python's own bytecode cache ---------------------------------------------------------------------

def test_a_committed_pycache_runs_nothing(tmp_path):
    """A hash-checked .pyc carries the hash of the real source and any code at all: Python
    would run it in place of engine/cache.py. build.py keeps bytecode outside the checkout."""
    import importlib.util
    import marshal
    checkout, marker = tmp_path / "checkout", tmp_path / "PWNED"
    for name in ("engine", "templates", "static"):
        shutil.copytree(ROOT / name, checkout / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "build.py", checkout / "build.py")
    copy_fixture(checkout)
    for module in ("__init__", "cache"):
        source = checkout / "engine" / f"{module}.py"
        code = compile(source.read_text("utf-8") + f"\nopen({str(marker)!r}, 'w')\n", str(source), "exec")
        pyc = Path(importlib.util.cache_from_source(str(source)))
        pyc.parent.mkdir(exist_ok=True)
        pyc.write_bytes(importlib.util.MAGIC_NUMBER + (0b11).to_bytes(4, "little")
                        + importlib.util.source_hash(source.read_bytes()) + marshal.dumps(code))
    done = subprocess.run([sys.executable, "build.py", "--now", NOW, "--out", str(tmp_path / "_site")],
                          cwd=checkout, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    assert (tmp_path / "_site" / "index.html").is_file()


# --- CI ----------------------------------------------------------------------------------------------

def test_only_the_deploy_on_main_keeps_the_cache_and_it_keeps_the_key_with_it():
    """The deploy job restores .cache/ with the key that sealed it (else every entry is a miss);
    the job that runs pull requests keeps no cache, so nothing it makes reaches main's builds."""
    import yaml
    workflow = yaml.safe_load((ROOT / ".github/workflows/site.yml").read_text("utf-8"))
    jobs = workflow["jobs"]
    cached = {name: [step for step in job["steps"] if str(step.get("uses", "")).startswith("actions/cache")]
              for name, job in jobs.items()}
    assert cached["test"] == []
    [step] = cached["deploy"]
    assert "refs/heads/main" in jobs["deploy"]["if"] and "push" in jobs["deploy"]["if"]
    assert step["with"]["path"].split() == [".cache", f"~/.cache/{build_cache.KEY_FOLDER}/cache-key"]
