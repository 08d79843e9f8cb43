"""Serves a built site on 127.0.0.1 with the headers netlify.toml gives each path, so browser
tests exercise the real Content Security Policy."""
from __future__ import annotations

import functools
import http.server
import io
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def netlify_headers(path: str, config: Path = ROOT / "netlify.toml") -> dict[str, str]:
    """The headers Netlify would send for a URL path: engine/headers.py reads netlify.toml the
    way Netlify does, for this server and for the build's <meta> policy alike."""
    from engine.headers import headers_for
    return headers_for(path, config)


class _Handler(http.server.SimpleHTTPRequestHandler):
    base_path = "/"
    send_netlify_headers = True   # False: a host that sends none (GitHub Pages)
    post_app = None
    extensions_map = {".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
                      ".svg": "image/svg+xml", ".xml": "application/xml", ".json": "application/json",
                      ".txt": "text/plain; charset=utf-8", ".png": "image/png", ".wasm": "application/wasm",
                      "": "application/octet-stream"}

    def translate_path(self, path):
        path = path.split("?", 1)[0].split("#", 1)[0]
        if path.startswith(self.base_path):
            path = "/" + path[len(self.base_path):]
        return super().translate_path(path)

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def end_headers(self):
        if self.send_netlify_headers:
            for name, value in netlify_headers(self.path.split("?", 1)[0]).items():
                self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args):
        pass

    def do_POST(self):
        """POSTs go to a WSGI app when one is given (the dev server's local backend)."""
        if self.post_app is None:
            return self.send_error(405)
        length = int(self.headers.get("Content-Length") or 0)
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": self.path.split("?", 1)[0],
                   "CONTENT_LENGTH": str(length), "wsgi.input": io.BytesIO(self.rfile.read(length)),
                   **{"HTTP_" + name.upper().replace("-", "_"): value
                      for name, value in self.headers.items()}}
        answer = {}
        body = b"".join(self.post_app(environ, lambda status, headers: answer.update(
            status=int(status.split()[0]), headers=headers)))
        self.send_response(answer["status"])
        for name, value in answer["headers"]:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(folder: Path, base_path: str = "/", headers: bool = True,
          post_app=None) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(type("Handler", (_Handler,), {"base_path": base_path,
                                                               "send_netlify_headers": headers,
                                                               "post_app": staticmethod(post_app)
                                                               if post_app else None}),
                                directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()   # shutdown() waits one poll
    return server, f"http://127.0.0.1:{server.server_port}{base_path}"
