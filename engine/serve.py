"""Stage 6, serve: the dev server. Rebuilds on every change under content/, templates/, static/
and overrides/, and reloads the open page (livereload).

While the content has errors the server keeps running, the output folder keeps the last good
build, and every page shows the list of errors instead, until they are fixed. Livereload's
script is added to responses here, in memory: it is never written to the output folder.
"""
from __future__ import annotations

import html
import threading
import time
from pathlib import Path
from urllib.parse import unquote

from . import cards
from .cache import snapshot
from .incremental import DevBuild
from .search import SearchIndexError
from .pipeline import Paths
from .problems import Problem

ERROR_CSS = Path(__file__).parent / "dev-errors.css"
ERROR_CSS_URL = "/_dev/errors.css"
# A fixed table, not the machine's /etc/mime.types, so every machine serves the same types.
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml", ".xml": "application/xml",
         ".json": "application/json", ".txt": "text/plain; charset=utf-8", ".png": "image/png",
         ".jpg": "image/jpeg", ".webp": "image/webp", ".ico": "image/x-icon", ".wasm": "application/wasm"}


class DevSite:
    """The last build's outcome, shared between the watcher and the web handler."""

    def __init__(self, paths: Paths, out: Path, now: str | None, drafts: bool, admin: bool = False):
        self.paths, self.out, self.now, self.drafts = paths, out, now, drafts
        self.admin = admin   # serve /admin/config.yml with Decap's local_backend (decap-server)
        self.builder = DevBuild(paths, out, now, drafts, index_in_background=True)
        self.indexing = threading.Lock()
        self.failures: list[Problem] = []
        self.base_path = "/"
        self.lock = threading.Lock()

    def rebuild(self, stats: dict | None = None) -> None:
        with self.lock:
            result = self.builder.update(stats)
            self.failures = list(result.failures)
            if result.ok:
                self.base_path = self.builder.validation.site.base_path
                print(f"rebuilt: {len(result.files)} files, {result.timings}", flush=True)
                if self.builder.index_stale or self.builder.data_stale:
                    threading.Thread(target=self.refresh_index, daemon=True).start()
            else:
                print(f"{len(self.failures)} problems; showing them in the browser:", flush=True)
                for problem in self.failures:
                    print(f"  {problem}", flush=True)

    def refresh_index(self) -> None:
        """The search index, after the pages and the reload, timed on its own. One refresh at a
        time; edits made meanwhile are picked up by the next round."""
        if not self.indexing.acquire(blocking=False):
            return   # the running refresh loops while the index is stale
        try:
            while self.builder.index_stale or self.builder.data_stale:
                started = time.perf_counter()
                with self.lock:   # short, and the files must not change under it
                    self.builder.refresh_data()
                # not under the rebuild's lock: the next edit must not wait for the index. Pages
                # are replaced one by one atomically, and an edit made meanwhile marks the
                # index stale again, so this loop indexes once more.
                try:
                    self.builder.refresh_search_index()
                except SearchIndexError as error:
                    print(f"search index: {error}", flush=True)
                    return
                print(f"data and search index refreshed: {(time.perf_counter() - started) * 1000:.0f} ms",
                      flush=True)
        finally:
            self.indexing.release()

    def error_page(self) -> bytes:
        items = "\n".join(
            f'<li><span class="where">{html.escape(f"{p.path}:{p.line}:{p.column}")}</span>: '
            f"{html.escape(p.message)}</li>" for p in self.failures)
        return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>Build failed: {len(self.failures)} problems</title>"
                f'<link rel="stylesheet" href="{ERROR_CSS_URL}"></head><body>'
                f"<h1>The site could not be built: {len(self.failures)} problems</h1>"
                f"<p>Fix them and save; this page reloads by itself. The last good build is "
                f"unchanged.</p><ol>{items}</ol></body></html>").encode("utf-8")

    def app(self, environ, start_response):
        path = unquote(environ.get("PATH_INFO", "/"))
        if path == ERROR_CSS_URL:
            return _respond(start_response, "200 OK", ERROR_CSS.read_bytes(), TYPES[".css"])
        if self.failures:
            return _respond(start_response, "500 Internal Server Error", self.error_page(),
                            TYPES[".html"])
        if not path.startswith(self.base_path):
            if path == "/":
                start_response("302 Found", [("Location", self.base_path)])
                return [b""]
            return self.not_found(start_response)
        target = _resolve(self.out, path[len(self.base_path):])
        if target is None:
            return self.not_found(start_response)
        content_type = TYPES.get(target.suffix, "application/octet-stream")
        body = target.read_bytes()
        if self.admin and path[len(self.base_path):] == "admin/config.yml":
            from .admin import with_local_backend   # in memory only: never in the output folder
            body = with_local_backend(body)
        if target.suffix == ".js":
            # livereload injects its script before each "</head>" of any response, not only
            # HTML; in a script that text is inside a string (Decap CMS has three), where
            # "<\/head>" means the same and is left alone
            body = body.replace(b"</head>", b"<\\/head>")
        return _respond(start_response, "200 OK", body, content_type)

    def not_found(self, start_response):
        page = self.out / "404.html"
        body = page.read_bytes() if page.is_file() else b"Not found"
        return _respond(start_response, "404 Not Found", body, TYPES[".html"])


def _respond(start_response, status: str, body: bytes, content_type: str):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store")])
    return [body]


def _resolve(root: Path, relative: str) -> Path | None:
    """The file for a URL path, never outside root; folders serve their index.html."""
    root = root.resolve()
    candidate = (root / relative).resolve()
    if candidate != root and root not in candidate.parents:
        return None
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def snapshot_watcher(site: DevSite):
    """A livereload watcher that scans the watched folders once per poll and hands that scan to
    the rebuild. Livereload's own watcher walks each folder with a stat per file, and the
    rebuild would then scan them all again: at 10,000 claims each scan is about 50 ms."""
    from livereload.watcher import Watcher

    class SnapshotWatcher(Watcher):
        seen = snapshot(site.builder.watched)

        def examine(self):
            if self._changes:   # livereload's own requests (a restart)
                return self._changes.pop()
            stats = snapshot(site.builder.watched)
            if stats == self.seen:
                return None, None
            changed = sorted(p for p, stat in stats.items() if self.seen.get(p) != stat)
            self.seen = stats
            site.rebuild(stats)
            self.filepath = changed[0] if changed else "*"   # a lone .css edit reloads just CSS
            return self.filepath, None

    return SnapshotWatcher()


def serve(paths: Paths, out: Path, port: int, now: str | None, drafts: bool,
          admin: bool = False) -> int:
    from livereload import Server

    from .cache import open_folder
    key = open_folder(paths.root / ".cache")
    if key is not None:   # a restart redraws no unchanged card
        cards.use_cache_folder(paths.root / ".cache" / "cards", key)
    site = DevSite(paths, out, now, drafts, admin)
    site.rebuild()
    server = Server(app=site.app, watcher=snapshot_watcher(site))
    server.watch(str(paths.content))   # the watcher scans every folder the build reads
    print(f"Serving on http://127.0.0.1:{port}{site.base_path} (Ctrl+C to stop)", flush=True)
    backend = None
    if admin:
        from .admin import start_local_backend
        backend = start_local_backend(paths)
        print(f"Editing in the browser: http://127.0.0.1:{port}{site.base_path}admin/ "
              "(decap-server writes to the working copy)", flush=True)
    try:
        server.serve(port=port, host="127.0.0.1", debug=False, restart_delay=0)
    finally:
        if backend is not None:
            from .admin import stop_local_backend
            stop_local_backend(backend)
    return 0
