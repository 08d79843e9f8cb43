"""Chromium for the browser tests: Debian's by default, any other through CHROMIUM_PATH."""
from __future__ import annotations

import os
import random
import re
from pathlib import Path
from urllib.parse import urlsplit

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-quic",
        "--no-first-run", "--disable-sync"]
MAX_PAGES_IN_FULL = 300
SAMPLE_PER_KIND = 20


# Under pytest, conftest sets this before each test: whether the test is marked browser. One that
# drives Chromium unmarked would break `make test-fast`, which leaves the browser tests out and
# may run where there is no browser. None outside pytest (scripts/, bench/).
MARKED_BROWSER: bool | None = None


def chromium_path() -> str:
    """The browser to drive. Missing is a failure, not a skip: these checks must run."""
    if MARKED_BROWSER is False:
        raise RuntimeError("this test drives Chromium: mark it @pytest.mark.browser "
                           "(make test-fast leaves those out)")
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(path).exists():
        raise RuntimeError(f"no Chromium at {path}: run `make test` (it installs Debian's "
                           "chromium) or set CHROMIUM_PATH")
    return path


def page_kind(html: str) -> str:
    match = re.search(r'<body class="page-([a-z0-9-]+)"', html)
    return match.group(1) if match else "other"


def pages_to_visit(site: Path, seed: int = 20261123) -> list[str]:
    """Every page's URL path; past MAX_PAGES_IN_FULL, a seeded sample per page kind."""
    by_kind: dict[str, list[str]] = {}
    for path in sorted(site.rglob("*.html")):
        html = path.read_text("utf-8")
        if 'http-equiv="refresh"' in html:
            continue
        relative = path.relative_to(site).as_posix()
        if relative.startswith("admin/"):
            continue   # the editors' Decap admin is not a public page: tests/test_admin.py checks it
        url = relative[: -len("index.html")] if relative.endswith("index.html") else relative
        by_kind.setdefault(page_kind(html), []).append(url)
    everything = sorted(url for urls in by_kind.values() for url in urls)
    if len(everything) <= MAX_PAGES_IN_FULL:
        return everything
    chooser = random.Random(seed)
    chosen = []
    for kind in sorted(by_kind):
        urls = by_kind[kind]
        chosen += urls if len(urls) <= SAMPLE_PER_KIND else chooser.sample(urls, SAMPLE_PER_KIND)
    return sorted(chosen)


def same_origin(url: str, origin: str) -> bool:
    parts, home = urlsplit(url), urlsplit(origin)
    return (parts.scheme, parts.netloc) == (home.scheme, home.netloc) or parts.scheme in ("data", "about")
