"""The command line's memory between builds (.cache/): when no input has changed since the last
good build of the same output folder, and that folder is as the build left it, a rebuild reads
nothing and writes nothing.

The fingerprint covers everything a build reads: content, templates, static files, overrides,
the engine's own code and string tables, the reference date and the options. File modification
times and sizes stand in for contents; any change to them means a real build.

Nothing in .cache/ is trusted as it is found (SECURITY.md, "Caches"): a pull request can commit
files there and a CI cache can restore them. Every entry is plain data (JSON, PNG bytes, rows of
strings: never pickle) sealed with an HMAC under a key kept outside the checkout (`CacheKey`), and
every file's name is derived from that key, so a file this machine did not write for this folder
is never even opened; an entry whose seal does not match is a miss, redrawn and overwritten.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from pathlib import Path

from . import ENGINE_VERSION

ENGINE = Path(__file__).parent
KEY_FOLDER = "investigation-engine"   # under $XDG_CACHE_HOME (else ~/.cache): the key, never in the checkout


def user_cache_home() -> Path:
    """$XDG_CACHE_HOME when it is an absolute path (the XDG rule), else ~/.cache."""
    home = os.environ.get("XDG_CACHE_HOME", "")
    return Path(home) if os.path.isabs(home) else Path.home() / ".cache"


class CacheKey:
    """The secret that seals the entries of one cache folder.

    A random 32-byte key is made once per user and machine, in user_cache_home()/KEY_FOLDER/
    cache-key (mode 0600); each cache folder uses a key derived from it and from the folder's
    absolute path, so a cache copied from another checkout, another machine or a pull request
    carries no valid seal. When the key file cannot be read or written, the build uses a key of
    its own (its cache is then used by nobody: slower next time, never wrong)."""

    def __init__(self, secret: bytes, folder: Path):
        self._key = hmac.digest(secret, b"cache-folder\0" + os.fsencode(folder.absolute()), "sha256")

    @classmethod
    def load(cls, folder: Path) -> "CacheKey":
        return cls(machine_secret(), folder)

    def seal(self, kind: str, *parts: bytes) -> bytes:
        """The HMAC-SHA256 of an entry: its kind, then each part with its length (no part can
        pass for another)."""
        mac = hmac.new(self._key, kind.encode(), "sha256")
        for part in parts:
            mac.update(len(part).to_bytes(8, "big"))
            mac.update(part)
        return mac.digest()

    def verify(self, seal, kind: str, *parts: bytes) -> bool:
        return isinstance(seal, bytes) and hmac.compare_digest(seal, self.seal(kind, *parts))

    def name(self, kind: str, public: str = "") -> str:
        """A file name nobody without the key can predict: a planted file (or symlink) is
        never opened, and never written through."""
        return self.seal(f"name:{kind}", public.encode("utf-8", "surrogatepass")).hex()[:32]


def machine_secret() -> bytes:
    """The user's cache key, made on first use; a fresh random key when it cannot be kept."""
    path = user_cache_home() / KEY_FOLDER / "cache-key"
    for _ in range(2):
        found = _read_key(path)
        if found is not None:
            return found
        secret = os.urandom(32)
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # replace a damaged key (or a symlink); never one another build has just made
            write_atomic(path.parent, path.name, secret.hex().encode(), mode=0o600,
                         replace=os.path.lexists(path))
            return secret
        except FileExistsError:
            continue
        except OSError:
            break
    return os.urandom(32)


def _read_key(path: Path) -> bytes | None:
    """The key in `path` when it is a regular file of 64 hex digits that this user owns and
    nobody else can change."""
    text = read_regular(path, limit=64, private=True)
    try:
        return bytes.fromhex(text.decode("ascii")) if text and len(text) == 64 else None
    except ValueError:
        return None


def read_regular(path: Path, limit: int | None = None, private: bool = False) -> bytes | None:
    """The bytes of a regular file, or None: never through a symlink, never a FIFO or device
    (which could hang or never end), never more than `limit` bytes; with `private`, only a file
    this user owns and nobody else can change."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (limit is not None and info.st_size > limit):
            return None
        if private and (info.st_uid != os.geteuid() or info.st_mode & 0o022):
            return None
        with os.fdopen(fd, "rb", closefd=False) as stream:
            return stream.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def write_atomic(folder: Path, name: str, data: bytes, mode: int = 0o644, replace: bool = True) -> None:
    """Writes folder/name all at once, through a staging file no one else can have planted.
    With replace=False, an existing file stays (FileExistsError)."""
    staging = folder / f".{name}.{os.urandom(6).hex()}.tmp"
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        if replace:
            os.replace(staging, folder / name)
        else:
            os.link(staging, folder / name)
    finally:
        staging.unlink(missing_ok=True)


def open_folder(cache: Path, quiet: bool = False) -> CacheKey | None:
    """The key of a cache folder that is safe to use, or None (after saying why) when the folder
    or its cards/ folder is a symlink or not a folder: a committed `.cache -> ~` or
    `.cache/cards -> ~/Pictures` would otherwise have the build write, and prune, elsewhere."""
    for folder in (cache, cache / "cards"):
        try:
            info = folder.lstat()
        except FileNotFoundError:
            continue
        except OSError:
            info = None
        if info is None or not stat.S_ISDIR(info.st_mode):
            if not quiet:
                print(f"note: {folder} is not a plain folder (a symbolic link or a file), so this "
                      f"build uses no cache; delete it to make later builds faster.")
            return None
    return CacheKey.load(cache)


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
                      drafts: bool, extra: dict | None = None, key: CacheKey | None = None) -> str | None:
    """None (after saying so) when nothing changed since the last build of `out`; otherwise the
    fingerprint of this build's inputs, to remember once it succeeds."""
    import time
    started = time.perf_counter()
    inputs = build_inputs(folders, out, now, strict, drafts, extra)
    key = key or open_folder(cache, quiet=True)
    if key is None or not unchanged(cache, out, inputs, key):
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


def _record(cache: Path, out: Path, key: CacheKey) -> Path:
    return cache / f"last-build-{key.name('last-build', str(out))}.json"


def _record_seal(out: Path, inputs: str, key: CacheKey) -> str:
    """The seal of a good build: its output folder, its inputs, and that folder's files as the
    build left them. A record this machine did not write (committed, copied) never matches, so
    it cannot make a build skip and leave a stale or planted output folder in place."""
    return key.seal("last-build", str(out).encode(), inputs.encode(), output_fingerprint(out).encode()).hex()


def unchanged(cache: Path, out: Path, inputs: str, key: CacheKey) -> bool:
    data = read_regular(_record(cache, out, key), limit=4096)
    try:
        saved = json.loads(data)["seal"]
    except (TypeError, ValueError, KeyError):
        return False
    return isinstance(saved, str) and hmac.compare_digest(saved, _record_seal(out, inputs, key))


# Output folders whose last build is remembered: the most recently built ones. Each build into a
# new folder (a test, a preview) adds a record, and the folder's name cannot be read back from it.
LAST_BUILDS = 32


def remember(cache: Path, out: Path, inputs: str, key: CacheKey) -> None:
    record = _record(cache, out, key)
    try:   # a cache that cannot be written (read-only, full) only makes the next build slower
        cache.mkdir(parents=True, exist_ok=True)
        write_atomic(cache, record.name, json.dumps({"seal": _record_seal(out, inputs, key)}).encode())
        _prune_records(cache, keep=record)
    except OSError:
        pass


def _prune_records(cache: Path, keep: Path) -> None:
    """Deletes all but the LAST_BUILDS newest records (never `keep`, the one just written)."""
    records = []
    for path in cache.glob("last-build-*.json"):
        try:
            records.append((path.lstat().st_mtime_ns, path.name, path))
        except OSError:
            continue
    records.sort(reverse=True)
    for _, _, path in records[LAST_BUILDS:]:
        if path != keep:
            path.unlink(missing_ok=True)


def forget(cache: Path, out: Path, key: CacheKey) -> None:
    _record(cache, out, key).unlink(missing_ok=True)


# --- rendered Markdown, kept between builds --------------------------------------------------------

# The modules a rendered fragment depends on: markdown.py and what it imports from the engine.
MARKDOWN_CODE = ("markdown.py", "smartquotes.py", "citations.py")


def _fragments_file(cache: Path, key: CacheKey) -> Path:
    """One file per version of the Markdown code: a change there starts a new cache."""
    code = hashlib.sha256(b"".join((ENGINE / name).read_bytes() for name in MARKDOWN_CODE)).hexdigest()[:16]
    return cache / f"markdown-{key.name('markdown', f'{ENGINE_VERSION}-{code}')}.json"


def _read_sealed(path: Path, key: CacheKey, kind: str):
    """The JSON of a sealed store (its seal in hex on the first line, then the JSON), or None
    when the file is missing, was not sealed with this key for this kind, or is not JSON."""
    data = read_regular(path)
    if data is None:
        return None
    seal, _, body = data.partition(b"\n")
    try:
        if not key.verify(bytes.fromhex(seal.decode("ascii")), kind, body):
            return None
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _write_sealed(cache: Path, target: Path, key: CacheKey, kind: str, body: bytes, family: str) -> None:
    """Writes a sealed store atomically, unless it already says the same, and deletes the other
    files of its family (older versions). A cache that cannot be written only costs time."""
    record = key.seal(kind, body).hex().encode() + b"\n" + body
    if read_regular(target) == record:
        return
    try:
        cache.mkdir(parents=True, exist_ok=True)
        write_atomic(cache, target.name, record)
        for old in cache.glob(f"{family}-*"):
            if old != target:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def load_fragments(cache: Path, key: CacheKey) -> int:
    """Fills the Markdown memory from the last build; how many fragments it brought back. The
    store's JSON: [[text, inline, fragment], ...]."""
    from .markdown import Fragment, remember_fragments
    stored = _read_sealed(_fragments_file(cache, key), key, "markdown")
    try:
        fragments = {(text, inline): Fragment.from_plain(plain) for text, inline, plain in stored or ()}
    except (ValueError, TypeError, IndexError, RecursionError):
        return 0
    remember_fragments(fragments)
    return len(fragments)


def save_fragments(cache: Path, used: set, key: CacheKey) -> None:
    """Keeps the fragments this build used (so deleted text leaves the cache); older versions,
    and the pickles of old engines, go."""
    from .markdown import remembered_fragments
    try:
        body = json.dumps([[text, inline, fragment.plain()] for (text, inline), fragment
                           in remembered_fragments().items() if (text, inline) in used]).encode()
    except RecursionError:   # footnotes nested beyond JSON's depth: rendered again next time
        return
    _write_sealed(cache, _fragments_file(cache, key), key, "markdown", body, "markdown")


# --- the templates each template names, kept between builds ---------------------------------------

def _references_file(cache: Path, key: CacheKey) -> Path:
    """One file per version of Jinja and of the code that reads the references."""
    import jinja2
    code = hashlib.sha256((ENGINE / "compiled_templates.py").read_bytes()).hexdigest()[:16]
    return cache / f"templates-{key.name('templates', f'{ENGINE_VERSION}-{jinja2.__version__}-{code}')}.json"


def load_template_references(cache: Path, key: CacheKey) -> int:
    """Fills compiled_templates.REFERENCES from the last build; how many texts it brought back.
    The store's JSON: TemplateReferences.entries()."""
    from .compiled_templates import REFERENCES
    stored = _read_sealed(_references_file(cache, key), key, "templates")
    try:
        return REFERENCES.restore(stored) if stored is not None else 0
    except (ValueError, TypeError):
        return 0


def save_template_references(cache: Path, key: CacheKey) -> None:
    """Keeps what this process knows (at most compiled_templates.MOST texts)."""
    from .compiled_templates import REFERENCES
    body = json.dumps(REFERENCES.entries(), separators=(",", ":")).encode()
    _write_sealed(cache, _references_file(cache, key), key, "templates", body, "templates")


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
        from .model import item_key
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
