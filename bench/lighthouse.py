#!/usr/bin/env python3
"""Records Lighthouse's mobile performance score for the main page kinds of the real site
(the tests assert accessibility, best practices and SEO; performance is a figure, not a test).

    .venv/bin/python bench/lighthouse.py        # writes bench/lighthouse.json and prints a table
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from engine.pipeline import Paths, build_site  # noqa: E402
from lighthouse import lighthouse  # noqa: E402
from site_server import serve  # noqa: E402
from test_lighthouse import PAGES  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "_site"
        result = build_site(Paths(ROOT, ROOT / "content", ROOT / "overrides"), out, "2026-11-23",
                            strict=True)
        assert result.ok, result.failures
        server, base = serve(out)
        try:
            results = {path or "/": lighthouse(base + path) for path in PAGES}
        finally:
            server.shutdown()
    print(f"{'page':40} {'perf':>5} {'a11y':>5} {'bp':>5} {'seo':>5} {'FCP ms':>7} {'LCP ms':>7} {'TBT ms':>7}")
    for path, r in results.items():
        s, m = r["scores"], r["metrics"]
        print(f"{path:40} {s['performance']:5} {s['accessibility']:5} {s['best-practices']:5} "
              f"{s['seo']:5} {m['first-contentful-paint']:7.0f} {m['largest-contentful-paint']:7.0f} "
              f"{m['total-blocking-time']:7.0f}")
    (ROOT / "bench" / "lighthouse.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
