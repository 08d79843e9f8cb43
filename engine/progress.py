"""What a long run is doing, on stderr (the summary stays on stdout).

On a terminal, one live line per stage, redrawn in place with a carriage return ("render:
pages 412 of 1038"), then left as that stage's last line with its time; in CI or through a
pipe, the same stage lines, one when each stage ends, and no carriage returns; with --quiet,
nothing. A run that ends within `after` seconds (two, or PROGRESS_AFTER's value) shows nothing
at all, so a quick build prints only its summary; once that time has passed, the stages already
done are shown at once and the rest as they come.

The pipeline never prints through this directly: Timings.run announces its top-level stages,
and the renderer reports counts through `count` (engine/pipeline.py, engine/render.py).
"""
from __future__ import annotations

import os
import sys
import time

REDRAW = 0.1   # seconds between two redraws of the live line


def default_delay() -> float:
    try:
        return max(0.0, float(os.environ.get("PROGRESS_AFTER", "2")))
    except ValueError:
        return 2.0


class Progress:
    def __init__(self, stream=None, quiet: bool = False, live: bool | None = None,
                 after: float | None = None):
        self.stream = sys.stderr if stream is None else stream
        self.quiet = quiet
        self.live = _is_terminal(self.stream) if live is None else live
        self.after = default_delay() if after is None else after
        self.started = time.monotonic()
        self.held: list[str] = []      # finished stage lines not shown yet (before `after`)
        self.current: str | None = None  # the stage whose live line is on screen
        self.text = ""
        self.drawn = 0.0

    def start(self, stage: str) -> None:
        self.current, self.text, self.drawn = stage, "", 0.0
        self._draw(force=True)

    def count(self, stage: str, text: str) -> None:
        """A stage's running count ("pages 412 of 1038"); shown live on a terminal only."""
        if stage != self.current:
            self.start(stage)
        self.text = text
        self._draw()

    def finish(self, stage: str, seconds: float, text: str | None = None) -> None:
        text = self.text if text is None else text
        line = f"{stage}: {text} ({seconds * 1000:.0f} ms)" if text else f"{stage}: {seconds * 1000:.0f} ms"
        self.current, self.text = None, ""
        if self.quiet:
            return
        self.held.append(line)
        if self._due():
            self._flush()

    def _due(self) -> bool:
        return time.monotonic() - self.started >= self.after

    def _flush(self) -> None:
        lines, self.held = self.held, []
        for line in lines:
            self.stream.write(f"\r{line}\x1b[K\n" if self.live else f"{line}\n")
        self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        if self.quiet or not self.live or not self._due():
            return
        now = time.monotonic()
        if not force and now - self.drawn < REDRAW:
            return
        self.drawn = now
        self._flush()
        shown = f"{self.current}: {self.text}" if self.text else f"{self.current}…"
        self.stream.write(f"\r{shown}\x1b[K")
        self.stream.flush()


def _is_terminal(stream) -> bool:
    """A terminal a person watches: not CI (whose logs keep every carriage return), not a
    dumb terminal, not a pipe."""
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return terminal and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


def counted_batches(progress: Progress | None, stage: str, batches, text):
    """The batches as they come, their items counted on the stage's live line (text(done)),
    the stage finished with its time once they are all through. Without progress, the
    batches unchanged."""
    if progress is None:
        yield from batches
        return
    started, done = time.perf_counter(), 0
    progress.start(stage)
    for batch in batches:
        done += len(batch)
        progress.count(stage, text(done))
        yield batch
    progress.finish(stage, time.perf_counter() - started, text(done))
