"""`build.py archive`: the list of sources to capture, the sceptical and polite Wayback
availability client (against a stub server on 127.0.0.1), and the write-back into the YAML."""
from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import ROOT, build

import build as build_py
from engine import archive

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


class StubWayback:
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

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


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
    with pytest.raises(archive.Unreliable):
        client(server.url, []).closest_capture(WIRE)
    assert len(server.asked) == 8


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


def test_an_unreachable_api_is_retried_then_reported():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    slept = []
    with pytest.raises(archive.Unreliable):
        archive.WaybackAvailability(f"http://127.0.0.1:{port}", sleep=slept.append, today=TODAY,
                                    attempts=3).closest_capture(WIRE)
    assert slept == [2, 4]


# --- the command and the write-back -----------------------------------------------------------

@pytest.fixture
def wire_content(content):
    (content / "sources" / "wire.yaml").write_text(WIRE_YAML, encoding="utf-8")
    return content


def run_cli(*args, monkeypatch, capsys):
    monkeypatch.setattr(archive.time, "sleep", lambda seconds: None)
    status = build_py.main(list(args))
    return status, capsys.readouterr().out


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
