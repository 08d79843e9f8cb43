"""One warm dev-server process for bench/run.py: builds once, then applies one edit at a time
and times the rebuild that follows, in-process, as `build.py serve` does on every save.

    python bench/dev_worker.py --content C --overrides O --out OUT --now 2026-11-23

It reads one JSON command per line on stdin and answers with one JSON line on stdout:

    {"edit": "none"}        first build, or a rebuild with nothing changed
    {"edit": "claim"}       the middle claim's note gets one more sentence
    {"edit": "source"}      the most cited source (generate.HUB_SOURCE) gets a new title: it is
                            shown on every page that cites it
    {"edit": "entity"}      the middle entity's description gets one more sentence
    {"edit": "template"}    overrides/templates/claim.html (a copy of templates/claim.html) changes
                            inside its content block: every claim page changes
    {"edit": "static"}      overrides/static/style.css (a copy of static/style.css) changes
    {"edit": "quit"}

Every edit is different from the one before (it carries a counter), so each is a real change.
The rebuild is what `build.py serve` runs on every save: `engine.incremental.DevBuild.update()`
when the engine has it (it re-renders only the pages an edit touches), else
`build_site(paths, out, now)`, a full build, which is what the dev server did before. The dev
server's watcher scans the watched folders once per poll and hands that scan to the rebuild; when
the engine takes it (`update(now_stats)`), the scan is timed apart as `detect_seconds` and the
rebuild alone as `seconds`; the search index, which the dev server refreshes after the reload,
is timed apart as `index_seconds`. The edit and the counts of output files changed (by inode, mtime
and size) are not timed: `files_changed` by the rebuild, `refresh_files_changed` by the refresh of
the search index and data files after it (Pagefind writes its whole index again).
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

def _root() -> Path:
    """The engine to measure: --root (a frozen copy, see run.py --commit), else this repository."""
    if "--root" in sys.argv:
        return Path(sys.argv[sys.argv.index("--root") + 1]).resolve()
    return Path(__file__).resolve().parent.parent


ROOT = _root()
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(Path(__file__).resolve().parent))

from engine import pipeline  # noqa: E402
from generate import HUB_SOURCE  # noqa: E402
from snapshot import changed_files, snapshot  # noqa: E402

TEMPLATE = "claim.html"
STATIC = "style.css"
TEMPLATE_MARK = re.compile(r"\{% block content %\}(<!-- bench edit \d+ -->)?")
STATIC_MARK = re.compile(r"/\* bench edit \d+ \*/\n?\Z")


def middle(folder: Path) -> Path:
    files = sorted(folder.glob("*.yaml"))
    return files[len(files) // 2]


def insert_after(path: Path, key_line: str, text: str) -> None:
    """Adds a line at the start of the block scalar that follows `key_line` (e.g. "note: |")."""
    lines = path.read_text("utf-8").split("\n")
    index = lines.index(key_line)
    indent = re.match(r"\s*", lines[index + 1]).group(0)
    lines.insert(index + 1, indent + text)
    path.write_text("\n".join(lines), encoding="utf-8")


class Worker:
    def __init__(self, content: Path, overrides: Path, out: Path, now: str):
        self.paths = pipeline.Paths(root=ROOT, content=content.resolve(),
                                    overrides=overrides.resolve())
        self.out, self.now, self.count = out.resolve(), now, 0
        self.claim = middle(content / "claims")
        self.source = content / "sources" / f"{HUB_SOURCE}.yaml"
        self.entity = middle(content / "entities")
        self.template = overrides / "templates" / TEMPLATE
        self.static = overrides / "static" / STATIC
        self.template.parent.mkdir(parents=True, exist_ok=True)
        self.static.parent.mkdir(parents=True, exist_ok=True)
        self.template.write_text(TEMPLATE_MARK.sub("{% block content %}<!-- bench edit 0 -->",
                                                   (ROOT / "templates" / TEMPLATE).read_text("utf-8"), 1))
        self.static.write_text((ROOT / "static" / STATIC).read_text("utf-8") + "/* bench edit 0 */\n")
        try:
            from engine.incremental import DevBuild
        except ImportError:
            self.dev = None
        else:
            self.dev = DevBuild(self.paths, self.out, self.now)
            # as `build.py serve` runs it: the search index is refreshed after the reload, and
            # timed apart (`index_seconds`)
            if hasattr(self.dev, "index_in_background"):
                self.dev.index_in_background = True
        self.mode = "engine.incremental.DevBuild" if self.dev else "engine.pipeline.build_site"

    def edit(self, what: str) -> list[Path]:
        self.count += 1
        n = self.count
        if what == "none":
            return []
        if what == "claim":
            insert_after(self.claim, "note: |", f"Edited in benchmark round {n}.")
            return [self.claim]
        if what == "source":
            text = self.source.read_text("utf-8")
            self.source.write_text(re.sub(r"^title: (.*)$", lambda m: f"{m.group(0)} rev{n}", text,
                                          count=1, flags=re.MULTILINE), encoding="utf-8")
            return [self.source]
        if what == "entity":
            insert_after(self.entity, "description: |", f"Edited in benchmark round {n}.")
            return [self.entity]
        if what == "template":
            self.template.write_text(TEMPLATE_MARK.sub(
                f"{{% block content %}}<!-- bench edit {n} -->", self.template.read_text("utf-8"), 1))
            return [self.template]
        if what == "static":
            self.static.write_text(STATIC_MARK.sub(f"/* bench edit {n} */\n",
                                                   self.static.read_text("utf-8")))
            return [self.static]
        raise ValueError(f"unknown edit {what!r}")

    def build(self, changed: list[Path]):
        if self.dev is None:
            return pipeline.build_site(self.paths, self.out, self.now)
        return self.dev.update(self.stats) if self.stats is not None else self.dev.update()

    def detect(self) -> float | None:
        """The dev server's watcher scans the folders once per poll and hands the scan to the
        rebuild (engine/serve.py): timed apart from the rebuild, for engines that do that."""
        self.stats = None
        if self.dev is None or "now_stats" not in inspect.signature(self.dev.update).parameters:
            return None
        from engine.cache import snapshot as scan
        started = time.perf_counter()
        self.stats = scan(self.dev.watched)
        return time.perf_counter() - started

    def run(self, what: str) -> dict:
        before = snapshot(self.out)
        changed = self.edit(what)
        detect_seconds = self.detect()
        started = time.perf_counter()
        cpu = time.process_time()
        result = self.build(changed)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        index_seconds = None
        rebuilt = snapshot(self.out)   # what the rebuild wrote, before the index refresh
        if getattr(self.dev, "index_stale", False) or getattr(self.dev, "data_stale", False):
            indexing = time.perf_counter()
            if hasattr(self.dev, "refresh_data"):
                self.dev.refresh_data()
            self.dev.refresh_search_index()
            index_seconds = time.perf_counter() - indexing
        after = snapshot(self.out)
        timings = getattr(result, "timings", None)
        failures = getattr(result, "failures", [])
        return {"edit": what, "mode": self.mode, "seconds": seconds, "cpu": cpu,
                "detect_seconds": detect_seconds, "index_seconds": index_seconds,
                "ok": bool(getattr(result, "ok", True)),
                "failures": [str(f) for f in failures[:5]],
                "written": getattr(result, "written", None),
                "stages": dict(getattr(timings, "stages", {}) or {}),
                "files": len(after) - 1, "files_changed": changed_files(before, rebuilt),
                "refresh_files_changed": changed_files(rebuilt, after),
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--overrides", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--now", default="2026-11-23")
    parser.add_argument("--root", type=Path, help="the engine's folder (default: this repository)")
    args = parser.parse_args(argv)
    answer = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr  # nothing the engine prints may break the protocol
    worker = Worker(args.content, args.overrides, args.out, args.now)
    for line in sys.stdin:
        command = json.loads(line)
        if command["edit"] == "quit":
            break
        answer.write(json.dumps(worker.run(command["edit"])) + "\n")  # stages keep their order
    return 0


if __name__ == "__main__":
    sys.exit(main())
