"""The files a build makes, before they are written: one record per output path, and the
check that a path stays inside the output folder. Every stage that makes files shares it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Output:
    """One file of the built site, and what it was made from."""

    kind: str
    data: bytes | None   # None once written by a build that streams (render_site's sink)
    content: frozenset[str] = frozenset()     # content keys, e.g. "claims/valuation", "site"
    templates: frozenset[str] = frozenset()   # every template it used, includes and layouts too


def safe_output_path(path: str) -> str | None:
    """The path if it stays inside the output folder, else None."""
    if not path or "\\" in path or "\x00" in path or path.startswith("/"):
        return None
    parts = PurePosixPath(path).parts
    if any(part in ("..", ".", "") for part in parts):
        return None
    return path


# The top-level names each stage writes into the site folder, besides the Markdown pages' own
# slugs: a slug may not take one of them (validate.reserved_names; SECURITY.md, "Validation": a
# slug "pagefind" lost its page, "assets" got the immutable cache). A test builds a whole site
# and checks that it writes no other (tests/test_attack_content.py).
TOP_LEVEL = {
    "pages": ("index.html", "404.html", "timeline", "timelines", "claims", "events", "sources",
              "entities", "corrections", "search"),                                # page_model
    "site files": ("sitemap.xml", "feed.xml", "robots.txt", "_redirects", "assets", "static"),  # render
    "open data": ("data",),             # export.DATA_DIR
    "social cards": ("og",),            # cards
    "search index": ("pagefind",),      # search.INDEX_FOLDER
    "browser editor": ("admin",),       # admin
}
