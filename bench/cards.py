"""What the social cards (engine/cards.py) cost: one card drawn in-process, then whole builds
with a cold and a warm card cache, and the cards' sizes.

    .venv/bin/python bench/cards.py                   # the real content/
    .venv/bin/python bench/cards.py --claims 1000     # synthetic content (bench/generate.py)

Each build is a child process (`pipeline.build` with its own cache folder, as `build.py` runs it)
into a fresh output folder, timed with os.wait4 (wall, and CPU of it and its render workers).
"Cold cards" empties only the cache's cards/ folder, so the rendered-Markdown cache is warm in
both and the difference is the drawing. Runs alternate cold, warm, cold, warm…; medians shown.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from engine import pipeline
paths = pipeline.Paths(root=Path({root!r}), content=Path({content!r}), overrides=Path({overrides!r}))
sys.exit(pipeline.build(paths, Path({out!r}), "2026-11-23", False, cache=Path({cache!r})))
"""


def one_card(repeats: int) -> dict:
    """Milliseconds to draw one claim card (fonts loaded, frame made): min and median."""
    from engine import cards
    fonts = cards.Fonts()
    card = cards.Card("og/claims/x.png", "The SenseTime Files", "Claim",
                      "The April 2018 round valued SenseTime at more than $4.5bn, according to "
                      "anonymous sources cited by Reuters and the Wall Street Journal.",
                      status=("◇", "Company claim", "unverified"), footer="sensetime-files.netlify.app")
    cards.draw_card(card, fonts)
    times = []
    for _ in range(repeats):
        started = time.process_time()
        cards.draw_card(card, fonts)
        times.append((time.process_time() - started) * 1000)
    return {"min": min(times), "median": statistics.median(times)}


def timed_build(content: Path, out: Path, cache: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    code = CHILD.format(root=str(ROOT), content=str(content), overrides=str(content.parent / "overrides"),
                        out=str(out), cache=str(cache))
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    summary = child.stdout.read().decode()
    child.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed: {summary}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "summary": summary.strip()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, help="synthetic content of this many claims instead of content/")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cards-") as folder:
        base = Path(folder)
        if args.claims:
            from bench.generate import generate
            content = generate(base / "site", args.claims)
        else:
            content = ROOT / "content"
        cache, out = base / "cache", base / "_site"
        timed_build(content, out, cache)   # untimed: fills the Markdown cache, compiles bytecode
        results = {"cold": [], "warm": []}
        for _ in range(args.rounds):
            shutil.rmtree(cache / "cards", ignore_errors=True)
            results["cold"].append(timed_build(content, out, cache))
            results["warm"].append(timed_build(content, out, cache))
        sizes = sorted(p.stat().st_size for p in (out / "og").rglob("*.png"))
        card = one_card(200)
    print(f"content: {'synthetic, %d claims' % args.claims if args.claims else 'content/'}")
    print(f"one card: {card['min']:.1f} ms CPU (min), {card['median']:.1f} ms (median of 200)")
    for name, runs in results.items():
        print(f"{name} card cache: wall {statistics.median(r['wall'] for r in runs):.2f} s, "
              f"CPU {statistics.median(r['cpu'] for r in runs):.2f} s (medians of {len(runs)})")
    print(f"  last build: {results['warm'][-1]['summary']}")
    print(f"cards: {len(sizes)} files, {sum(sizes) / 1e6:.2f} MB; smallest {sizes[0] / 1e3:.1f} kB, "
          f"median {statistics.median(sizes) / 1e3:.1f} kB, largest {sizes[-1] / 1e3:.1f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
