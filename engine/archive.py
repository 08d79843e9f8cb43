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

import json
from pathlib import Path

from . import cache, schema
from .problems import printable
from .wayback import Capture, Unreachable, Unreliable, WaybackAvailability, save_url

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
            outcome = _ask_about(source, files[source.id], wayback, progress, say)
            captured += outcome == "captured"
            nothing_yet += outcome == "none"
            doubtful += outcome == "doubtful"
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


def _ask_about(source: schema.Source, path: Path, wayback: WaybackAvailability,
               progress: Progress | None, say) -> str:
    """Asks the Wayback Machine about one source and writes a capture back into its file; the
    outcome: "captured", "none" (no capture yet) or "doubtful" (no answer to trust). A service
    that cannot be reached (Unreachable) stops the whole run, so it is not caught here."""
    try:
        capture = wayback.closest_capture(source.url)
    except Unreliable as error:
        say(f"  no reliable answer ({printable(error)}); try again later")
        return "doubtful"
    if capture is None:
        if progress:
            progress.remember(source)
        say(f"  no capture yet: open {printable(save_url(source.url))}")
        return "none"
    write_capture(path, capture)
    say(f"  captured {capture.day.isoformat()}: {printable(capture.url)} (written to the file)")
    return "captured"


def _kept(captured: int, nothing_yet: int, progress: Progress | None) -> str:
    """What a stopped run keeps: its captures (in the YAML) and, when the record can be kept,
    its "no capture yet" answers."""
    if progress is None or progress.key is None:
        return f"the captures found are written to the files ({captured})"
    if not captured + nothing_yet:
        return "no answer had been received yet"
    return (f"the answers received are kept ({captured} captured and written to the files, "
            f"{nothing_yet} with no capture yet) and will not be asked again")
