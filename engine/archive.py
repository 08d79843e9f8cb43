"""`build.py archive`: which sources have no archived copy, the Wayback Machine address that
captures each one, and (with --check) the captures the Wayback Machine already holds, written
back into each source's YAML. The only part of the engine that touches the network, and only
when asked: the build never imports it.

The availability API rate-limits (HTTP 429 with Retry-After) and now and then answers wrongly
(a capture of another page, a malformed timestamp, an empty body), so every answer is checked,
failures are retried with a growing pause, and a capture is accepted only when two answers in a
row agree.

Two kinds of failure are told apart. One source's trouble (a slow answer, a 503, an answer not
trusted) is retried three times (pauses of 2, 4 and 8 s), then the run moves on to the next
source. A service that cannot be reached at all (no such host, connection refused or timed out)
stops the run at once: before it has answered anything, after two failed connections (about two
seconds offline); later, after four in a row, or when three sources in a row got nothing but
server errors. Without this an offline run retried every source eight times, for hours.

Answers are kept as they come, so Ctrl+C (or a lost connection) loses nothing: a capture is
written into the source's YAML at once, and "no capture yet" is remembered in a sealed progress
record in .cache/ (engine/cache.py) until a run has asked about every source; the next run asks
only about the rest.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import cache, schema
from .problems import printable

SAVE_PREFIX = "https://web.archive.org/save/"
DEFAULT_API = "https://archive.org"
USER_AGENT = "sourced-site-archive-check/1 (+https://web.archive.org/)"
_SNAPSHOT = re.compile(r"^https?://web\.archive\.org/web/(?P<timestamp>\d{14})(?:[a-z]{2}_)?/(?P<original>.+)$")


@dataclass(frozen=True)
class Capture:
    url: str
    day: dt.date


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status, the Retry-After header if any, and the body."""

    status: int
    body: bytes
    retry_after: str | None = None


class Unreliable(Exception):
    """The API gave no two agreeing, well-formed answers within the allowed attempts."""


class Unreachable(Exception):
    """The service cannot be reached at all (or answers nothing but server errors): asking about
    the other sources would only fail the same way."""


TIMEOUT = 10.0              # seconds for one request (connecting, then reading the answer)
FIRST_CONTACT = 2           # failed connections before the service has ever answered: stop
CONNECTIONS_IN_A_ROW = 4    # failed connections in a row once it has answered: stop
DEAD_SOURCES_IN_A_ROW = 3   # sources in a row with nothing but server errors and timeouts: stop


def save_url(original: str) -> str:
    """The address that asks the Wayback Machine to capture a page now."""
    return SAVE_PREFIX + original


def _comparable(address: str) -> str:
    """An address as the Wayback Machine matches it: no scheme, no "www.", host in lower case,
    no trailing slash."""
    parts = urllib.parse.urlsplit(address if "://" in address else "http://" + address)
    host = parts.netloc.lower().removeprefix("www.").removesuffix(":80").removesuffix(":443")
    path = parts.path.rstrip("/")
    return host + path + ("?" + parts.query if parts.query else "")


def read_answer(reply: Reply, original: str, today: dt.date) -> Capture | None:
    """The capture an answer names, or None when the answer says there is none. Raises
    ValueError when the answer cannot be trusted: not HTTP 200, not JSON, a snapshot that is not
    a web.archive.org address of the same page, or a timestamp that is not a real past moment."""
    if reply.status != 200:
        raise ValueError(f"HTTP {reply.status}")
    try:
        data = json.loads(reply.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("the answer is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("archived_snapshots"), dict):
        raise ValueError("the answer has no archived_snapshots")
    closest = data["archived_snapshots"].get("closest")
    if closest is None:
        return None
    if not isinstance(closest, dict) or closest.get("available") is not True \
            or str(closest.get("status")) != "200":
        raise ValueError("the closest snapshot is not an available HTTP 200 capture")
    match = _SNAPSHOT.match(str(closest.get("url", "")))
    if not match:
        raise ValueError(f"{closest.get('url')!r} is not a web.archive.org snapshot address")
    if _comparable(match["original"]) != _comparable(original):
        raise ValueError(f"the snapshot is of {match['original']}, not of {original}")
    if str(closest.get("timestamp")) != match["timestamp"]:
        raise ValueError("the timestamp does not match the snapshot address")
    try:
        moment = dt.datetime.strptime(match["timestamp"], "%Y%m%d%H%M%S")
    except ValueError:
        raise ValueError(f"{match['timestamp']} is not a date and time") from None
    if moment.year < 1996 or moment.date() > today:
        raise ValueError(f"{match['timestamp']} is not a possible capture time")
    return Capture(url="https://" + closest["url"].split("://", 1)[1], day=moment.date())


def http_get(url: str, timeout: float = TIMEOUT) -> Reply:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, response.read(), response.headers.get("Retry-After"))
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read() or b"", error.headers.get("Retry-After"))


def _retry_after_seconds(value: str | None, now: Callable[[], dt.datetime]) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now()).total_seconds())


class WaybackAvailability:
    """Asks the availability API about one address at a time, politely and sceptically."""

    def __init__(self, api: str = DEFAULT_API, get: Callable[[str], Reply] | None = None,
                 sleep: Callable[[float], None] | None = None, today: dt.date | None = None,
                 attempts: int = 8, failures: int = 4, pause: float = 1.0, max_pause: float = 30.0,
                 log: Callable[[str], None] = lambda message: None, timeout: float | None = None):
        timeout = timeout or TIMEOUT
        self.api, self.sleep = api.rstrip("/"), sleep or time.sleep
        self.get = get or (lambda url: http_get(url, timeout))
        self.today = today or dt.date.today()
        self.attempts, self.failures, self.log = attempts, failures, log
        self.pause, self.max_pause = pause, max_pause
        self._asked = False   # a pause before every request but the first
        self._answered = False          # has the service ever sent an HTTP answer?
        self._failed_connections = 0    # in a row, across sources
        self._dead_sources = 0          # sources in a row that got only server errors

    def where(self) -> str:
        return printable(urllib.parse.urlsplit(self.api).netloc or self.api)

    def query_url(self, original: str) -> str:
        return f"{self.api}/wayback/available?url={urllib.parse.quote(original, safe='')}"

    def closest_capture(self, original: str) -> Capture | None:
        """The capture the API names twice in a row (None: it has none, twice). Raises
        Unreliable when that does not happen within `attempts` requests, or after `failures`
        failed ones (no answer in time, a server error, an answer not trusted); a rate limit
        (HTTP 429) is waited out as the server asks and is not a failure. Raises Unreachable
        when the service itself cannot be reached (see the module's docstring)."""
        previous: object = _NOTHING
        wait = self.pause
        failed, server_errors_only, attempt = 0, True, 0
        while attempt < self.attempts and failed < self.failures:
            attempt += 1
            if self._asked:
                self.sleep(wait)
            self._asked = True
            try:
                reply = self.get(self.query_url(original))
            except OSError as error:   # URLError and timeouts are OSErrors
                if _no_connection(error):
                    self._failed_connections += 1
                    if self._failed_connections >= (CONNECTIONS_IN_A_ROW if self._answered
                                                    else FIRST_CONTACT):
                        raise Unreachable(f"cannot reach {self.where()} "
                                          f"({printable(_reason(error))})") from None
                self.log(f"  attempt {attempt}: {printable(_reason(error))}")
                wait, previous, failed = self._longer(wait), _NOTHING, failed + 1
                continue
            self._answered, self._failed_connections = True, 0
            if reply.status == 429 or reply.status >= 500:
                asked_for = _retry_after_seconds(reply.retry_after,
                                                 lambda: dt.datetime.now(dt.timezone.utc))
                # the server's Retry-After is honoured in full, however long
                wait, previous = max(self._longer(wait), asked_for or 0), _NOTHING
                self.log(f"  attempt {attempt}: HTTP {reply.status}, waiting {wait:g} s")
                if reply.status == 429:
                    server_errors_only = False
                else:
                    failed += 1
                continue
            server_errors_only = False
            try:
                answer = read_answer(reply, original, self.today)
            except ValueError as error:
                self.log(f"  attempt {attempt}: answer not trusted: {printable(error)}")
                wait, previous, failed = self._longer(wait), _NOTHING, failed + 1
                continue
            if answer == previous:
                self._dead_sources = 0
                return answer
            previous, wait = answer, self.pause
        self._dead_sources = self._dead_sources + 1 if server_errors_only else 0
        if self._dead_sources >= DEAD_SOURCES_IN_A_ROW:
            raise Unreachable(f"{self.where()} answered only server errors or nothing in time "
                              f"for {self._dead_sources} sources in a row")
        raise Unreliable(f"no two agreeing answers in {attempt} requests")

    def _longer(self, wait: float) -> float:
        return min(wait * 2, self.max_pause)


_NOTHING = object()


def _no_connection(error: OSError) -> bool:
    """Whether a request failed before reaching the service: urllib wraps what happens while
    connecting (no such host, refused, timed out, no route) in a URLError; a timeout while
    waiting for the answer of a service that accepted the connection is a bare TimeoutError."""
    return isinstance(error, urllib.error.URLError) and not isinstance(error, urllib.error.HTTPError)


def _reason(error: OSError) -> str:
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return "no answer in time"
    return str(getattr(reason, "strerror", None) or reason)


# --- what to archive --------------------------------------------------------------------------

def needing_archive(sources: dict[str, schema.Source]) -> list[schema.Source]:
    """Sources with an address and no archived copy (nor a reason why none can be made)."""
    return sorted((s for s in sources.values() if s.url and s.archived is None), key=lambda s: s.id)


# --- writing a capture back -------------------------------------------------------------------

def round_trip_yaml():
    """ruamel.yaml in round-trip mode, set to keep our files as editors wrote them: comments,
    key order, quotes, flow lists and long lines untouched."""
    from ruamel.yaml import YAML
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def write_capture(path: Path, capture: Capture) -> None:
    """Adds `archived: {url, captured}` to a source file, right after its `url`, changing
    nothing else in the file."""
    from ruamel.yaml.comments import CommentedMap
    yaml = round_trip_yaml()
    with path.open(encoding="utf-8") as stream:
        document = yaml.load(stream)
    archived = CommentedMap([("url", capture.url), ("captured", capture.day)])
    if "archived" in document:
        document["archived"] = archived
    else:
        keys = list(document)
        position = keys.index("url") + 1 if "url" in keys else len(keys)
        after_url = _take_comment_lines_after("url", document)
        document.insert(position, "archived", archived)
        if after_url:   # they stay where they were: after the new lines
            archived.ca.items["captured"] = [None, None, after_url, None]
    with path.open("w", encoding="utf-8") as stream:
        yaml.dump(document, stream)


def _take_comment_lines_after(key, document):
    """ruamel.yaml keeps the comment lines below `key: value` with that key; takes them off (the
    comment on the key's own line stays) and returns them as a comment token, or None."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken
    slots = document.ca.items.get(key)
    token = slots[2] if slots and len(slots) > 2 else None
    if token is None or "\n" not in token.value:
        return None
    same_line, below = token.value.split("\n", 1)
    if same_line.strip():
        token.value = same_line + "\n"
    else:
        slots[2] = None
    return CommentToken("\n" + below, CommentMark(0), None) if below else None


# --- the command ------------------------------------------------------------------------------

def _shown(path: Path) -> str:
    try:
        return printable(path.resolve().relative_to(Path.cwd()).as_posix())
    except ValueError:
        return printable(path.as_posix())


class Progress:
    """The "no capture yet" answers of a pass that has not asked about every source yet, so that
    a run stopped by Ctrl+C, a lost connection or a crash is resumed, not started again (captures
    need no record: they are in the YAML). Kept in .cache/, sealed like every cache entry
    (SECURITY.md, "Caches"): a record this machine did not write is ignored. Deleted when a pass
    ends, so the next run asks again about the sources that had no capture (an editor may have
    captured them since)."""

    KIND = "archive-progress"

    def __init__(self, folder: Path, content: Path, api: str):
        self.folder, self.none = folder, {}
        self.key = cache.open_folder(folder, quiet=True)
        if self.key is None:   # a .cache that is a symlink or a file: no record, no resume
            return
        self.name = f"archive-{self.key.name(self.KIND, f'{content.resolve()}|{api}')}.json"
        data = cache.read_regular(folder / self.name, limit=1 << 20)
        seal, _, body = (data or b"").partition(b"\n")
        try:
            if self.key.verify(bytes.fromhex(seal.decode("ascii")), self.KIND, body):
                found = json.loads(body)
                self.none = {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}
        except (ValueError, AttributeError):
            pass

    def answered(self, source: schema.Source) -> bool:
        """Answered "no capture yet" in this pass, for the address the source still has."""
        return self.none.get(source.id) == source.url

    def remember(self, source: schema.Source) -> None:
        self.none[source.id] = source.url
        if self.key is None:
            return
        body = json.dumps(self.none, sort_keys=True).encode()
        try:   # a cache that cannot be written only loses the resume, never the run
            self.folder.mkdir(parents=True, exist_ok=True)
            cache.write_atomic(self.folder, self.name, self.key.seal(self.KIND, body).hex().encode()
                               + b"\n" + body)
        except OSError:
            pass

    def finish(self) -> None:
        if self.key is not None:
            (self.folder / self.name).unlink(missing_ok=True)


def _say_to_stderr(message: str) -> None:
    import sys
    print(message, file=sys.stderr, flush=True)


# exit statuses of `archive --check`
SOME_UNRELIABLE, UNREACHABLE, INTERRUPTED = 1, 3, 130


def run(sources: dict[str, schema.Source], files: dict[str, Path], check: bool,
        wayback: WaybackAvailability | None, out=print, progress: Progress | None = None,
        quiet: bool = False, err=_say_to_stderr) -> int:
    """Lists the sources without an archived copy and where to capture each one; with `check`,
    asks the Wayback Machine and writes the captures it holds back into the YAML, one line per
    source as it goes (none with `quiet`). Returns the exit status: 1 when some answers could
    not be trusted, 3 when the service could not be reached, 130 when interrupted."""
    missing = needing_archive(sources)
    archived = sum(1 for s in sources.values() if s.archived and s.archived.url)
    unavailable = sum(1 for s in sources.values() if s.archived and s.archived.unavailable)
    without_url = sum(1 for s in sources.values() if not s.url and s.archived is None)
    out(f"{len(sources)} sources: {archived} with an archived copy, {unavailable} marked "
        f"unavailable, {without_url} without an address, {len(missing)} to archive.")
    if not missing:
        if progress:
            progress.finish()
        return 0
    if not check:
        out("Capture each one by opening its address (then run `python build.py archive --check` "
            "to record the captures):")
        for source in missing:
            out(f"  {_shown(files[source.id])}\n    {printable(save_url(source.url))}")
        return 0
    say = (lambda message: None) if quiet else out
    earlier = [s for s in missing if progress and progress.answered(s)]
    todo = [s for s in missing if s not in earlier]
    if earlier:
        say(f"{len(earlier)} answered before the last run stopped, with no capture yet; asking "
            f"about the other {len(todo)}:")
        for source in earlier:
            say(f"  {_shown(files[source.id])}: no capture yet: open {printable(save_url(source.url))}")
    captured = doubtful = 0
    nothing_yet = len(earlier)
    try:
        for number, source in enumerate(todo, 1):
            say(f"[{number}/{len(todo)}] {_shown(files[source.id])}: {printable(source.url)}")
            try:
                capture = wayback.closest_capture(source.url)
            except Unreliable as error:
                doubtful += 1
                say(f"  no reliable answer ({printable(error)}); try again later")
                continue
            if capture is None:
                nothing_yet += 1
                if progress:
                    progress.remember(source)
                say(f"  no capture yet: open {printable(save_url(source.url))}")
                continue
            write_capture(files[source.id], capture)
            captured += 1
            say(f"  captured {capture.day.isoformat()}: {printable(capture.url)} (written to the file)")
    except Unreachable as error:
        err(f"archive --check stopped: {error}. Check the network connection, then run the same "
            f"command again: {_kept(captured, nothing_yet, progress)}.")
        return UNREACHABLE
    except KeyboardInterrupt:
        err(f"archive --check interrupted: {_kept(captured, nothing_yet, progress)}; run the same command "
            f"again to ask about the rest.")
        return INTERRUPTED
    if progress:
        progress.finish()
    out(f"Asked about {len(missing)}: {captured} captured (written to the files), "
        f"{nothing_yet} with no capture yet, {doubtful} with no reliable answer"
        + (" (nothing was written for those; try again later)." if doubtful else "."))
    return SOME_UNRELIABLE if doubtful else 0


def _kept(captured: int, nothing_yet: int, progress: Progress | None) -> str:
    """What a stopped run keeps: its captures (in the YAML) and, when the record can be kept,
    its "no capture yet" answers."""
    if progress is None or progress.key is None:
        return f"the captures found are written to the files ({captured})"
    if not captured + nothing_yet:
        return "no answer had been received yet"
    return (f"the answers received are kept ({captured} captured and written to the files, "
            f"{nothing_yet} with no capture yet) and will not be asked again")
