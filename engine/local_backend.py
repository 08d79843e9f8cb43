"""The browser editor's local backend: what `serve --admin` answers Decap CMS at /_dev/api/v1, on
the dev server's own origin, in place of decap-server (SECURITY.md, "The browser editor").

decap-server served the whole repository to anything that reached its port, under any Host: a
page using DNS rebinding could read .git/config and rewrite build.py or .git/hooks/*. This
speaks the same small protocol (decap-cms-backend-proxy's POST {"action", "params"}), but every
path a request names must be a file inside the content folder (where the media folder is too):
no "." or ".." segment, no hidden name, no symlink anywhere on the way, no device or FIFO. A
refused request changes nothing, even when only one of its paths is refused. Host is checked by
the dev server before any request gets here, and the Origin here: a page of any other origin
is refused even if it reaches the port. Nothing runs beside the dev server: it stops with it.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path

API_PATH = "/_dev/api/v1"
MAX_BODY = 50 * 1024 * 1024   # decap-server's own limit: an upload of a few images
MAX_PATH = 1024


class Refused(Exception):
    """A request this backend does not carry out: (HTTP status, what the editor is told)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class LocalBackend:
    def __init__(self, content: Path, prefix: str):
        """content: the content folder; prefix: its name as Decap's config.yml writes it
        (engine/admin.py content_folder, "content" in a repository)."""
        self.content = content.resolve()
        self.prefix = prefix.split("/")

    # --- paths ---------------------------------------------------------------------------------

    def inside(self, name) -> Path:
        """The file or folder a request names, checked to lie inside the content folder without
        following any symlink; it may not exist yet."""
        if not isinstance(name, str) or not name or len(name) > MAX_PATH:
            raise Refused(403, "a path must be a short text naming a file in the content folder")
        parts = name.split("/")
        rest = parts[len(self.prefix):]
        if parts[:len(self.prefix)] != self.prefix or not rest:
            raise Refused(403, f"only files inside {'/'.join(self.prefix)}/ can be read or written")
        for part in rest:
            if (not part or part.startswith(".") or "\\" in part
                    or any(ord(c) < 32 or ord(c) == 127 for c in part)):
                raise Refused(403, "a path must not have empty, hidden, '.' or '..' parts, "
                                   "backslashes or control characters")
        target = self.content
        for part in rest:
            target = target / part
            if target.is_symlink():   # a link inside content/ may point anywhere
                raise Refused(403, "the editor does not follow symlinks inside the content folder")
        return target

    def named(self, target: Path) -> str:
        return "/".join([*self.prefix, *target.relative_to(self.content).parts])

    # --- files ---------------------------------------------------------------------------------

    @staticmethod
    def read(target: Path) -> bytes:
        # no-follow and non-blocking: a symlink swapped in since the check, or a FIFO, fails
        # at once instead of being read through or hanging the server
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise OSError("not a regular file")
            return handle.read()

    def write(self, target: Path, data: bytes) -> None:
        folder = target.parent
        folder.mkdir(parents=True, exist_ok=True)
        if folder.resolve() != folder.absolute() or target.is_dir():   # raced by a symlink
            raise Refused(403, "the editor does not follow symlinks inside the content folder")
        temporary = folder / f".{target.name}.editing"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)   # replaces a link itself, never the file it points to

    def listing(self, folder: Path, extension: str, depth: int) -> list[Path]:
        """Regular files under folder, depth levels deep, skipping symlinks and hidden names."""
        if depth <= 0 or folder.is_symlink() or not folder.is_dir():
            return []
        found = []
        for child in sorted(folder.iterdir()):
            if child.name.startswith(".") or child.is_symlink():
                continue
            if child.is_dir():
                found += self.listing(child, extension, depth - 1)
            elif child.is_file() and child.name.endswith(extension):
                found.append(child)
        return found

    def entry(self, target: Path, label=None) -> dict:
        try:
            data = self.read(target)
        except OSError:
            return {"data": None, "file": {"path": self.named(target), "label": label, "id": None}}
        return {"data": data.decode("utf-8", errors="replace"),
                "file": {"path": self.named(target), "label": label,
                         "id": hashlib.sha256(data).hexdigest()}}

    def media(self, target: Path) -> dict:
        try:
            data = self.read(target)
        except OSError as error:
            raise Refused(404, "no such media file") from error
        return {"id": hashlib.sha256(data).hexdigest(), "content": base64.b64encode(data).decode(),
                "encoding": "base64", "path": self.named(target), "name": target.name}

    # --- the protocol --------------------------------------------------------------------------

    def handle(self, body: bytes) -> tuple[int, object]:
        """(status, JSON answer) for one request body."""
        try:
            request = json.loads(body)
            if not isinstance(request, dict):
                raise ValueError
        except (ValueError, RecursionError):
            return 400, {"error": "the request is not a JSON object"}
        params = request.get("params") or {}
        try:
            if not isinstance(params, dict):
                raise Refused(400, "params must be an object")
            return 200, self.action(str(request.get("action")), params)
        except Refused as refused:
            return refused.status, {"error": str(refused)}
        except (KeyError, TypeError, ValueError, AttributeError):
            return 400, {"error": "the request's params are not what this action takes"}
        except OSError:
            return 500, {"error": "the file could not be read or written"}

    def action(self, action: str, params: dict):
        if action == "info":
            return {"repo": self.content.name, "publish_modes": ["simple"], "type": "local_fs"}
        if action == "entriesByFolder":
            folder = self.inside(params["folder"])
            return [self.entry(f) for f in self.listing(folder, str(params.get("extension", "")),
                                                         min(int(params.get("depth", 1)), 16))]
        if action == "entriesByFiles":
            return [self.entry(self.inside(f["path"]), f.get("label")) for f in params["files"]]
        if action == "getEntry":
            return self.entry(self.inside(params["path"]))
        if action == "getMedia":
            return [self.media(f) for f in self.listing(self.inside(params["mediaFolder"]), "", 1)]
        if action == "getMediaFile":
            return self.media(self.inside(params["path"]))
        if action == "persistEntry":
            files = params.get("dataFiles") or [params["entry"]]
            writes = [(self.inside(f["path"]), f["raw"].encode("utf-8")) for f in files]
            writes += [(self.inside(a["path"]), _decoded(a)) for a in params.get("assets", [])]
            moves = [(self.inside(f["path"]), self.inside(f["newPath"]))
                     for f in files if f.get("newPath")]
            for target, data in writes:   # every path is checked before anything is written
                self.write(target, data)
            for source, target in moves:
                if source.is_file():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(source, target)
            return {"message": "entry persisted"}
        if action == "persistMedia":
            target = self.inside(params["asset"]["path"])
            self.write(target, _decoded(params["asset"]))
            return self.media(target)
        if action in ("deleteFile", "deleteFiles"):
            targets = [self.inside(p) for p in (params["paths"] if action == "deleteFiles"
                                                 else [params["path"]])]
            for target in targets:
                if target.is_file():
                    target.unlink()
            return {"message": "deleted"}
        if action == "getDeployPreview":
            return None
        raise Refused(422, f"unknown action {action[:40]}")


def _decoded(asset: dict) -> bytes:
    if asset.get("encoding") != "base64":
        raise Refused(400, "media content must be base64")
    return base64.b64decode(asset["content"], validate=True)
