"""Stage 5, write: put the rendered files in place so that no reader ever sees half a site.

The new site is written to a staging folder beside the output, then the two folders swap
places in one atomic step (Linux renameat2 with RENAME_EXCHANGE). The output stays a real
folder, which Netlify needs (its deploy does not follow symlinks). Unchanged files are
hard-linked from the previous build instead of rewritten, and a rebuild that changes nothing
writes nothing. A build killed half-way leaves only a staging folder, removed next time.

Only a folder a build made is ever replaced or removed: every staging folder is marked at once
(engine/outfolder.py), and the output is checked before the build starts (SECURITY.md, "The
output folder").
"""
from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

from . import outfolder, search
from .outfolder import remove_stale_staging, staging_prefix
from .outputs import Output, safe_output_path

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


class StagedSite:
    """The new site, written file by file into a staging folder beside the output, then swapped
    in whole (`commit`) or removed (`discard`, also on leaving a `with` block uncommitted). A
    file identical to the previous build's is hard-linked rather than written again."""

    def __init__(self, out: Path):
        outfolder.check_replaceable(out)
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(out)
        # a new folder of a name no one else has, marked before anything is written into it
        self.folder = _new_folder(out.parent / f"{staging_prefix(out)}{os.getpid()}")
        try:
            outfolder.mark(self.folder)
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)   # a full disk: ours, unmarked
            raise
        self.previous = out if outfolder.is_ours(out) else None
        self.paths: set[str] = set()
        self.rewritten = 0   # files that differ from the previous build's
        self._made: set[Path] = set()

    def add(self, path: str, data: bytes) -> None:
        if safe_output_path(path) is None:
            raise ValueError(f"refusing to write outside the output folder: {path!r}")
        target = self.folder / path
        if target.parent not in self._made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        old = self.previous / path if self.previous else None
        if old and old.is_file() and not old.is_symlink() and old.stat().st_size == len(data) \
                and old.read_bytes() == data and _linked(old, target):
            pass
        else:
            target.write_bytes(data)
            self.rewritten += 1
        self.paths.add(path)

    def _same_as_previous(self, generated: str | None) -> bool:
        """Every file is the previous build's and there is no other (besides the folder
        `generated` from them, the search index, when one is made)."""
        if self.rewritten or self.previous is None:
            return False
        if generated and not (self.previous / generated).is_dir():
            return False
        existing = {p.relative_to(self.previous).as_posix() for p in self.previous.rglob("*") if p.is_file()}
        existing.discard(outfolder.MARKER)
        if generated:
            existing = {p for p in existing if not p.startswith(generated + "/")}
        return existing == self.paths

    def commit(self, index=None) -> bool:
        """Puts the staged site in place of the output; False when it was the same as the
        output, which is then left untouched (and the staging folder removed on leaving the
        `with` block). `index(folder)`, when given, adds the search index to the staging folder
        first (engine/search.py): if it fails, the output is untouched."""
        if self._same_as_previous(search.INDEX_FOLDER if index else None):
            return False
        if index:
            index(self.folder)
        out = self.out
        if out.exists() or out.is_symlink():
            if not _exchange(self.folder, out):
                retired = _new_folder(self.folder.with_name(self.folder.name + "-old"))
                os.rename(out, retired)   # onto a new empty folder, which rename allows
                os.rename(self.folder, out)
                self.folder = retired
        else:
            os.rename(self.folder, out)
        self.discard()   # the old site, now in the staging folder's place
        return True

    def discard(self) -> None:
        if self.folder.is_symlink():
            self.folder.unlink()
        elif self.folder.exists():
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "StagedSite":
        return self

    def __exit__(self, *exc) -> None:
        self.discard()


def _new_folder(stem: Path) -> Path:
    """A folder that did not exist before (mkdir fails on anything already there, a symlink
    included), so a folder made by someone else is never written into or removed."""
    for n in range(1000):
        try:
            folder = stem.with_name(f"{stem.name}-{n}")
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise FileExistsError(f"{stem}-*: a thousand staging folders exist; remove them")


def _linked(old: Path, target: Path) -> bool:
    """Hard-links the previous build's file; False where the system cannot (another disk)."""
    try:
        os.link(old, target)
        return True
    except OSError:
        return False


def publish(files: dict[str, Output], out: Path, index=None) -> bool:
    """Makes `out` hold exactly `files`; returns False when it already did (nothing written).
    See StagedSite.commit for `index`."""
    with StagedSite(out) as site:
        for path, output in files.items():
            site.add(path, output.data)
        return site.commit(index)


def write_in_place(out: Path, files: dict[str, Output], touched: set[str]) -> bool:
    """The dev server's write: each touched path written in place, atomically (it serves
    from disk), or removed when it is no longer among `files`. Whether anything was touched."""
    for path in sorted(touched):
        target = out / path
        if path not in files:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_name(f".{target.name}.tmp")
        staging.write_bytes(files[path].data)
        os.replace(staging, target)
    return bool(touched)
