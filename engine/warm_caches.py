"""What a build keeps for the next one, in .cache/ beside the command line's memory
(engine/cache.py): rendered Markdown fragments, the templates each template names, and the HTML
of every page. Each store is sealed with the folder's key (cache.CacheKey), so a file this
machine did not write is a miss, never trusted; a damaged store costs time, never correctness."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jinja2

from . import ENGINE_VERSION
from .cache import ENGINE, CacheKey, read_sealed, write_sealed
from .compiled_templates import TemplateReferences
from .markdown import Fragment, Fragments
from .page_model import item_key

# --- rendered Markdown, kept between builds --------------------------------------------------------

# The modules a rendered fragment depends on: markdown.py and what it imports from the engine.
MARKDOWN_CODE = ("markdown.py", "smartquotes.py", "citations.py")


def _fragments_file(cache: Path, key: CacheKey) -> Path:
    """One file per version of the Markdown code: a change there starts a new cache."""
    code = hashlib.sha256(b"".join((ENGINE / name).read_bytes() for name in MARKDOWN_CODE)).hexdigest()[:16]
    return cache / f"markdown-{key.name('markdown', f'{ENGINE_VERSION}-{code}')}.json"


def load_fragments(cache: Path, key: CacheKey, memory: Fragments) -> int:
    """Fills a build's Markdown memory from the last build; how many fragments it brought back.
    The store's JSON: [[text, inline, fragment], ...]."""
    stored = read_sealed(_fragments_file(cache, key), key, "markdown")
    try:
        fragments = {(text, inline): Fragment.from_plain(plain) for text, inline, plain in stored or ()}
    except (ValueError, TypeError, IndexError, RecursionError):
        return 0
    memory.remember(fragments)
    return len(fragments)


def save_fragments(cache: Path, memory: Fragments, key: CacheKey) -> None:
    """Keeps the fragments this build used (so deleted text leaves the cache); older versions,
    and the pickles of old engines, go."""
    try:
        body = json.dumps([[text, inline, fragment.plain()] for (text, inline), fragment
                           in memory.known.items() if (text, inline) in memory.used]).encode()
    except RecursionError:   # footnotes nested beyond JSON's depth: rendered again next time
        return
    write_sealed(cache, _fragments_file(cache, key), key, "markdown", body, "markdown")


# --- the templates each template names, kept between builds ---------------------------------------

def _references_file(cache: Path, key: CacheKey) -> Path:
    """One file per version of Jinja and of the code that reads the references."""
    code = hashlib.sha256((ENGINE / "compiled_templates.py").read_bytes()).hexdigest()[:16]
    return cache / f"templates-{key.name('templates', f'{ENGINE_VERSION}-{jinja2.__version__}-{code}')}.json"


def load_template_references(cache: Path, key: CacheKey, memory: TemplateReferences) -> int:
    """Fills a build's template references from the last build; how many texts it brought
    back. The store's JSON: TemplateReferences.entries()."""
    stored = read_sealed(_references_file(cache, key), key, "templates")
    try:
        return memory.restore(stored) if stored is not None else 0
    except (ValueError, TypeError):
        return 0


def save_template_references(cache: Path, key: CacheKey, memory: TemplateReferences) -> None:
    """Keeps what this build's memory knows (at most compiled_templates.MOST texts)."""
    body = json.dumps(memory.entries(), separators=(",", ":")).encode()
    write_sealed(cache, _references_file(cache, key), key, "templates", body, "templates")


# --- rendered pages, kept between builds -----------------------------------------------------------

class PageCache:
    """The HTML of every page of the last build, keyed by everything the page was made from: the
    files of the content items it records in `depends_on`, its templates, the engine's code, the
    site's settings and Markdown pages (every page shows them in its navigation), the asset
    names, the reference date and the options. The dev server relies on the same records being
    complete; here a page whose key is unchanged is not rendered again.

    One SQLite file (.cache/pages-<name>.sqlite): 20,000 small files would cost more than the
    renders they save on a slow disk. Each row is sealed (CacheKey) over its key and its HTML: a
    row whose seal does not match is a miss, rendered again and overwritten. Pages no build
    asked for are dropped when the build is saved, so a deleted item leaves nothing behind."""

    def __init__(self, cache: Path, key: CacheKey):
        self.seals = key
        self.path = cache / f"pages-{key.name('pages', ENGINE_VERSION)}.sqlite"
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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.connection = sqlite3.connect(self.path)
            self.connection.execute("PRAGMA trusted_schema = OFF")   # no SQL functions in a schema
            self.connection.execute("CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, html BLOB, seal BLOB)")
        except (sqlite3.Error, OSError):
            self._drop()   # a damaged cache is no cache: the next build starts a new one

    def _template_digest(self, names) -> str:
        parts = []
        for name in sorted(names):
            if name not in self.template_digests:
                source = self.env.loader.get_source(self.env, name)[0] if not name.startswith("static/") else ""
                self.template_digests[name] = hashlib.sha1(source.encode()).hexdigest()
            parts.append(f"{name}={self.template_digests[name]}")
        return ";".join(parts)

    def key(self, page, templates) -> str:
        h = hashlib.sha256(f"{self.shared}\n{page.url}\n{page.template}\n{self._template_digest(templates)}\n".encode())
        for key in sorted(page.depends_on):
            h.update(f"{key}={self.file_digests.get(item_key(key), '-')}\n".encode())
        return h.hexdigest()

    def get(self, key: str) -> bytes | None:
        """The page's HTML when its row is there and its seal matches; else None (rendered)."""
        import sqlite3
        self.used.add(key)
        if self.connection is None:
            return None
        try:
            row = self.connection.execute("SELECT html, seal FROM pages WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            self._drop()
            return None
        if row is None or not isinstance(row[0], bytes) or not self.seals.verify(row[1], "page", key.encode(), row[0]):
            return None
        self.hits += 1
        return row[0]

    def put(self, key: str, html: bytes) -> None:
        """Stores a page at once (in a transaction that only `save` commits), so the build does
        not hold every page it rendered."""
        import sqlite3
        self.used.add(key)
        if self.connection is None:
            return
        try:
            self.connection.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?)",
                                    (key, html, self.seals.seal("page", key.encode(), html)))
        except sqlite3.Error:
            self._drop()   # no cache this time: slower next time, but correct

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
            self._drop()   # the next build starts without a page cache, which is slower but correct
        finally:
            self._close()
        for old in self.path.parent.glob("pages-*.sqlite"):   # older versions, older keys
            if old != self.path:
                old.unlink(missing_ok=True)

    def _close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None

    def _drop(self) -> None:
        self._close()
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass
