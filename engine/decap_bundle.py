"""Decap CMS's prebuilt bundle for /admin/ (engine/admin.py): fetched only when the editor is
used, as the one file npm publishes (the package's tarball, whose dist/ folder holds the whole
editor: no dependency tree, no Node), pinned by version and by npm's own integrity hash.

The tarball is kept in .cache/vendor/ and checked against the pinned SHA-512 on every use, not
only when it is fetched: whatever else is in that folder (copied, planted by a pull request or
another program, cut short by a full disk) is never published as the admin's JavaScript
(SECURITY.md, "The browser editor"). The files are read from the tarball in memory; nothing is
unpacked to disk, so no name inside it can point anywhere.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import io
import os
import re
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from .cache import read_regular, write_atomic

VERSION = "3.16.3"        # package.json's pin before the bundle left node_modules; engine/admin.py
TARBALL = f"decap-cms-{VERSION}.tgz"
# npm's integrity for that tarball (registry metadata `dist.integrity`, as package-lock.json
# recorded it): the bundle is these exact bytes or it is not used.
INTEGRITY = "sha512-hf+dPlCh7TJmWl8+6VRzHYOWhri5xgUknrZbDewaWe4s9B7xJ8PQugp2QHeSldMUKzav6+z0oIpwUYhUJDYtYw=="
REGISTRY = "https://registry.npmjs.org/"
MAX_BYTES = 32 * 1024 * 1024     # the tarball is 16.0 MB; a server sending more is not npm's
SIZE = "16 MB"                    # as messages give it
TIMEOUT = 30.0
FETCH_HINT = "make admin-files"   # what an editor types (the Makefile runs build.py fetch-admin)
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def location(root: Path) -> Path:
    return root / ".cache" / "vendor" / TARBALL


def url(registry: str = REGISTRY) -> str:
    return f"{registry.rstrip('/')}/decap-cms/-/{TARBALL}"


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


class BundleError(Exception):
    """A file where the bundle should be that is not the pinned bundle."""


@dataclass(frozen=True)
class Bundle:
    files: tuple[tuple[str, bytes], ...]   # (name in dist/, bytes), sorted by name


def published_name(name: str) -> bool:
    """The dist files the admin needs: decap-cms.js, its lazy chunks and wasm, and its licence.
    Not the source maps, nor the cms.js build (the same editor again, for bundlers)."""
    return (SAFE_NAME.fullmatch(name) is not None and not name.endswith(".map")
            and not name.startswith("cms.") and not name.endswith(".cms.js"))


def present(root: Path) -> bool:
    path = location(root)
    return path.is_symlink() or path.exists()


def load(root: Path) -> Bundle | None:
    """The verified bundle; None when there is none; BundleError when the file there is not it."""
    path = location(root)
    if not present(root):
        return None
    try:
        info = os.lstat(path)
    except OSError as error:
        raise BundleError(f"cannot be read ({error.strerror})") from None
    return _verified(str(path), info.st_ino, info.st_mtime_ns, info.st_size)


@functools.lru_cache(maxsize=2)
def _verified(path: str, inode: int, mtime: int, size: int) -> Bundle:
    """Read, hashed and unpacked once per process while the file stays the same (the dev
    server builds many times)."""
    data = read_regular(Path(path), limit=MAX_BYTES)
    if data is None:
        raise BundleError("is not a regular file of at most 32 MB")
    if integrity_of(data) != INTEGRITY:
        raise BundleError(f"is not Decap CMS {VERSION} as npm publishes it (its SHA-512 differs "
                          "from the pinned one)")
    return Bundle(unpacked(data))


def unpacked(data: bytes) -> tuple[tuple[str, bytes], ...]:
    """package/dist/<name> for each published name, regular files only."""
    files = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive:
            folder, _, name = member.name.rpartition("/")
            if folder == "package/dist" and member.isreg() and published_name(name):
                files.append((name, archive.extractfile(member).read()))
    return tuple(sorted(files))


def fetch(root: Path, registry: str = REGISTRY, log=print, fail=None) -> int:
    """`build.py fetch-admin`: the tarball into .cache/vendor/, unless the right one is there.
    Exit status 0 when it is there, 1 when what came was not it (nothing kept), 3 when the
    registry cannot be reached (as `archive --check` offline). `log` says what was done, `fail`
    (stderr by default) why nothing was."""
    fail = fail or (lambda line: print(line, file=sys.stderr))
    try:
        if load(root) is not None:
            log(f"Decap CMS {VERSION} is already in {location(root).relative_to(root)} (its "
                "SHA-512 checked): nothing fetched.")
            return 0
    except BundleError as error:
        log(f"{location(root).relative_to(root)} {error}: fetching it again.")
    address = url(registry)
    if not address.startswith(("https://", "http://")):   # urllib would also read file:// and ftp://
        fail(f"{registry} is not a web address: give the registry as https://…, e.g. {REGISTRY}. "
             "Nothing was changed.")
        return 2
    import urllib.error  # here: every build imports this module, and only a fetch needs these
    import urllib.request
    try:
        request = urllib.request.Request(address, headers={"User-Agent": "investigation-engine"})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            data = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        fail(f"Could not fetch Decap CMS {VERSION}: {address} answered {error.code}. Nothing was "
            "changed; try again later, or check the address.")
        return 3
    except (OSError, ValueError) as error:   # URLError, timeouts, a malformed --registry
        reason = getattr(error, "reason", error)
        fail(f"Could not reach {address} ({reason}). Nothing was changed. The browser editor "
            "needs this one download; the rest of the site builds without it.")
        return 3
    if len(data) > MAX_BYTES or integrity_of(data) != INTEGRITY:
        fail(f"What {address} sent is not Decap CMS {VERSION} as npm publishes it (its SHA-512 "
            "differs from the pinned one). Nothing was kept.")
        return 1
    folder = location(root).parent
    # a committed `.cache -> ~` would have the download written elsewhere
    for path in (folder.parent, folder, location(root)):
        if path.is_symlink() or (path.exists() and not (path.is_file() if path.name == TARBALL
                                                         else path.is_dir())):
            fail(f"{path.relative_to(root)} is a symbolic link or not a plain "
                f"{'file' if path.name == TARBALL else 'folder'}: remove it, then run this again. "
                "Nothing was kept.")
            return 1
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder, TARBALL, data)
    log(f"Fetched Decap CMS {VERSION} ({len(data) / 1e6:.1f} MB, SHA-512 checked) into "
        f"{location(root).relative_to(root)}.")
    return 0
