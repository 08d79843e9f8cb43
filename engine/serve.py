"""Stage 6, serve: the dev server. Rebuilds on every change under content/, templates/, static/
and overrides/, and reloads the open page (livereload).

While the content has errors the server keeps running, the output folder keeps the last good
build, and every page shows the list of errors instead, until they are fixed. Livereload's
script is added to responses here, in memory: it is never written to the output folder.

It answers only the host it was started for (allowed_hosts: a page using DNS rebinding reaches
127.0.0.1 under its own name, and must not read drafts), its live-reload socket accepts only
its own origin and is told site URLs, never local paths, and a malformed URL is a 400, never a
traceback (SECURITY.md, "The dev server").
"""
from __future__ import annotations

import html
import json
import signal
import sys
import threading
from http import HTTPStatus
from pathlib import Path

from . import admin as web_admin
from .admin import content_folder, with_local_backend
from .cache import open_folder, snapshot
from .incremental import DevBuild
from .local_backend import API_PATH, MAX_BODY, LocalBackend
from .paths import Paths
from .problems import Problem, printable
from .search import SearchIndexError
from .strings import counted
from .timings import Timings

DEFAULT_HOST = "127.0.0.1"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_URL_PATH = 2048

ERROR_CSS = Path(__file__).parent / "dev-errors.css"
ERROR_CSS_URL = "/_dev/errors.css"
# A fixed table, not the machine's /etc/mime.types, so every machine serves the same types.
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml", ".xml": "application/xml",
         ".json": "application/json", ".txt": "text/plain; charset=utf-8", ".png": "image/png",
         ".jpg": "image/jpeg", ".webp": "image/webp", ".ico": "image/x-icon", ".wasm": "application/wasm"}


class DevSite:
    """The last build's outcome, shared between the watcher and the web handler."""

    def __init__(self, paths: Paths, out: Path, now: str | None, drafts: bool, admin: bool = False,
                 hosts: frozenset[str] = frozenset(), verbose: bool = False, strict: bool = False):
        self.paths, self.out, self.now, self.drafts = paths, out, now, drafts
        self.verbose = verbose   # --verbose: the notices too
        self.hosts = hosts   # allowed_hosts(): the Host headers, and so the origins, answered
        self.backend = None   # with `serve --admin`: Decap's local backend, at API_PATH
        if admin:
            self.backend = LocalBackend(paths.content, content_folder(paths))
        self.builder = DevBuild(paths, out, now, drafts, strict=strict, index_in_background=True)
        self.indexing = threading.Lock()
        self.failures: list[Problem] = []
        self.base_path = "/"
        self.lock = threading.Lock()

    def rebuild(self, stats: dict | None = None) -> None:
        with self.lock:
            result = self.builder.update(stats)
            self.failures = list(result.failures)
            if self.verbose:
                for notice in result.problems.notices:
                    print(f"  {notice}", flush=True)
            if result.ok:
                self.base_path = self.builder.validation.site.base_path
                print(self.builder.last, flush=True)
                if self.builder.index_stale or self.builder.data_stale:
                    threading.Thread(target=self.refresh_index, daemon=True).start()
            else:
                print(counted(len(self.failures), "{n} problem; showing it in the browser:",
                              "{n} problems; showing them in the browser:"), flush=True)
                for problem in self.failures:
                    print(f"  {problem}", flush=True)

    def refresh_index(self) -> None:
        """The search index, after the pages and the reload, timed on its own. One refresh at a
        time; edits made meanwhile are picked up by the next round."""
        if not self.indexing.acquire(blocking=False):
            return   # the running refresh loops while the index is stale
        try:
            while self.builder.index_stale or self.builder.data_stale:
                steps = Timings()
                with self.lock:   # short, and the files must not change under it
                    if self.builder.data_stale:
                        steps.run("data", self.builder.refresh_data)
                # not under the rebuild's lock: the next edit must not wait for the index. Pages
                # are replaced one by one atomically, and an edit made meanwhile marks the
                # index stale again, so this loop indexes once more.
                try:
                    if self.builder.index_stale:
                        steps.run("search index", self.builder.refresh_search_index)
                except SearchIndexError as error:
                    print(f"search index: {printable(str(error))}", flush=True)
                    return
                print(f"refreshed after the reload: {steps}", flush=True)
        finally:
            self.indexing.release()

    def error_page(self) -> bytes:
        count = html.escape(counted(len(self.failures), "{n} problem", "{n} problems"))
        items = "\n".join(
            f'<li><span class="where">{html.escape(f"{p.path}:{p.line}:{p.column}")}</span>: '
            f"{html.escape(p.message)}</li>" for p in self.failures)
        return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>Build failed: {count}</title>"
                f'<link rel="stylesheet" href="{ERROR_CSS_URL}"></head><body>'
                f"<h1>The site could not be built: {count}</h1>"
                f"<p>{counted(len(self.failures), 'Fix it', 'Fix them')} and save; this page reloads by itself. The last good build is "
                f"unchanged.</p><ol>{items}</ol></body></html>").encode("utf-8")

    def app(self, environ, start_response):
        path = _url_path(environ.get("PATH_INFO", "/"))
        if path is None:
            return _respond(start_response, "400 Bad Request", b"Bad request", TYPES[".txt"])
        if path == API_PATH and self.backend is not None:
            return self.local_backend(environ, start_response)
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
        if self.backend is not None and path[len(self.base_path):] == "admin/config.yml":
            # in memory only, never in the output folder; on the origin the page was loaded
            # from: Decap then calls this same server
            body = with_local_backend(body, f"http://{environ.get('HTTP_HOST', DEFAULT_HOST)}{API_PATH}")
        if target.suffix == ".js":
            # livereload injects its script before each "</head>" of any response, not only
            # HTML; in a script that text is inside a string (Decap CMS has three), where
            # "<\/head>" means the same and is left alone
            body = body.replace(b"</head>", b"<\\/head>")
        return _respond(start_response, "200 OK", body, content_type)

    def local_backend(self, environ, start_response):
        """Decap's POSTs, from a page of this server's own origin only (engine/local_backend.py
        checks every path). A page of another origin gets no answer it can read, and its
        request is not carried out: browsers send Origin with every POST."""
        origin = environ.get("HTTP_ORIGIN", "")
        if environ.get("REQUEST_METHOD") != "POST" or not _origin_allowed(origin, self.hosts):
            return _respond(start_response, "403 Forbidden",
                            b'{"error": "only the editor on this server may call its backend"}',
                            TYPES[".json"])
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            return _respond(start_response, "413 Content Too Large",
                            b'{"error": "the request is too large"}', TYPES[".json"])
        status, answer = self.backend.handle(environ["wsgi.input"].read(length))
        body = json.dumps(answer).encode("utf-8")
        return _respond(start_response, f"{status} {HTTPStatus(status).phrase}", body, TYPES[".json"])

    def not_found(self, start_response):
        page = self.out / "404.html"
        body = page.read_bytes() if page.is_file() else b"Not found"
        return _respond(start_response, "404 Not Found", body, TYPES[".html"])


def _respond(start_response, status: str, body: bytes, content_type: str):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store")])
    return [body]


MISDIRECTED = (b"This dev server answers only the address it was started for: open the "
               b"address `build.py serve` printed.")


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The Host headers the dev server answers, from the address it is bound to, each with the
    port: for the loopback, the names a browser may use for it; for another address of this
    machine (`serve --host 192.168.1.20`), that address, which is what a phone on the network
    types; for all of them (0.0.0.0 or ::), the loopback names and this machine's own
    addresses (own_addresses). Never a name other than these, and never "any Host": a page
    that reached this port under its own name (DNS rebinding) gets a 421 and no content."""
    if host in LOOPBACK:
        names = set(LOOPBACK)
    elif host in ("0.0.0.0", "::"):
        names = set(LOOPBACK) | own_addresses()
    else:
        names = {host}
    bracketed = {f"[{name}]" if ":" in name else name for name in names}
    allowed = {f"{name}:{port}" for name in bracketed}
    if port == 80:   # browsers leave out the default port
        allowed |= bracketed
    return frozenset(name.lower() for name in allowed)


def own_addresses() -> set[str]:
    """This machine's IP addresses, as far as the standard library can tell without sending
    anything: those its host name resolves to, and the one it would use to reach another
    network (a UDP socket's connect sends no packet). Addresses it cannot learn this way are
    not answered: pass that address to --host instead of 0.0.0.0."""
    import ipaddress
    import socket
    found: set[str] = set()
    try:
        for *_, sockaddr in socket.getaddrinfo(socket.gethostname(), None):
            found.add(str(sockaddr[0]).partition("%")[0])
    except OSError:
        pass
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as udp:
                udp.connect((probe, 9))
                found.add(str(udp.getsockname()[0]).partition("%")[0])
        except OSError:
            pass
    return {address for address in found
            if not ipaddress.ip_address(address).is_unspecified}


def _host_allowed(host: str, hosts: frozenset[str]) -> bool:
    return host.lower() in hosts


def _origin_allowed(origin: str, hosts: frozenset[str]) -> bool:
    scheme, _, host = origin.partition("://")
    return scheme == "http" and _host_allowed(host, hosts)


def _url_path(raw: str) -> str | None:
    """The URL path of a request, or None for one no file can have: tornado hands PATH_INFO
    percent-decoded, as bytes in a latin-1 string; not UTF-8, a NUL or another control
    character, a backslash or a very long path is a bad request, never a traceback."""
    try:
        path = raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return None
    if (len(path) > MAX_URL_PATH or not path.startswith("/") or "\\" in path
            or any(ord(c) < 32 or ord(c) == 127 for c in path)):
        return None
    return path


def _resolve(root: Path, relative: str) -> Path | None:
    """The file for a URL path, never outside root; folders serve their index.html."""
    root = root.resolve()
    try:
        candidate = (root / relative).resolve()
        if candidate != root and root not in candidate.parents:
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None
    except OSError:   # a name too long for the file system, a loop of links
        return None


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
            self.filepath = reload_path(site, changed)
            return self.filepath, None

    return SnapshotWatcher()


def reload_path(site: DevSite, changed: list[str]) -> str:
    """What live reload tells the open pages: the site URL of a lone stylesheet edit, which
    livereload.js then reloads in place, else "*" (the whole page). Never a local path: any
    page that opened the socket would learn the folder layout and user name."""
    if len(changed) == 1 and changed[0].endswith(".css"):
        for folder in site.paths.static:
            if Path(changed[0]).is_relative_to(folder):
                return f"{site.base_path}static/{Path(changed[0]).relative_to(folder).as_posix()}"
    return "*"


def dev_server(site: DevSite, watcher):
    """livereload's server, with each route behind the Host check and the socket behind the
    Origin check. livereload itself answers any Host and any Origin, and /forcereload lets any
    page reload the others: its Application is rebuilt here without that route."""
    from livereload import Server
    from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
    from livereload.server import LiveScriptContainer
    from tornado import web

    class OwnOriginSocket(LiveReloadHandler):
        def check_origin(self, origin):
            return _origin_allowed(origin, site.hosts)

    class Misdirected(web.RequestHandler):
        def prepare(self):
            self.set_status(421)
            self.set_header("Content-Type", TYPES[".txt"])
            self.finish(MISDIRECTED)

    class HostChecked(web.Application):
        def find_handler(self, request, **kwargs):
            if not _host_allowed(request.headers.get("Host", ""), site.hosts):
                return self.get_handler_delegate(request, Misdirected)
            return super().find_handler(request, **kwargs)

    class DevServer(Server):
        def application(self, port, host, liveport=None, debug=None, live_css=True):
            LiveReloadHandler.watcher = self.watcher
            LiveReloadHandler.live_css = live_css
            # livereload's own snippet: the script from this page's host and port
            script = (b'<script type="text/javascript">(function(){'
                      b'var s=document.createElement("script");'
                      b'var port=(window.location.port || 80);'
                      b's.src="//"+window.location.host+"/livereload.js?port=" + port;'
                      b'document.head.appendChild(s);})();</script>')
            HostChecked([(r"/livereload", OwnOriginSocket), (r"/livereload.js", LiveReloadJSHandler),
                         (r".*", web.FallbackHandler, {"fallback": LiveScriptContainer(self.app, script)})]
                        ).listen(port, address=host)

    return DevServer(app=site.app, watcher=watcher)


def serve(paths: Paths, out: Path, port: int, now: str | None, drafts: bool,
          admin: bool = False, verbose: bool = False, host: str | None = None,
          strict: bool = False) -> int:
    # build.py refuses --host with --admin; this holds even if a caller forgets
    if admin and host not in (None, *LOOPBACK):
        raise ValueError("the editor's backend stays on the loopback: no --host with --admin")
    host = host or DEFAULT_HOST
    if admin and not web_admin.decap_bundle.present(paths.root):
        bundle = web_admin.decap_bundle
        print(f"serve --admin needs Decap CMS {web_admin.DECAP_VERSION}, the browser editor, which "
              f"has not been fetched on this machine: run `make admin` (it fetches it, "
              f"{bundle.SIZE} from npm, then starts this server), or `{bundle.FETCH_HINT}` first.",
              file=sys.stderr)
        return 2
    site = DevSite(paths, out, now, drafts, admin, hosts=allowed_hosts(host, port),
                   verbose=verbose, strict=strict)
    key = open_folder(paths.root / ".cache")
    if key is not None:   # a restart redraws no unchanged card
        site.builder.memory.cards.use_folder(paths.root / ".cache" / "cards", key)
    site.rebuild()
    validation = getattr(site.builder, "validation", None)
    settings = validation.site if validation is not None else None
    note = web_admin.left_out(settings, paths.root) if settings is not None else None
    if note and not admin:
        print(note, flush=True)
    server = dev_server(site, snapshot_watcher(site))
    server.watch(str(paths.content))   # the watcher scans every folder the build reads
    shown_host = DEFAULT_HOST if host in LOOPBACK else host
    print(f"Serving on http://{shown_host if ':' not in shown_host else f'[{shown_host}]'}:{port}"
          f"{site.base_path} (Ctrl+C to stop)", flush=True)
    if host not in LOOPBACK:
        print(exposure_warning(host, port, drafts, sorted(site.hosts)), flush=True)
    if admin:
        print(f"Editing in the browser: http://{DEFAULT_HOST}:{port}{site.base_path}admin/ "
              f"(writes to {paths.content} only)", flush=True)
    # SIGTERM and SIGHUP (a closed terminal) stop it the way Ctrl+C does, so that what it
    # started stops with it: a card-drawing pool's workers, a Pagefind run (which also dies
    # with it when it is killed outright: search._die_with_parent)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, _interrupt)
    server.serve(port=port, host=host, debug=False, restart_delay=0)
    return 0


def exposure_warning(host: str, port: int, drafts: bool, hosts: list[str]) -> str:
    """The line `serve --host` prints: who can read what, and at which addresses."""
    what = "the site, drafts and embargoed items included" if drafts else "the site"
    return (f"Warning: every device on this network can read {what}, at "
            f"{', '.join('http://' + name for name in hosts)}. Stop the server (Ctrl+C) when "
            f"you are done; other addresses are refused.")


def _interrupt(number, frame):
    raise KeyboardInterrupt
