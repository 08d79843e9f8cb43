"""`build.py archive`: the list of sources to capture, the sceptical and polite Wayback
availability client (against a stub server on 127.0.0.1), and the write-back into the YAML."""
from __future__ import annotations

import datetime as dt
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import ROOT, build

import build as build_py
from engine import archive, wayback

WIRE = "https://wire.example.com/acme"
TODAY = dt.date(2026, 11, 23)

# The fixture's wire source, with comments, a flow list and a quoted value to keep.
WIRE_YAML = """\
# yaml-language-server: $schema=../../../../schemas/source.schema.json
title: "Acme valued at $50m, sources say"   # the headline as printed
outlet: Wire Service
published: 2018-04-10
url: https://wire.example.com/acme  # checked by hand
# the kind is a guess until the wire's own page is found
kind: wire-copy
unverified: [authors]
added: 2026-11-01
updated: 2026-11-01
"""


def snapshot(when: str = "20180411093000", original: str = WIRE, **changes) -> tuple:
    closest = {"status": "200", "available": True, "timestamp": when,
               "url": f"http://web.archive.org/web/{when}/{original}", **changes}
    return 200, json.dumps({"url": original, "archived_snapshots": {"closest": closest}}), {}


NONE = (200, json.dumps({"url": WIRE, "archived_snapshots": {}}), {})


class LocalServer:
    """A server on 127.0.0.1, on a free port, answering with a subclass's handler."""

    def listen(self, handler: type[BaseHTTPRequestHandler]) -> None:
        handler.log_message = lambda *args: None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()   # shutdown() waits one poll

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class StubWayback(LocalServer):
    """An availability API on 127.0.0.1 that gives the scripted answers in order."""

    def __init__(self, answers: list[tuple]):
        self.answers, self.asked = list(answers), []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                stub.asked.append(self.path)
                status, body, headers = stub.answers.pop(0) if stub.answers else (500, "", {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body.encode("utf-8") if isinstance(body, str) else body)

        self.listen(Handler)


@pytest.fixture
def stub():
    servers = []

    def start(*answers):
        servers.append(StubWayback(list(answers)))
        return servers[-1]
    yield start
    for server in servers:
        server.close()


def client(api: str, slept: list) -> archive.WaybackAvailability:
    return archive.WaybackAvailability(api, sleep=slept.append, today=TODAY)


def test_a_capture_is_accepted_when_two_well_formed_answers_agree(stub):
    server, slept = stub(snapshot(), snapshot()), []
    capture = client(server.url, slept).closest_capture(WIRE)
    assert capture == archive.Capture(f"https://web.archive.org/web/20180411093000/{WIRE}",
                                      dt.date(2018, 4, 11))
    assert len(server.asked) == 2
    path = urlsplit(server.asked[0])
    assert path.path == "/wayback/available" and parse_qs(path.query)["url"] == [WIRE]
    assert slept == [1.0]   # a pause between requests, none before the first


def test_one_answer_is_never_trusted_alone(stub):
    server = stub(snapshot("20180411093000"), snapshot("20190101000000"), snapshot("20190101000000"))
    capture = client(server.url, []).closest_capture(WIRE)
    assert capture.day == dt.date(2019, 1, 1) and len(server.asked) == 3


@pytest.mark.parametrize("wrong", [
    snapshot(original="https://other.example.com/acme"),            # another page
    snapshot(url=f"http://archive.example.net/web/20180411093000/{WIRE}"),  # not the Wayback Machine
    snapshot("20181340250000"),                                     # a timestamp that is no date
    snapshot("20990101000000"),                                     # a capture in the future
    snapshot(timestamp="20170101000000"),                           # timestamp and address disagree
    snapshot(status="404"),
    snapshot(available=False),
    (200, "<html>Service unavailable</html>", {}),                  # garbage
    (200, json.dumps(["archived_snapshots"]), {}),
    (404, "", {}),
])
def test_wrong_or_garbled_answers_are_refused(stub, wrong):
    server = stub(*[wrong] * 8)
    with pytest.raises(archive.Unreliable, match="no two agreeing answers in 4 requests"):
        client(server.url, []).closest_capture(WIRE)
    assert len(server.asked) == 4   # then the run moves on to the next source


def test_a_wrong_answer_between_good_ones_breaks_the_agreement(stub):
    server = stub(snapshot(), snapshot(original="https://other.example.com/"), snapshot(), snapshot())
    assert client(server.url, []).closest_capture(WIRE).day == dt.date(2018, 4, 11)
    assert len(server.asked) == 4


def test_rate_limits_are_waited_out_as_the_server_asks(stub):
    server, slept = stub((429, "slow down", {"Retry-After": "30"}), (503, "", {}),
                         snapshot(), snapshot()), []
    assert client(server.url, slept).closest_capture(WIRE).day == dt.date(2018, 4, 11)
    assert slept[0] >= 30 and slept[1] >= slept[0] and slept[2] == 1.0
    assert len(server.asked) == 4


def test_backoff_grows_and_stays_bounded(stub):
    server, slept = stub(*[(429, "", {})] * 8), []
    with pytest.raises(archive.Unreliable):
        archive.WaybackAvailability(server.url, sleep=slept.append, today=TODAY,
                                    max_pause=5).closest_capture(WIRE)
    assert slept == [2, 4, 5, 5, 5, 5, 5]


def test_no_capture_is_an_answer_too(stub):
    server = stub(NONE, NONE)
    assert client(server.url, []).closest_capture(WIRE) is None


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_api_is_given_up_after_a_second_failed_connection():
    port, slept = closed_port(), []
    with pytest.raises(archive.Unreachable, match=rf"cannot reach 127.0.0.1:{port} \(Connection refused\)"):
        archive.WaybackAvailability(f"http://127.0.0.1:{port}", sleep=slept.append,
                                    today=TODAY).closest_capture(WIRE)
    assert slept == [2]


# --- the command and the write-back -----------------------------------------------------------

@pytest.fixture
def wire_content(content):
    (content / "sources" / "wire.yaml").write_text(WIRE_YAML, encoding="utf-8")
    return content


def run_cli(*args, monkeypatch, capsys, err=False):
    monkeypatch.setattr(wayback.time, "sleep", lambda seconds: None)
    status = build_py.main(list(args))
    printed = capsys.readouterr()
    return (status, printed.out, printed.err) if err else (status, printed.out)


def test_without_check_it_lists_what_to_capture_and_uses_no_network(wire_content, monkeypatch, capsys):
    def no_network(*args, **kwargs):
        raise AssertionError("the network was used")
    monkeypatch.setattr(socket.socket, "connect", no_network)
    status, out = run_cli("archive", "--content", str(wire_content), "--now", "2026-11-23",
                          monkeypatch=monkeypatch, capsys=capsys)
    assert status == 0
    assert "3 sources: 1 with an archived copy, 1 marked unavailable, 0 without an address, 1 to archive." in out
    assert f"https://web.archive.org/save/{WIRE}" in out and "sources/wire.yaml" in out
    assert "daily.example.com" not in out


def test_check_writes_the_capture_back_keeping_comments_order_and_format(wire_content, stub,
                                                                         monkeypatch, capsys, tmp_path):
    server = stub(snapshot(), snapshot())
    status, out = run_cli("archive", "--check", "--api", server.url, "--content", str(wire_content),
                          "--now", "2026-11-23", monkeypatch=monkeypatch, capsys=capsys)
    assert status == 0, out
    assert "captured 2018-04-11" in out
    expected = WIRE_YAML.replace(
        "url: https://wire.example.com/acme  # checked by hand\n",
        "url: https://wire.example.com/acme  # checked by hand\narchived:\n"
        f"  url: https://web.archive.org/web/20180411093000/{WIRE}\n  captured: 2018-04-11\n")
    assert (wire_content / "sources" / "wire.yaml").read_text("utf-8") == expected
    # the site still validates strictly, and its links now carry the capture
    check = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--strict", "--content",
                            str(wire_content), "--now", "2026-11-23"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    out_dir = tmp_path / "_site"
    assert build(wire_content, out_dir).ok
    html = (out_dir / "sources" / "wire" / "index.html").read_text("utf-8")
    assert f'data-versionurl="https://web.archive.org/web/20180411093000/{WIRE}"' in html
    assert 'data-versiondate="2018-04-11"' in html


def test_unreliable_answers_write_nothing_and_fail(wire_content, stub, monkeypatch, capsys):
    server = stub(*[(200, "garbage", {})] * 8)
    status, out = run_cli("archive", "--check", "--api", server.url, "--content", str(wire_content),
                          "--now", "2026-11-23", monkeypatch=monkeypatch, capsys=capsys)
    assert status == 1 and "no reliable answer" in out
    assert (wire_content / "sources" / "wire.yaml").read_text("utf-8") == WIRE_YAML


def test_no_capture_yet_points_to_the_save_address(wire_content, stub, monkeypatch, capsys):
    server = stub(NONE, NONE)
    status, out = run_cli("archive", "--check", "--api", server.url, "--content", str(wire_content),
                          "--now", "2026-11-23", monkeypatch=monkeypatch, capsys=capsys)
    assert status == 0 and f"no capture yet: open https://web.archive.org/save/{WIRE}" in out
    assert (wire_content / "sources" / "wire.yaml").read_text("utf-8") == WIRE_YAML


def test_every_real_source_file_survives_a_round_trip_unchanged():
    import io
    yaml = archive.round_trip_yaml()
    for path in sorted((ROOT / "content" / "sources").glob("*.yaml")):
        text = path.read_text("utf-8")
        written = io.StringIO()
        yaml.dump(yaml.load(text), written)
        assert written.getvalue() == text, path.name


def test_the_build_never_touches_the_network(tmp_path, monkeypatch, content):
    def no_network(*args, **kwargs):
        raise AssertionError("the build used the network")
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.delitem(sys.modules, "engine.archive")
    assert build(content, tmp_path / "_site").ok
    assert "engine.archive" not in sys.modules


def test_invalid_content_is_reported_as_for_a_build(wire_content, capsys):
    (wire_content / "sources" / "wire.yaml").write_text(WIRE_YAML.replace("kind: wire-copy", "kind: wirecopy"),
                                                        encoding="utf-8")
    status = build_py.main(["archive", "--content", str(wire_content), "--now", "2026-11-23"])
    assert status == 1
    assert "content/sources/wire.yaml:7:7: kind" in capsys.readouterr().err


# --- offline, one bad source, interrupted and resumed (issue 15) ------------------------------

SOURCE_YAML = """\
title: "Source {name}"
outlet: Wire Service
published: 2018-04-10
url: https://{name}.example.com/story
kind: wire-copy
added: 2026-11-01
updated: 2026-11-01
"""


class PerSource(LocalServer):
    """An availability API on 127.0.0.1 that answers each address as told: "captured", "none",
    "503" or "slow" (an answer later than the client waits); it counts the requests per address
    and can call `on_request(n)` before the n-th request is answered."""

    def __init__(self, behaviour: dict[str, str], slow: float = 1.0):
        self.behaviour, self.asked, self.on_request = behaviour, [], None
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                original = parse_qs(urlsplit(self.path).query)["url"][0]
                stub.asked.append(original)
                if stub.on_request:
                    stub.on_request(len(stub.asked))
                what = stub.behaviour[original]
                if what == "slow":   # (time.sleep is a no-op in the tests that run in-process)
                    threading.Event().wait(slow)
                status, body, _ = (snapshot(original=original) if what == "captured" else
                                   (200, json.dumps({"url": original, "archived_snapshots": {}}), {})
                                   if what == "none" else (503, "", {}))
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(body.encode())
                except OSError:   # the client gave up waiting
                    pass

        self.listen(Handler)


@pytest.fixture
def per_source(content):
    """The fixture content with one source per behaviour named (a.yaml … in that order, asked
    in that order, then wire.yaml), and a stub answering each as named."""
    servers = []

    def start(*behaviours, slow=1.0):
        (content / "sources" / "wire.yaml").write_text(WIRE_YAML, encoding="utf-8")
        table = {WIRE: "none"}
        for name, what in zip("abcdefgh", behaviours):
            (content / "sources" / f"{name}.yaml").write_text(SOURCE_YAML.format(name=name), "utf-8")
            table[f"https://{name}.example.com/story"] = what
        servers.append(PerSource(table, slow))
        servers[-1].content = content
        return servers[-1]
    yield start
    for server in servers:
        server.close()


def asked_about(server) -> list[str]:
    """The sources asked about, each once, in order (their letter, or "wire")."""
    letters = [urlsplit(url).hostname.split(".")[0] for url in server.asked]
    return list(dict.fromkeys(letters))


def check_cli(api, content, *extra):
    return [sys.executable, str(ROOT / "build.py"), "archive", "--check", "--api", api,
            "--content", str(content), "--now", "2026-11-23", *extra]


def test_offline_the_check_stops_within_seconds_with_one_line(content):
    """A closed port (nothing listening: what an offline machine's refused or unroutable
    connection looks like); it used to retry each of 79 sources 8 times, for 5.4 hours."""
    (content / "sources" / "wire.yaml").write_text(WIRE_YAML, encoding="utf-8")
    port = closed_port()
    started = time.monotonic()
    result = subprocess.run(check_cli(f"http://127.0.0.1:{port}", content), capture_output=True,
                            text=True, timeout=30)
    assert time.monotonic() - started < 10
    assert result.returncode == 3
    assert result.stderr == (f"archive --check stopped: cannot reach 127.0.0.1:{port} (Connection "
                             "refused). Check the network connection, then run the same command "
                             "again: no answer had been received yet.\n")
    assert (content / "sources" / "wire.yaml").read_text("utf-8") == WIRE_YAML


def test_an_unresolvable_host_stops_the_check_at_once(content, monkeypatch, capsys):
    """No such host, simulated without DNS: the resolver answers "unknown name"."""
    looked_up = []

    def unknown(host, *args, **kwargs):
        looked_up.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    (content / "sources" / "wire.yaml").write_text(WIRE_YAML, encoding="utf-8")
    status, out, err = run_cli("archive", "--check", "--api", "http://nonexistent.invalid",
                               "--content", str(content), "--now", "2026-11-23",
                               monkeypatch=monkeypatch, capsys=capsys, err=True)
    assert status == 3 and looked_up == ["nonexistent.invalid"] * 2
    assert err.startswith("archive --check stopped: cannot reach nonexistent.invalid (Name or "
                          "service not known). Check the network connection")
    assert (content / "sources" / "wire.yaml").read_text("utf-8") == WIRE_YAML


def test_one_source_failing_or_slow_does_not_stop_the_run(per_source, monkeypatch, capsys):
    server = per_source("captured", "503", "slow", "none", slow=1.0)
    monkeypatch.setattr(wayback, "TIMEOUT", 0.3)
    status, out = run_cli("archive", "--check", "--api", server.url, "--content",
                          str(server_content(server)), "--now", "2026-11-23",
                          monkeypatch=monkeypatch, capsys=capsys)
    assert status == 1, out
    assert asked_about(server) == ["a", "b", "c", "d", "wire"]
    assert f"[1/5] {server.content}/sources/a.yaml: https://a.example.com/story\n" in out
    assert f"[5/5] {server.content}/sources/wire.yaml: {WIRE}\n" in out
    assert out.count("  no reliable answer (") == 2
    assert "  attempt 1: no answer in time\n" in out
    assert out.endswith("Asked about 5: 1 captured (written to the files), 2 with no capture "
                        "yet, 2 with no reliable answer (nothing was written for those; try again "
                        "later).\n")


def test_a_service_answering_only_errors_stops_after_three_sources(per_source, monkeypatch, capsys):
    server = per_source("503", "503", "503", "captured")
    status, out = run_cli("archive", "--check", "--api", server.url, "--content",
                          str(server_content(server)), "--now", "2026-11-23",
                          monkeypatch=monkeypatch, capsys=capsys)
    assert status == 3
    assert asked_about(server) == ["a", "b", "c"] and len(server.asked) == 12


def test_a_failing_source_is_retried_a_little_then_left(stub):
    """Server errors: four requests, pauses of 2, 4 and 8 s (it used to be eight, over two
    minutes); a rate limit is waited out instead (test_backoff_grows_and_stays_bounded)."""
    server, slept = stub(*[(503, "", {})] * 8), []
    with pytest.raises(archive.Unreliable, match="no two agreeing answers in 4 requests"):
        client(server.url, slept).closest_capture(WIRE)
    assert slept == [2, 4, 8] and len(server.asked) == 4


def test_quiet_prints_only_the_summary(per_source, monkeypatch, capsys):
    server = per_source("captured", "none")
    status, out = run_cli("archive", "--check", "--quiet", "--api", server.url, "--content",
                          str(server_content(server)), "--now", "2026-11-23",
                          monkeypatch=monkeypatch, capsys=capsys)
    assert status == 0
    assert out.splitlines() == [
        "5 sources: 1 with an archived copy, 1 marked unavailable, 0 without an address, 3 to archive.",
        "Asked about 3: 1 captured (written to the files), 2 with no capture yet, "
        "0 with no reliable answer."]


def server_content(server):
    return server.content


def test_an_interrupted_check_resumes_asking_only_about_the_rest(per_source, monkeypatch, capsys):
    """Ctrl+C (a real SIGINT) after two answers; the next run asks only about the rest, the YAML
    keeps the capture found before the interruption, and a finished pass forgets its record."""
    server = per_source("captured", "none", "captured", "none")
    content = server_content(server)
    run = None

    def interrupt(n):   # the fifth request: a and b are answered (two agreeing answers each)
        if n == 5:
            run.send_signal(signal.SIGINT)
            threading.Event().wait(1.5)   # Ctrl+C arrives while the answer is awaited
    server.on_request = interrupt
    run = subprocess.Popen(check_cli(server.url, content), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert err == ("archive --check interrupted: the answers received are kept (1 captured and "
                   "written to the files, 1 with no capture yet) and will not be asked again; run "
                   "the same command again to ask about the rest.\n")
    captured_a = (content / "sources" / "a.yaml").read_text("utf-8")
    assert "archived:\n  url: https://web.archive.org/web/20180411093000/https://a.example.com/story" in captured_a
    assert asked_about(server) == ["a", "b", "c"]

    server.asked.clear()
    server.on_request = None
    status, out = run_cli("archive", "--check", "--api", server.url, "--content", str(content),
                          "--now", "2026-11-23", monkeypatch=monkeypatch, capsys=capsys)
    assert status == 0, out
    assert asked_about(server) == ["c", "d", "wire"]
    assert "1 answered before the last run stopped, with no capture yet; asking about the other 3:" in out
    assert f"  {content}/sources/b.yaml: no capture yet: open https://web.archive.org/save/https://b.example.com/story\n" in out
    assert "Asked about 4: 1 captured (written to the files), 3 with no capture yet" in out
    assert (content / "sources" / "a.yaml").read_text("utf-8") == captured_a
    assert "archived:" in (content / "sources" / "c.yaml").read_text("utf-8")

    server.asked.clear()   # the pass is over: the next run asks again about those not captured
    run_cli("archive", "--check", "--api", server.url, "--content", str(content),
            "--now", "2026-11-23", monkeypatch=monkeypatch, capsys=capsys)
    assert asked_about(server) == ["b", "d", "wire"]


def test_a_progress_record_this_machine_did_not_seal_is_ignored(per_source, monkeypatch, capsys):
    """A committed or copied record (right name, wrong seal) cannot make a run skip a source."""
    server = per_source("none", "none")
    record = archive.Progress(build_py.ROOT / ".cache", server.content, server.url)
    body = json.dumps({"a": "https://a.example.com/story", "b": "https://b.example.com/story"})
    (record.folder / record.name).parent.mkdir(exist_ok=True)
    (record.folder / record.name).write_text("00" * 32 + "\n" + body, encoding="utf-8")
    try:
        run_cli("archive", "--check", "--api", server.url, "--content", str(server.content),
                "--now", "2026-11-23", monkeypatch=monkeypatch, capsys=capsys)
        assert asked_about(server) == ["a", "b", "wire"]
    finally:
        (record.folder / record.name).unlink(missing_ok=True)
