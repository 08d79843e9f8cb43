"""The output folder is never anything but an output folder (SECURITY.md, "The output folder").

A build replaces its output folder whole (engine/write.py), so a wrong `--out` would delete
whatever it names: the content, the checkout, the home folder. Every command that writes a
site or a bundle calls `check_location` before it reads or writes anything, and the write
stage calls `check_replaceable` before it replaces a folder:

- the location: not `/`, the repository, the home folder or a folder holding any of them; not
  the content folder or an input folder (templates, static, overrides, engine, .git…), nor
  inside or around one; not a symlink, and not reached through a symlink that lives inside the
  repository (a committed `_site -> ..`);
- the folder: missing, empty, or made by a build, which writes MARKER into every site it makes.
  A non-empty folder without it (a previous version's `_site/` included) is refused, never
  deleted: the editor deletes it once, by hand;
- one writer at a time: `locked` holds an flock on `.<name>.lock` beside the folder, so a
  second build waits for the first (or fails with one line), and never crashes it.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import time
from pathlib import Path

from .problems import printable

MARKER = ".build-output"
MARKER_TEXT = (b"This folder is written by build.py, which replaces it whole on every build.\n"
               b"Keep nothing else in it.\n")
# Folders of the repository that a build reads, or that hold its history.
INPUT_FOLDERS = ("templates", "static", "overrides", "engine", ".git", "node_modules", ".cache",
                 "schemas", "tests", "scripts")
LOCK_WAIT_SECONDS = 60


class OutFolderError(Exception):
    """A refused output folder: one line that says what to do instead."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


def shown(path: Path | str, limit: int = 120) -> str:
    """A path as it may be printed: one line, control characters as visible escapes, short."""
    text = printable(str(path))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _refuse(out: Path, what: str, relation: str, name: str, bundle: bool):
    if bundle:
        raise OutFolderError(f"--out {shown(out)}: {what} {relation} {name}, where a bundle must "
                             "not add files: give a folder of its own, e.g. --out _bundle")
    raise OutFolderError(f"--out {shown(out)}: {what} {relation} {name}, and a build replaces its "
                         "folder whole: give a new folder of its own, e.g. --out _site")


def check_location(out: Path, root: Path, content: Path, overrides: Path | None = None,
                   bundle: bool = False, shown_as: Path | str | None = None) -> Path:
    """Refuses an output folder that could be anything but one (OutFolderError); returns the
    folder with every symlink resolved, which is where the build writes. A bundle's folder only
    receives three new files and loses none: it must only not be, or be inside, an input."""
    what = "the bundle's folder" if bundle else "the output folder"
    named_as = out if shown_as is None else shown_as
    given = Path(os.path.abspath(out))   # not resolve(): the symlinks are what is checked
    root = root.resolve()
    if given.is_symlink():
        raise OutFolderError(f"--out {shown(named_as)}: {what} is a symlink (to "
                             f"{shown(os.readlink(given))}): a build replaces its folder, so "
                             "give a real folder, e.g. --out _site after removing the link")
    for parent in given.parents:
        if parent.is_symlink() and Path(os.path.realpath(parent.parent)).is_relative_to(root):
            raise OutFolderError(f"--out {shown(named_as)}: {shown(parent)} is a symlink inside the "
                                 "repository: give a folder reached without it, e.g. --out _site")
    real = Path(os.path.realpath(given))
    named = {"/": Path("/"), "the repository": root}
    with contextlib.suppress(RuntimeError, KeyError):   # no home folder known (some CI users)
        named["the home folder"] = Path.home()
    inputs = {"the content folder": content}
    inputs.update({f"the input folder {name}/": root / name for name in INPUT_FOLDERS})
    if overrides is not None:
        inputs["the overrides folder"] = overrides
    folders = [(name, Path(os.path.realpath(folder)), name in inputs)
               for name, folder in {**named, **inputs}.items()]
    # the closest relation first: "is the home folder" rather than "holds the repository"
    for relation, test in (("is", lambda f, _: real == f),
                           ("is inside", lambda f, is_input: is_input and real.is_relative_to(f)),
                           ("holds", lambda f, _: not bundle and f.is_relative_to(real))):
        for name, folder, is_input in folders:
            if test(folder, is_input) and (is_input or not bundle):
                _refuse(named_as, what, relation, name, bundle)
    return real


def is_ours(folder: Path) -> bool:
    """A folder a build made: a real folder (not a symlink) holding the marker file."""
    marker = folder / MARKER
    return folder.is_dir() and not folder.is_symlink() and marker.is_file() \
        and not marker.is_symlink()


def check_replaceable(out: Path, given: Path | str | None = None) -> None:
    """Refuses to replace anything but a missing or empty folder or one a build made; messages
    name the folder as `given` on the command line, when it was."""
    given = out if given is None else given
    if out.is_symlink():
        raise OutFolderError(f"--out {shown(given)}: the output folder is a symlink: a build "
                             "replaces its folder, so give a real folder")
    if not out.exists():
        return
    if not out.is_dir():
        raise OutFolderError(f"--out {shown(given)}: this is a file, not a folder: give a new "
                             "folder, e.g. --out _site")
    if is_ours(out) or not any(out.iterdir()):
        return
    raise OutFolderError(f"--out {shown(given)}: this folder is not empty and was not made by "
                         f"build.py (it has no {MARKER} file), so it is not replaced: delete it "
                         "yourself if nothing in it is needed (a site built by an older version "
                         "is such a folder, once), or give a new folder with --out")


def mark(folder: Path) -> None:
    """Makes `folder` (a new, empty staging folder) a build's own."""
    (folder / MARKER).write_bytes(MARKER_TEXT)


def lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


@contextlib.contextmanager
def locked(out: Path, command: str, wait: float = LOCK_WAIT_SECONDS, say=print):
    """Holds the output folder's lock while the block runs. A build waits up to `wait` seconds
    for another build; a dev server holds the folder for as long as it runs, so waiting for
    one is pointless: then, or after the wait, OutFolderError (exit code 1)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(out), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        deadline, said = time.monotonic() + wait, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
                pid, what = (holder + ["?", "build"])[:2]
                if what == "serve" or time.monotonic() >= deadline:
                    doing = "the dev server" if what == "serve" else "another build"
                    raise OutFolderError(
                        f"--out {shown(out)}: {doing} (process {shown(pid, 12)}) is writing to "
                        "this folder: wait for it to finish (or stop it), or give another folder "
                        "with --out", exit_code=1) from None
                if not said:
                    say(f"waiting for another build (process {shown(pid, 12)}) writing to "
                        f"{shown(out)}…", flush=True)
                    said = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {command}\n".encode(), 0)
        yield
    finally:
        os.close(fd)   # releases the lock; the file stays, so no one locks a deleted file


ENVIRONMENT = {errno.ENOSPC: "free some space", errno.EDQUOT: "free some space",
               errno.EROFS: "give a writable folder with --out",
               errno.EACCES: "give a folder you can write to with --out",
               errno.EPERM: "give a folder you can write to with --out"}


def environment_failure(error: OSError, out: Path | None) -> str:
    """One line for a failed read or write of the machine (full disk, read-only folder), which
    is no fault of the content: what failed, where, and what to do."""
    where = shown(error.filename) if error.filename else "build.py"
    reason = (error.strerror or str(error)).lower()
    advice = ENVIRONMENT.get(error.errno, "fix that")
    kept = f"; the previous site in {shown(out)} is unchanged" if out is not None else ""
    return f"{where}: {reason}: {advice}, then run the build again{kept}"


# --- staging folders a killed build left -----------------------------------------------------------

def staging_prefix(out: Path) -> str:
    return f".{out.name}.staging-"


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
        return True
    except (ValueError, OverflowError, ProcessLookupError):
        return False
    except PermissionError:
        return True


def _started_after(pid: str, moment: float) -> bool:
    """The process now using `pid` started after `moment` (Linux; False where it cannot tell):
    it took the number of a build that died before it, and owns nothing that build left."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK") > moment + 1   # btime is in whole seconds
    except (OSError, ValueError, IndexError, StopIteration):
        return False


def remove_stale_staging(out: Path) -> None:
    """Staging folders of killed builds (engine/write.py), removed by the next build, or by the
    next run that finds nothing to build (build.py): marked ones only (nothing else of that name goes), and
    not those of a process still running (a build this one's lock does not cover). A process
    that started after the folder last changed reuses a dead build's number: not its owner."""
    prefix = staging_prefix(out)
    for stale in out.parent.glob(prefix + "*"):
        pid = stale.name[len(prefix):].partition("-")[0]
        running = pid.isdigit() and int(pid) != os.getpid() and _alive(pid) \
            and not _started_after(pid, stale.stat().st_mtime)
        if is_ours(stale) and not running:
            shutil.rmtree(stale, ignore_errors=True)
