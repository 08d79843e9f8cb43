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
from pathlib import Path

from . import ENGINE_VERSION
from .incremental import snapshot

ENGINE = Path(__file__).parent


def _digest(stats: dict[str, tuple[int, int]]) -> str:
    h = hashlib.sha256()
    for path in sorted(stats):
        h.update(f"{path}\0{stats[path][0]}\0{stats[path][1]}\n".encode())
    return h.hexdigest()


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
