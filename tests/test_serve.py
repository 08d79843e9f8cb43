"""The dev server: rebuilds on save, shows errors in the browser, keeps the last good build."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from bs4 import BeautifulSoup

from conftest import NOW, ROOT, copy_fixture


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for(url: str, condition, timeout: float = 20.0) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    last = (0, "")
    while time.monotonic() < deadline:
        try:
            last = fetch(url)
            if condition(*last):
                return last
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {url}; last response: {last[0]} {last[1][:300]}")


def title(html: str) -> str:
    return BeautifulSoup(html, "html.parser").title.get_text()


def test_dev_server_rebuilds_on_save_and_shows_errors_until_fixed(tmp_path):
    content = copy_fixture(tmp_path)
    out = tmp_path / "_site"
    port = free_port()
    (tmp_path / "overrides" / "static").mkdir(parents=True)
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "serve", "--content", str(content), "--out", str(out),
         "--port", str(port), "--now", NOW, "--overrides", str(tmp_path / "overrides")], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/claims/valuation/"
    try:
        status, html = wait_for(url, lambda s, h: s == 200)
        assert title(html).startswith("The round valued Acme at about $50m.")
        assert "livereload.js" in html                          # injected by the server...
        assert "livereload" not in (out / "claims/valuation/index.html").read_text()  # ...never written

        claim = content / "claims/valuation.yaml"
        claim.write_text(claim.read_text().replace("at about $50m.", "at roughly $50m."))
        wait_for(url, lambda s, h: s == 200 and "roughly" in title(h))

        good = (out / "claims/valuation/index.html").read_text()
        claim.write_text(claim.read_text().replace("status: disputed", "status: disputd"))
        status, html = wait_for(url, lambda s, h: s == 500)
        soup = BeautifulSoup(html, "html.parser")
        errors = [li.get_text() for li in soup.find_all("li")]
        assert any(e.startswith("content/claims/valuation.yaml:3:9: unknown status") for e in errors)
        assert soup.find("link", rel="stylesheet")["href"] == "/_dev/errors.css"
        assert fetch(f"http://127.0.0.1:{port}/_dev/errors.css")[0] == 200
        assert (out / "claims/valuation/index.html").read_text() == good   # last good build stays

        claim.write_text(claim.read_text().replace("status: disputd", "status: disputed"))
        wait_for(url, lambda s, h: s == 200)

        # stable asset names while serving: a CSS edit rewrites the CSS, not every page
        page_file = out / "claims/valuation/index.html"
        assert 'href="/static/style.css"' in page_file.read_text()
        before = page_file.stat().st_ino, page_file.read_bytes()
        (tmp_path / "overrides/static/style.css").write_text("body { color: #123456; }")
        wait_for(f"http://127.0.0.1:{port}/static/style.css", lambda s, h: "#123456" in h)
        assert (page_file.stat().st_ino, page_file.read_bytes()) == before
        assert fetch(f"http://127.0.0.1:{port}/no/such/page/")[0] == 404
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_error_text_is_escaped_in_the_browser(tmp_path):
    from engine.pipeline import Paths
    from engine.problems import Problem
    from engine.serve import DevSite
    site = DevSite(Paths(ROOT, tmp_path, tmp_path), tmp_path / "out", NOW, False)
    site.failures = [Problem("content/<b>x</b>.yaml", 1, 2, 'unknown source "<script>alert(1)</script>"')]
    soup = BeautifulSoup(site.error_page(), "html.parser")
    assert not soup.find("script") and not soup.find("b")
    assert "<script>alert(1)</script>" in soup.get_text()
