"""Stage 5, write: put the rendered files in place so that no reader ever sees half a site.

The new site is written to a staging folder beside the output, then the two folders swap
places in one atomic step (Linux renameat2 with RENAME_EXCHANGE). The output stays a real
folder, which Netlify needs (its deploy does not follow symlinks). Unchanged files are
hard-linked from the previous build instead of rewritten, and a rebuild that changes nothing
writes nothing. A build killed half-way leaves only a staging folder, removed next time.
"""
from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

from . import search
from .render import Output, safe_output_path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swaps two paths atomically; False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result != 0:
        errno = ctypes.get_errno()
        if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: not supported here
            return False
        raise OSError(errno, os.strerror(errno), str(a))
    return True


def _unchanged(files: dict[str, Output], out: Path, generated: str | None = None) -> bool:
    """True when `out` holds exactly `files`, plus the folder `generated` from them (the search
    index) when one is made."""
    if not out.is_dir():
        return False
    existing = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    if generated:
        if not (out / generated).is_dir():
            return False
        existing = {p for p in existing if not p.startswith(generated + "/")}
    if existing != set(files):
        return False
    return all((out / path).read_bytes() == output.data for path, output in files.items())


def _staging_prefix(out: Path) -> str:
    return f".{out.name}.staging-"


def remove_stale_staging(out: Path) -> None:
    for stale in out.parent.glob(_staging_prefix(out) + "*"):
        shutil.rmtree(stale, ignore_errors=True)


def write_tree(files: dict[str, Output], folder: Path, previous: Path | None) -> None:
    for path, output in files.items():
        if safe_output_path(path) is None:
            raise ValueError(f"refusing to write outside the output folder: {path!r}")
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        old = previous / path if previous else None
        if old and old.is_file() and not old.is_symlink() and old.stat().st_size == len(output.data) \
                and old.read_bytes() == output.data:
            os.link(old, target)
        else:
            target.write_bytes(output.data)


def publish(files: dict[str, Output], out: Path, index=None) -> bool:
    """Makes `out` hold exactly `files`; returns False when it already did (nothing written).
    `index(folder)`, when given, adds the search index to the staging folder before the swap
    (engine/search.py): if it fails, the build fails and `out` is untouched."""
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out)
    if _unchanged(files, out, search.INDEX_FOLDER if index else None):
        return False
    staging = out.parent / f"{_staging_prefix(out)}{os.getpid()}"
    try:
        write_tree(files, staging, out if out.is_dir() else None)
        if index:
            index(staging)
        if out.exists() or out.is_symlink():
            if not _exchange(staging, out):
                retired = out.parent / f"{_staging_prefix(out)}{os.getpid()}-old"
                os.rename(out, retired)
                os.rename(staging, out)
                staging = retired
        else:
            os.rename(staging, out)
    finally:
        if staging.exists() or staging.is_symlink():
            if staging.is_symlink():
                staging.unlink()
            else:
                shutil.rmtree(staging, ignore_errors=True)
    return True
