"""The HTTP headers netlify.toml gives each path, read the way Netlify reads them, and the
Content Security Policy as a <meta> tag for hosts that send no headers (GitHub Pages).

Netlify applies every [[headers]] block whose `for` pattern matches a path, in file order; a
later block's value replaces an earlier one of the same name (netlify-cli's headersForPath
merges them with Object.assign). So `/*` sets the site-wide policy and a later `/search/*`
block may replace it for the search page alone.
"""
from __future__ import annotations

import fnmatch
import tomllib
from functools import lru_cache
from pathlib import Path

# What a <meta> policy may not carry (CSP 3, section 6.1): browsers ignore these there.
NOT_IN_META = ("frame-ancestors", "report-uri", "report-to", "sandbox")


@lru_cache(maxsize=8)
def _blocks(config: Path, modified: int) -> tuple:
    data = tomllib.loads(config.read_text("utf-8")) if config.is_file() else {}
    return tuple((block["for"], tuple(block.get("values", {}).items())) for block in data.get("headers", []))


def headers_for(path: str, config: Path) -> dict[str, str]:
    """The headers Netlify would send for a site-relative URL path such as "/search/"."""
    modified = config.stat().st_mtime_ns if config.is_file() else 0
    headers: dict[str, str] = {}
    for pattern, values in _blocks(config, modified):
        if fnmatch.fnmatchcase(path, pattern):
            headers.update(values)
    return headers


def meta_policy(path: str, config: Path) -> str:
    """The path's Content Security Policy without the directives a <meta> tag cannot carry."""
    policy = headers_for(path, config).get("Content-Security-Policy", "")
    kept = [d.strip() for d in policy.split(";") if d.strip() and d.split()[0] not in NOT_IN_META]
    return "; ".join(kept)
