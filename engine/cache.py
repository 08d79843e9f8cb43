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


# --- sealed stores: a JSON body under a seal -----------------------------------------------------

def read_sealed(path: Path, key: CacheKey, kind: str):
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


def write_sealed(cache: Path, target: Path, key: CacheKey, kind: str, body: bytes, family: str) -> None:
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
