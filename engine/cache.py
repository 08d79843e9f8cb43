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


def build_inputs(folders: list[Path], out: Path, now: str | None, strict: bool, drafts: bool) -> str:
    """The fingerprint of one command-line build: its folders, the reference date and options.
    Cheap on purpose: build.py asks it before importing the rest of the engine."""
    import datetime as dt
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    options = {"out": str(out), "now": now, "epoch": epoch, "strict": strict, "drafts": drafts,
               "today": None if now or epoch else dt.date.today().isoformat()}
    return inputs_fingerprint(folders, options)


def skip_if_unchanged(cache: Path, folders: list[Path], out: Path, now: str | None, strict: bool,
                      drafts: bool) -> str | None:
    """None (after saying so) when nothing changed since the last build of `out`; otherwise the
    fingerprint of this build's inputs, to remember once it succeeds."""
    import time
    started = time.perf_counter()
    inputs = build_inputs(folders, out, now, strict, drafts)
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
