#!/usr/bin/env python3
"""A cProfile of one cold, in-process build of synthetic content: where the time goes.

    python bench/profile_build.py --claims 10000         writes bench/profile-10000.txt
    python bench/profile_build.py --commit HEAD          profiles a frozen copy of that commit

Generates the content on tmpfs (seed 1, as bench/run.py does), then runs
engine.pipeline.build_site(paths, out, now) once under cProfile into a fresh output folder, and
writes the stage timings and the top functions by cumulative and by own ("self", tottime) time.
cProfile slows Python code down (roughly 1.5-2x here), most of all code with many small calls,
so read the shares, not the absolute seconds. cProfile counts every resumption of a generator
as a call, so the ncalls of compiled templates (templates/base.html:4(root)) are yields, not
renders. After the two top lists: self time summed per library, and the engine's own functions
by cumulative time. The profiled stage times are printed next to those
of an unprofiled build in the same process for comparison.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import NOW, generate  # noqa: E402


def tidy(text: str, root: Path) -> str:
    """Shorter file names: site-packages/… and the repository's own paths relative to it."""
    for prefix, short in ((sysconfig.get_paths()["purelib"] + "/", "site-packages/"),
                          (sysconfig.get_paths()["stdlib"] + "/", "stdlib/"), (str(root) + "/", "")):
        text = text.replace(prefix, short)
    return text


def _package(filename: str, root: Path) -> str:
    """Which library (or part of the engine) a profiled function belongs to."""
    if filename.startswith(str(root / "templates")) or filename.endswith(".html") \
            or "/templates/" in filename:
        return "templates (compiled Jinja code)"
    if filename.startswith(str(root / "engine")):
        return "engine/" + Path(filename).name
    purelib = sysconfig.get_paths()["purelib"] + "/"
    if filename.startswith(purelib):
        return filename[len(purelib):].split("/")[0]
    if filename == "~":
        return "built-ins (str.join, isinstance, …)"
    return "stdlib and other"


def by_package(stats: pstats.Stats, root: Path) -> list[str]:
    """Self time summed per library: where the CPU actually is."""
    totals: dict[str, float] = {}
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
        name = _package(filename, root)
        totals[name] = totals.get(name, 0) + tottime
    whole = sum(totals.values())
    lines = ["--- self time by library ---"]
    for name, seconds in sorted(totals.items(), key=lambda pair: -pair[1])[:20]:
        lines.append(f"{seconds:8.2f} s {seconds / whole:6.1%}  {name}")
    return lines


def engine_functions(stats: pstats.Stats, root: Path, top: int) -> list[str]:
    """The engine's own functions by cumulative time (the pipeline's wrappers left out)."""
    rows = []
    for (filename, line, function), (_, calls, _, cumtime, _) in stats.stats.items():
        if filename.startswith(str(root / "engine")) and function not in ("run", "build_site"):
            rows.append((cumtime, calls, f"{Path(filename).relative_to(root)}:{line}({function})"))
    lines = [f"--- top {top} engine functions by cumulative time ---"]
    for cumtime, calls, where in sorted(rows, reverse=True)[:top]:
        lines.append(f"{cumtime:8.2f} s {calls:10,} calls  {where}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--tmpfs", type=Path, default=Path("/dev/shm"))
    parser.add_argument("--output", type=Path)
    parser.add_argument("--commit", help="profile this commit (git archive) instead of the working tree")
    args = parser.parse_args(argv)
    output = args.output or Path(__file__).resolve().parent / f"profile-{args.claims}.txt"
    base = args.tmpfs / f"ssg-profile-{os.getpid()}"
    root, commit = ROOT, None
    try:
        content = generate(base, args.claims, args.seed)
        # Always a copy: one version throughout, and a .cache/ of its own (empty: a cold build).
        from run import copy_working_tree, freeze
        root = base / "engine"
        if args.commit:
            commit = freeze(args.commit, root)
        else:
            copy_working_tree(root)
        sys.path.insert(0, str(root))
        from engine.pipeline import Paths, build_site
        paths = Paths(root=root, content=content, overrides=base / "overrides")

        import importlib
        for module in ("engine.load", "engine.validate", "engine.model", "engine.render",
                       "engine.markdown", "engine.write"):  # imports are not the build's work
            try:
                importlib.import_module(module)
            except ImportError:
                pass

        # One process, so that the profile sees all the work (the engine may render on every
        # core with forked workers, which cProfile in this process would not see).
        import inspect
        single = {"workers": 1} if "workers" in inspect.signature(build_site).parameters else {}

        # The first build in this process: the engine may keep things in memory between builds
        # (the dev server's warm process), so a second build would not be cold.
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        result = build_site(paths, base / "out", NOW, **single)
        profiler.disable()
        seconds = time.perf_counter() - started
        assert result.ok, result.failures[:5]

        # For comparison: the same cold build without the profiler, in a child process.
        import subprocess
        started = time.perf_counter()
        child = subprocess.run([sys.executable, str(root / "build.py"), "--content", str(content),
                                "--out", str(base / "out-plain"), "--now", NOW,
                                *(["--workers", "1"] if single else [])], cwd=root,
                               capture_output=True, text=True)
        plain_seconds = time.perf_counter() - started
        plain = child.stdout.strip().rsplit("Time: ", 1)[-1] if child.returncode == 0 else child.stderr[-300:]

        stats = pstats.Stats(profiler)
        lines = [f"bench/profile_build.py: one cold in-process build, {args.claims:,} claims (seed {args.seed}), "
                 f"{len(result.files):,} files, output on {args.tmpfs}, engine "
                 f"{'commit ' + commit if commit else 'copied from the working tree of ' + str(ROOT)}",
                 f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
                 f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} at the end",
                 "",
                 f"profiled build (first in this process, imports done, fresh output"
                 f"{', workers=1' if single else ''}): "
                 f"{seconds:.2f} s: {result.timings}",
                 f"unprofiled cold build (build.py{' --workers 1' if single else ''} in a child process, imports included): "
                 f"{plain_seconds:.2f} s: {plain}",
                 f"function calls: {stats.total_calls:,} ({stats.prim_calls:,} primitive)", ""]
        for key, title in (("cumulative", "by cumulative time (the function and all it calls)"),
                           ("tottime", "by self time (tottime: the function's own code only)")):
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats(key).print_stats(args.top)
            body = stream.getvalue()
            body = body[body.index("   ncalls"):] if "   ncalls" in body else body
            lines += [f"--- top {args.top} {title} ---", tidy(body, root).rstrip(), ""]
        lines += by_package(stats, root) + [""] + engine_functions(stats, root, args.top)
        output.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print("\n".join(lines))
        print(f"wrote {output}")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
