#!/usr/bin/env python3
"""Screenshots of a built site at phone and desktop widths, for looking at the design: the
whole page (<path>-<width>.png) and its first screen (<path>-<width>-screen.png, 390x844 or
1280x800).

    .venv/bin/python scripts/screenshots.py _site OUTDIR / claims/ timeline/
"""
from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-quic",
        "--no-first-run", "--disable-sync"]


def main(site: str, out: str, *paths: str, base: str = "/") -> None:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Path(out).mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width in (390, 1280):
            page = browser.new_page(viewport={"width": width, "height": 844 if width < 800 else 800})
            for path in paths or ("",):
                page.goto(f"http://127.0.0.1:{server.server_port}{base}{path.lstrip('/')}",
                          wait_until="networkidle")
                name = "".join(c if c.isalnum() or c in "-." else "_" for c in path.strip("/")) or "home"
                page.screenshot(path=str(Path(out) / f"{name}-{width}-screen.png"))
                page.screenshot(path=str(Path(out) / f"{name}-{width}.png"), full_page=True)
            page.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *sys.argv[3:])
