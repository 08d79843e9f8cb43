"""The command line's memory between builds (.cache/): when no input has changed since the last
good build of the same output folder, and that folder is as the build left it, a rebuild reads
nothing and writes nothing.

The fingerprint covers everything a build reads: content, templates, static files, overrides,
the engine's own code and string tables, the reference date and the options. File modification
times and sizes stand in for contents; any change to them means a real build.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

from . import ENGINE_VERSION

ENGINE = Path(__file__).parent


def snapshot(folders: list[Path]) -> dict[str, tuple[int, int]]:
    """Every file under the folders, with its modification time and size."""
    found: dict[str, tuple[int, int]] = {}
    pending = [str(folder) for folder in folders if folder.is_dir()]
    for single in (path for path in folders if path.is_file()):
        info = single.stat()
        found[str(single)] = (info.st_mtime_ns, info.st_size)
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    try:
                        info = entry.stat()
                    except OSError:
                        continue
                    found[entry.path] = (info.st_mtime_ns, info.st_size)
    return found


def _digest(stats: dict[str, tuple[int, int]]) -> str:
    h = hashlib.sha256()
    for path in sorted(stats):
        h.update(f"{path}\0{stats[path][0]}\0{stats[path][1]}\n".encode())
    return h.hexdigest()


def build_inputs(folders: list[Path], out: Path, now: str | None, strict: bool, drafts: bool,
                 extra: dict | None = None) -> str:
    """The fingerprint of one command-line build: its folders, the reference date and options.
    Cheap on purpose: build.py asks it before importing the rest of the engine."""
    import datetime as dt
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    options = {"out": str(out), "now": now, "epoch": epoch, "strict": strict, "drafts": drafts,
               "today": None if now or epoch else dt.date.today().isoformat(), **(extra or {})}
    return inputs_fingerprint(folders, options)


def skip_if_unchanged(cache: Path, folders: list[Path], out: Path, now: str | None, strict: bool,
                      drafts: bool, extra: dict | None = None) -> str | None:
    """None (after saying so) when nothing changed since the last build of `out`; otherwise the
    fingerprint of this build's inputs, to remember once it succeeds."""
    import time
    started = time.perf_counter()
    inputs = build_inputs(folders, out, now, strict, drafts, extra)
    if not unchanged(cache, out, inputs):
        return inputs
    print(f"Nothing changed since the last build of {out}: nothing read, nothing written "
          f"({(time.perf_counter() - started) * 1000:.0f} ms).")
    return None


def inputs_fingerprint(folders: list[Path], options: dict) -> str:
    stats = snapshot([*folders, ENGINE])
    stats = {p: s for p, s in stats.items() if "__pycache__" not in p}
    return hashlib.sha256(json.dumps([ENGINE_VERSION, _digest(stats), options], sort_keys=True,
                                     default=str).encode()).hexdigest()


def output_fingerprint(out: Path) -> str:
    return _digest(snapshot([out])) if out.is_dir() else ""


def _record(cache: Path, out: Path) -> Path:
    return cache / f"last-build-{hashlib.sha256(str(out).encode()).hexdigest()[:16]}.json"


def unchanged(cache: Path, out: Path, inputs: str) -> bool:
    try:
        saved = json.loads(_record(cache, out).read_text())
    except (OSError, ValueError):
        return False
    return saved.get("inputs") == inputs and saved.get("output") == output_fingerprint(out)


def remember(cache: Path, out: Path, inputs: str) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    _record(cache, out).write_text(json.dumps({"inputs": inputs, "output": output_fingerprint(out)}))


def forget(cache: Path, out: Path) -> None:
    _record(cache, out).unlink(missing_ok=True)


# --- rendered Markdown, kept between builds --------------------------------------------------------

def _fragments_file(cache: Path) -> Path:
    """One file per version of the Markdown code: a change there starts a new cache."""
    code = hashlib.sha256((ENGINE / "markdown.py").read_bytes()).hexdigest()[:16]
    return cache / f"markdown-{ENGINE_VERSION}-{code}.pickle"


def load_fragments(cache: Path) -> int:
    """Fills the Markdown memory from the last build; how many fragments it brought back."""
    from .markdown import remember_fragments
    try:
        with _fragments_file(cache).open("rb") as stream:
            fragments = pickle.load(stream)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return 0
    remember_fragments(fragments)
    return len(fragments)


def save_fragments(cache: Path, used: set) -> None:
    """Keeps the fragments this build used (so deleted text leaves the cache), atomically."""
    from .markdown import remembered_fragments
    fragments = {key: value for key, value in remembered_fragments().items() if key in used}
    cache.mkdir(parents=True, exist_ok=True)
    target = _fragments_file(cache)
    staging = target.with_suffix(".tmp")
    with staging.open("wb") as stream:
        pickle.dump(fragments, stream, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(staging, target)
    for old in cache.glob("markdown-*.pickle"):
        if old != target:
            old.unlink(missing_ok=True)


# --- rendered pages, kept between builds -----------------------------------------------------------

class PageCache:
    """The HTML of every page of the last build, keyed by everything the page was made from: the
    files of the content items it records in `depends_on`, its templates, the engine's code, the
    site's settings and Markdown pages (every page shows them in its navigation), the asset
    names, the reference date and the options. The dev server relies on the same records being
    complete; here a page whose key is unchanged is not rendered again.

    One SQLite file (.cache/pages.sqlite): 20,000 small files would cost more than the renders
    they save on a slow disk. Pages no build asked for are dropped when the build is saved, so
    a deleted item leaves nothing behind."""

    def __init__(self, cache: Path):
        self.path = cache / f"pages-{ENGINE_VERSION}.sqlite"
        self.connection = None
        self.used: set[str] = set()
        self.hits = 0

    def prepare(self, content, paths, env, assets: dict[str, str], options: dict) -> None:
        """Digests of every content file and of the things every page shares."""
        import sqlite3
        self.file_digests = {}
        for path in sorted(paths.content.rglob("*")):
            if path.is_file():
                relative = path.relative_to(paths.content)
                key = "site" if relative.as_posix() == "site.yaml" else f"{relative.parent.as_posix()}/{path.stem}"
                self.file_digests[key] = hashlib.sha1(path.read_bytes()).hexdigest()
        engine_files = sorted(p for p in ENGINE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        shared = hashlib.sha256(json.dumps([
            ENGINE_VERSION, [hashlib.sha1(p.read_bytes()).hexdigest() for p in engine_files],
            self.file_digests.get("site"), content.site.base_url,   # --base-url overrides the file
            sorted((k, v) for k, v in self.file_digests.items() if k.startswith("pages/")),
            assets, options, str(content.now)], sort_keys=True, default=str).encode())
        self.shared = shared.hexdigest()
        self.env, self.template_digests = env, {}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.connection = sqlite3.connect(self.path)
            self.connection.execute("CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, html BLOB)")
        except sqlite3.Error:
            self.connection = None   # a damaged cache is no cache: rebuild it

    def _template_digest(self, names) -> str:
        parts = []
        for name in sorted(names):
            if name not in self.template_digests:
                source = self.env.loader.get_source(self.env, name)[0] if not name.startswith("static/") else ""
                self.template_digests[name] = hashlib.sha1(source.encode()).hexdigest()
            parts.append(f"{name}={self.template_digests[name]}")
        return ";".join(parts)

    def key(self, page, templates) -> str:
        from .model import item_key
        h = hashlib.sha256(f"{self.shared}\n{page.url}\n{page.template}\n{self._template_digest(templates)}\n".encode())
        for key in sorted(page.depends_on):
            h.update(f"{key}={self.file_digests.get(item_key(key), '-')}\n".encode())
        return h.hexdigest()

    def get(self, key: str) -> bytes | None:
        self.used.add(key)
        if self.connection is None:
            return None
        row = self.connection.execute("SELECT html FROM pages WHERE key = ?", (key,)).fetchone()
        self.hits += row is not None
        return row[0] if row else None

    def put(self, key: str, html: bytes) -> None:
        """Stores a page at once (in a transaction that only `save` commits), so the build does
        not hold every page it rendered."""
        import sqlite3
        self.used.add(key)
        if self.connection is None:
            return
        try:
            self.connection.execute("INSERT OR REPLACE INTO pages VALUES (?, ?)", (key, html))
        except sqlite3.Error:
            self.connection.close()
            self.connection = None   # no cache this time: slower next time, but correct

    def save(self) -> None:
        """Stores the pages rendered this time and forgets the ones no page asked for."""
        if self.connection is None:
            return
        import sqlite3
        try:
            with self.connection:
                self.connection.execute("CREATE TEMP TABLE used (key TEXT PRIMARY KEY)")
                self.connection.executemany("INSERT INTO used VALUES (?)", [(k,) for k in sorted(self.used)])
                self.connection.execute("DELETE FROM pages WHERE key NOT IN (SELECT key FROM used)")
                self.connection.execute("DROP TABLE used")
        except sqlite3.Error:
            pass   # the next build starts without a page cache, which is slower but correct
        finally:
            self.connection.close()
            self.connection = None
