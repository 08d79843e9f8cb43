"""The Wayback Machine's availability API, asked with care: every answer checked against the page
asked for, failures retried with a growing pause, a capture accepted only when two answers in a
row agree, and a service that cannot be reached told apart from one source's trouble (see
engine/archive.py for the command that drives it)."""
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
from typing import Callable

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
