"""The dev server's line for each rebuild: what changed, what was rebuilt and how long each part
took ("content/claims/x.yaml changed: 1 page re-rendered in 9 ms; …")."""
from __future__ import annotations

from dataclasses import dataclass, field

from .problems import printable
from .strings import counted
from .timings import Timings

# What each kind of derived output is called in the dev server's log.
OUTPUT_NAMES = {"card": "cards", "dataset": "data", "citation": "citations", "feed": "feed",
                "sitemap": "sitemap", "robots": "robots.txt", "redirects": "redirects",
                "static": "static files", "asset": "static files", "admin": "admin"}


@dataclass
class Rebuild:
    """What one dev rebuild did, for the dev server's log: the inputs that changed
    (site-relative), how many pages were rendered, and which derived outputs were refreshed,
    each with the time it took."""
    inputs: list[str]
    full: bool = False
    pages: int = 0
    steps: Timings = field(default_factory=Timings)   # "pages", then each derived output
    refreshed: set[str] = field(default_factory=set)  # OUTPUT_NAMES of the outputs that changed
    files: int = 0                                     # files written or removed

    def __str__(self) -> str:
        changed = ", ".join(printable(path) for path in self.inputs[:3]) + (
            f" and {len(self.inputs) - 3} more" if len(self.inputs) > 3 else "")
        what = f"{changed} changed: " if self.inputs else ""
        if self.full:
            pages = counted(self.pages, "{n} page", "{n} pages")
            return f"{what}full rebuild, {pages} ({self.steps})" if what else f"built {pages} ({self.steps})"
        pages = counted(self.pages, "{n} page re-rendered", "{n} pages re-rendered")
        line = f"{what}{pages} in {self.steps.ms('pages')}"
        shown = [f"{name} {self.steps.ms(name)}" for name in self.steps.stages
                 if name in self.refreshed]
        line += f"; refreshed {', '.join(shown)}" if shown else "; nothing else changed"
        return line + f"; {counted(self.files, '{n} file', '{n} files')} written in {self.steps.ms('write')}"
