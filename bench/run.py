#!/usr/bin/env python3
"""The build benchmark: synthetic content at 1,000 and 10,000 claims, every figure beside its
ratio to the floor, on tmpfs and on disk. See bench/README.md for how to read the table.

    python bench/run.py                      1,000 and 10,000 claims, 3 repeats (about 45 min)
    python bench/run.py --quick              1,000 claims, 1 repeat (CI smoke, about 2 min)
    python bench/run.py --sizes 2000 --repeats 5
    python bench/run.py --commit HEAD        measure a commit (git archive) instead of the
                                             working tree

Either way the engine (build.py, engine/, templates/, static/) is copied once at the start, so
the whole run measures one version even while someone edits the working tree, and each location
gets its own copy, so the engine's cache (.cache/ beside build.py) is the harness's to empty
before every cold build.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve() \
        and "BENCH_NO_REEXEC" not in os.environ:
    # `python bench/run.py` with any Python: run with the project's venv, like the build does.
    os.environ["BENCH_NO_REEXEC"] = "1"
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tarfile  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from importlib import metadata  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import HUB_SOURCE, NOW, check_strict, generate  # noqa: E402
from snapshot import changed_files, pages, snapshot  # noqa: E402

PYTHON = str(VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable))
ENGINE_PARTS = ("build.py", "engine", "templates", "static", "tests/fixtures")
ENGINE_SOURCE = ROOT  # set by main(): the run's own copy of the engine, copied again per location


def copy_working_tree(folder: Path) -> None:
    """The engine as it is in the working tree now (committed or not), without caches."""
    ignore = shutil.ignore_patterns("__pycache__", ".cache", "*.pyc")
    for part in ENGINE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, folder / part, ignore=ignore)
        elif source.is_file():
            (folder / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / part)


def freeze(commit: str, folder: Path) -> str:
    """Exports `commit` (git archive) into folder; returns its full hash."""
    sha = subprocess.run(["git", "rev-parse", "--verify", f"{commit}^{{commit}}"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.strip()
    archive = subprocess.run(["git", "archive", "--format=tar", sha], cwd=ROOT,
                             capture_output=True, check=True).stdout
    folder.mkdir(parents=True)
    import io
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return sha
BENCH = Path(__file__).resolve().parent
LOCATIONS = ("tmpfs", "disk")
FLOOR = "floor"
# (key, label, unit) in table order; unit "s" figures get a ratio to the floor's seconds.
FIGURES = [
    ("floor", "floor: yaml.load + markdown-it + Jinja, claims", "s"),
    ("floor_compose", "floor, yaml.compose loader (as engine/load.py)", "s"),
    ("floor_all_kinds", "floor, every kind of page (yaml.load)", "s"),
    ("cold", "cold full build (fresh output, no cache)", "s"),
    ("warm", "warm full build (fresh output, cache kept)", "s"),
    ("noop", "no-op rebuild (same output, nothing changed)", "s"),
    ("check", "check (validate only)", "s"),
    ("ms_per_page", "cold build: ms per file written", "ms"),
    ("rss_cold", "peak RSS, cold build (largest process)", "MB"),
    ("pss_tree_cold", "peak memory, cold build, all its processes (PSS)", "MB"),
    ("dev_first", "dev server: first build in process", "s"),
    ("dev_detect", "dev server: scan for changes (each poll)", "s"),
    ("dev_index", "dev server: search index refreshed after a claim edit (after the reload)", "s"),
    ("dev_none", "dev rebuild: nothing edited", "s"),
    ("dev_claim", "dev rebuild: one claim edited", "s"),
    ("dev_source", "dev rebuild: most-cited source edited", "s"),
    ("dev_entity", "dev rebuild: one entity edited", "s"),
    ("dev_template", "dev rebuild: claim template edited", "s"),
    ("dev_static", "dev rebuild: one static file edited", "s"),
    ("rss_dev", "peak RSS, dev-server process", "MB"),
]
DEV_EDITS = ("none", "claim", "source", "entity", "template", "static")


# --- the machine ----------------------------------------------------------------------------------

def cpu_busy(interval: float) -> float:
    """Share of all CPUs busy (anything but idle and iowait) over `interval` seconds."""
    def sample():
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return sum(values), values[3] + values[4]
    total, idle = sample()
    time.sleep(interval)
    total2, idle2 = sample()
    return 1 - (idle2 - idle) / max(1, total2 - total)


class Quiet:
    """Waits (up to max_wait seconds) until other processes leave the CPUs mostly idle."""

    def __init__(self, threshold: float, max_wait: float):
        self.threshold, self.max_wait = threshold, max_wait

    def wait(self) -> dict:
        if self.max_wait <= 0:
            return {"busy_before": None, "waited": 0.0}
        started = time.perf_counter()
        while True:
            busy = cpu_busy(0.5)
            waited = time.perf_counter() - started
            if busy <= self.threshold or waited >= self.max_wait:
                return {"busy_before": round(busy, 3), "waited": round(waited, 1)}
            time.sleep(2)


def calibrate() -> float:
    """A fixed pure-Python loop (seconds): shows how fast this machine ran at that moment."""
    started = time.perf_counter()
    total = 0
    for i in range(3_000_000):
        total += i * i % 7
    return time.perf_counter() - started


def filesystem(path: Path) -> str:
    best, kind = "", "?"
    try:
        with open("/proc/mounts") as mounts:
            for line in mounts:
                _, point, fs, *_ = line.split()
                if (str(path) + "/").startswith(point.rstrip("/") + "/") and len(point) > len(best):
                    best, kind = point, fs
    except OSError:
        pass
    return kind


def machine(tmpfs: Path, disk: Path) -> dict:
    model, memory = "?", "?"
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                     if line.startswith("model name"))
        memory = next(line.split(":", 1)[1].strip() for line in open("/proc/meminfo")
                      if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        pass
    versions = {}
    for name in ("jinja2", "markdown-it-py", "mdit-py-plugins", "pyyaml", "pydantic", "pydantic-core",
                 "babel", "markupsafe"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    import yaml
    return {"cpu_count": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)),
            "cpu_model": model, "memory": memory, "kernel": platform.release(),
            "python": platform.python_version(), "implementation": platform.python_implementation(),
            "libyaml": bool(getattr(yaml, "__with_libyaml__", False)), "packages": versions,
            "tmpfs_dir": str(tmpfs), "tmpfs_fs": filesystem(tmpfs),
            "disk_dir": str(disk), "disk_fs": filesystem(disk)}


def files_hash(root: Path) -> str:
    """sha256 over build.py, engine/, templates/ and static/ under root (caches left out)."""
    digest = hashlib.sha256()
    for path in sorted([root / "build.py", *(root / "engine").rglob("*"), *(root / "templates").rglob("*"),
                        *(root / "static").rglob("*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def working_tree_state() -> dict:
    """The repository's engine now: commit, uncommitted changes, and a hash of its files."""

    def git(*args):
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None
    status = git("status", "--porcelain", "--", "build.py", "engine", "templates", "static")
    return {"commit": git("rev-parse", "HEAD"), "uncommitted": status.splitlines() if status else [],
            "files_sha256": files_hash(ROOT)}


# --- running things -------------------------------------------------------------------------------

def run_child(command: list[str], quiet: Quiet, env: dict | None = None,
              cwd: Path = ROOT) -> dict:
    """Runs one command; wall time, CPU time and peak RSS of that child alone (wait4)."""
    state = quiet.wait()
    os.sync()  # earlier writes are flushed now, not charged to this run
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd, env=env)
        try:
            _, status, usage = os.wait4(child.pid, 0)
        except BaseException:  # interrupted: end this child (ours, by its pid) before leaving
            child.kill()
            child.wait()
            raise
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    return {"seconds": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "rc": child.returncode, "stdout": stdout, "stderr": stderr, **state}


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack += parents.get(current, [])
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in kB, from /proc/<pid>/smaps_rollup; zeros if it is gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def tree_memory(command: list[str], env: dict, cwd: Path, interval: float = 0.1) -> dict:
    """Runs one command (untimed) and samples the summed PSS and RSS of it and every process it
    starts (forked render workers included): wait4's RSS is only the largest single process."""
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             cwd=cwd, env=env)
    peak_pss = peak_rss = processes = 0
    peak_by_program: dict[str, int] = {}   # summed PSS of the processes of one program (python, pagefind)
    try:
        while child.poll() is None:
            pids = _descendants(child.pid)
            sizes = [_memory_kb(pid) for pid in pids]
            peak_pss = max(peak_pss, sum(p for p, _ in sizes))
            peak_rss = max(peak_rss, sum(r for _, r in sizes))
            processes = max(processes, len(pids))
            by_program: dict[str, int] = {}
            for pid, (pss, _) in zip(pids, sizes):
                by_program[_program(pid)] = by_program.get(_program(pid), 0) + pss
            for program, pss in by_program.items():
                peak_by_program[program] = max(peak_by_program.get(program, 0), pss)
            time.sleep(interval)
    except BaseException:
        child.kill()
        child.wait()
        raise
    return {"value": peak_pss / 1024, "rss_sum_mb": peak_rss / 1024, "processes": processes,
            "rc": child.returncode,
            "pss_by_program_mb": {k: v / 1024 for k, v in sorted(peak_by_program.items()) if k}}


def _program(pid: int) -> str:
    """The program a process runs (/proc/<pid>/comm: "python", "pagefind"), "" if it is gone."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def parse_build_output(stdout: str) -> dict:
    """Files, 'nothing written' and per-stage seconds from build.py's summary line, if present."""
    found: dict = {}
    match = re.search(r"Built (\d+) files", stdout)
    if match:
        found["files_reported"] = int(match.group(1))
    found["reported_unchanged"] = "nothing written" in stdout
    match = re.search(r"Time: (.*?)\.?\s*$", stdout, re.MULTILINE)
    if match:
        stages = {}
        for part in match.group(1).split(","):
            stage = re.match(r"\s*(.+?)\s+([\d.]+)\s*ms", part)
            if stage:
                stages[stage.group(1)] = float(stage.group(2)) / 1000
        found["stages"] = stages
    return found


class Location:
    """One place on one filesystem: its own engine copy, content, outputs and caches."""

    def __init__(self, name: str, base: Path):
        self.name, self.base = name, base
        self.engine = base / "engine"
        self.content = base / "content"
        self.cache = base / "cache"
        self.cache_option = False

    def setup_engine(self) -> None:
        """Copies the run's engine here, compiles its bytecode (a tiny build, untimed), and looks
        for a --cache option (then the location's cache folder is passed)."""
        shutil.copytree(ENGINE_SOURCE, self.engine, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
        subprocess.run([PYTHON, str(self.engine / "build.py"), "--content",
                        str(self.engine / "tests" / "fixtures" / "site"), "--out",
                        str(self.base / "warmup"), "--now", NOW], cwd=self.engine, capture_output=True)
        remove(self.base / "warmup")
        done = subprocess.run([PYTHON, str(self.engine / "build.py"), "--help"], capture_output=True,
                              text=True, cwd=self.engine)
        self.cache_option = "--cache" in done.stdout

    def forget_caches(self) -> None:
        """Everything a build may keep between runs: the engine's .cache/ and XDG_CACHE_HOME."""
        remove(self.engine / ".cache")
        remove(self.cache)

    def env(self) -> dict:
        return {**os.environ, "XDG_CACHE_HOME": str(self.cache)}

    def build_command(self, out: Path, command: str = "build") -> list[str]:
        line = [PYTHON, str(self.engine / "build.py"), command, "--content", str(self.content),
                "--now", NOW]
        if command == "build":
            line += ["--out", str(out)]
        if self.cache_option:
            line += ["--cache", str(self.cache)]
        return line


def remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


class Failure(RuntimeError):
    pass


def must(sample: dict, what: str) -> dict:
    if sample["rc"] != 0:
        raise Failure(f"{what} failed (exit {sample['rc']}):\n{sample['stdout'][-2000:]}\n"
                      f"{sample['stderr'][-4000:]}")
    return sample


def measure_subprocesses(location: Location, figure: str, quiet: Quiet) -> dict:
    """One sample of one subprocess figure at one location."""
    out = location.base / f"out-{figure}"
    if figure.startswith("floor"):
        remove(out)
        command = [PYTHON, str(BENCH / "floor.py"), "--content", str(location.content), "--out", str(out)]
        if figure == "floor_compose":
            command += ["--loader", "compose"]
        if figure == "floor_all_kinds":
            command += ["--all-kinds"]
        sample = must(run_child(command, quiet, cwd=location.base), figure)
        floor = json.loads(sample["stdout"].strip().splitlines()[-1])
        sample["files"] = floor["pages"]
        sample["stages"] = {"imports": floor["imports"], **floor["times"]}
        remove(out)
    elif figure == "cold":
        remove(out)
        location.forget_caches()
        sample = must(run_child(location.build_command(out), quiet, location.env(), location.engine),
                      "cold build")
        found = snapshot(out)
        sample.update(files=len(found) - 1, pages=pages(found))
        remove(out)
    elif figure == "warm":
        out = location.base / "out-warm"
        remove(out)  # the output goes; any cache the cold build left stays
        sample = must(run_child(location.build_command(out), quiet, location.env(), location.engine),
                      "warm build")
        sample["files"] = len(snapshot(out)) - 1
    elif figure == "noop":
        out = location.base / "out-warm"  # the warm build's output, content unchanged since
        before = snapshot(out)
        sample = must(run_child(location.build_command(out), quiet, location.env(), location.engine),
                      "no-op rebuild")
        after = snapshot(out)
        sample.update(files=len(after) - 1, files_changed=changed_files(before, after),
                      folder_replaced=before.get(".") != after.get("."))
    elif figure == "check":
        sample = must(run_child(location.build_command(out, "check"), quiet, location.env(),
                                location.engine), "check")
    else:
        raise ValueError(figure)
    sample.update(parse_build_output(sample["stdout"]))
    sample["stdout"] = sample["stdout"][-500:]
    sample["stderr"] = sample["stderr"][-500:]
    return sample


class DevProcess:
    """A dev_worker.py child; we end it ourselves (by its pid) if it outlives the run."""

    def __init__(self, location: Location, now: str):
        dev = location.base / "dev"
        remove(dev)
        shutil.copytree(location.content, dev / "content")
        self.child = subprocess.Popen(
            [PYTHON, str(BENCH / "dev_worker.py"), "--content", str(dev / "content"),
             "--overrides", str(dev / "overrides"), "--out", str(dev / "out"), "--now", now,
             "--root", str(location.engine)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=location.engine, env=location.env(),
            bufsize=1)

    def run(self, edit: str, quiet: Quiet) -> dict:
        state = quiet.wait()
        os.sync()
        self.child.stdin.write(json.dumps({"edit": edit}) + "\n")
        self.child.stdin.flush()
        line = self.child.stdout.readline()
        if not line:
            raise Failure(f"the dev worker stopped (exit {self.child.wait()}) during edit {edit}")
        return {**json.loads(line), **state}

    def close(self) -> None:
        if self.child.poll() is None:
            try:
                self.child.stdin.write(json.dumps({"edit": "quit"}) + "\n")
                self.child.stdin.close()
                self.child.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.child.kill()
                self.child.wait()


# --- one size -------------------------------------------------------------------------------------

def content_stats(content: Path) -> dict:
    counts = {folder.name: sum(1 for _ in folder.iterdir()) for folder in sorted(content.iterdir())
              if folder.is_dir()}
    size = sum(p.stat().st_size for p in content.rglob("*") if p.is_file())
    return {"files_per_kind": counts, "files": sum(counts.values()) + 1, "bytes": size}


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def measure_size(claims: int, args, tmpfs_root: Path, disk_root: Path, quiet: Quiet,
                 log) -> dict:
    tag = f"ssg-bench-{os.getpid()}-{claims}"
    locations = {"tmpfs": Location("tmpfs", tmpfs_root / tag), "disk": Location("disk", disk_root / tag)}
    devs: dict[str, DevProcess] = {}
    samples: dict[str, dict[str, list]] = {key: {loc: [] for loc in LOCATIONS} for key, *_ in FIGURES}
    calibration: list[float] = []
    try:
        started = time.perf_counter()
        for location in locations.values():
            remove(location.base)
            location.base.mkdir(parents=True)
        generate(locations["tmpfs"].base, claims, args.seed)
        generated = time.perf_counter() - started
        for location in locations.values():
            location.setup_engine()
        passed, output = check_strict(locations["tmpfs"].content, PYTHON, locations["tmpfs"].engine)
        if not passed:
            raise Failure(f"the generated content does not pass check --strict:\n{output[-4000:]}")
        shutil.copytree(locations["tmpfs"].content, locations["disk"].content)
        stats = content_stats(locations["tmpfs"].content)
        log(f"\n== {claims:,} claims: {stats['files']:,} content files, {stats['bytes'] / 1e6:.1f} MB, "
            f"generated in {generated:.1f} s; check --strict: OK")

        order = ["floor", "floor_compose", "floor_all_kinds", "cold", "warm", "noop", "check"]
        for round_ in range(1, args.repeats + 1):
            calibration.append(calibrate())
            for figure in order:
                for name in LOCATIONS:  # A B A B: the two locations alternate for every figure
                    sample = measure_subprocesses(locations[name], figure, quiet)
                    samples[figure][name].append(sample)
                    log(f"  round {round_} {figure:16} {name:5} {sample['seconds']:8.2f} s  "
                        f"cpu {sample['cpu']:7.2f} s  rss {sample['rss_mb']:6.0f} MB"
                        + (f"  files changed {sample['files_changed']}" if "files_changed" in sample else "")
                        + (f"  (busy {sample['busy_before']:.0%} before)" if sample.get("busy_before") else ""))
                    if figure == "cold":
                        samples["ms_per_page"][name].append(
                            {"value": sample["seconds"] * 1000 / sample["files"], "files": sample["files"]})
                        samples["rss_cold"][name].append({"value": sample["rss_mb"]})
        for location in locations.values():
            remove(location.base / "out-warm")
        # Memory of the whole process tree: one more cold build on tmpfs, sampled, not timed.
        location = locations["tmpfs"]
        remove(location.base / "out-memory")
        location.forget_caches()
        memory = tree_memory(location.build_command(location.base / "out-memory"), location.env(),
                             location.engine)
        if memory["rc"] != 0:
            raise Failure(f"the memory-sampled cold build failed (exit {memory['rc']})")
        remove(location.base / "out-memory")
        samples["pss_tree_cold"]["tmpfs"].append(memory)
        log(f"  memory (cold, tmpfs): {memory['value']:.0f} MB PSS, {memory['rss_sum_mb']:.0f} MB RSS "
            f"summed over up to {memory['processes']} processes; peak PSS by program: "
            + ", ".join(f"{name} {mb:.0f} MB" for name, mb in memory["pss_by_program_mb"].items()))

        if not args.skip_dev:
            for name in LOCATIONS:
                devs[name] = DevProcess(locations[name], NOW)
            for name in LOCATIONS:
                sample = devs[name].run("none", quiet)
                samples["dev_first"][name].append(sample)
                log(f"  dev first build        {name:5} {sample['seconds']:8.2f} s  ({sample['mode']})")
            for round_ in range(1, args.repeats + 1):
                for edit in DEV_EDITS:
                    for name in LOCATIONS:
                        sample = devs[name].run(edit, quiet)
                        samples[f"dev_{edit}"][name].append(sample)
                        if edit == "claim" and sample.get("detect_seconds") is not None:
                            samples["dev_detect"][name].append({"value": sample["detect_seconds"]})
                        if edit == "claim" and sample.get("index_seconds") is not None:
                            samples["dev_index"][name].append({"value": sample["index_seconds"]})
                        log(f"  round {round_} dev {edit:12} {name:5} {sample['seconds']:8.3f} s  "
                            f"files changed {sample['files_changed']:6}"
                            + (f" (then {sample['refresh_files_changed']} by the index refresh)"
                               if sample.get("refresh_files_changed") else "")
                            + ("" if sample["ok"] else f"  FAILED: {sample['failures'][:1]}"))
            for name in LOCATIONS:
                last = samples["dev_static"][name][-1]
                samples["rss_dev"][name].append({"value": last["rss_mb"]})
                devs[name].close()
        return summarise(claims, samples, stats, generated, calibration)
    finally:
        for dev in devs.values():
            dev.close()
        if not args.keep:
            for location in locations.values():
                remove(location.base)
                try:
                    location.base.parent.rmdir()  # only when empty: /work/.bench-tmp
                except OSError:
                    pass


def summarise(claims: int, samples: dict, stats: dict, generated: float, calibration: list) -> dict:
    figures: dict[str, dict] = {}
    for key, label, unit in FIGURES:
        entry: dict = {"label": label, "unit": unit}
        for name in LOCATIONS:
            raw = samples[key][name]
            good = [s for s in raw if s.get("ok", True)]
            values = [s["value"] if "value" in s else s["seconds"] for s in good]
            part: dict = {"median": median(values), "samples": values, "failed_samples": len(raw) - len(good)}
            if good and "cpu" in good[0]:
                part["cpu_median"] = median([s["cpu"] for s in good])
            if good and "stages" in good[0] and good[0]["stages"]:
                stages = list(dict.fromkeys(stage for s in good for stage in s.get("stages", {})))
                part["stages_median"] = {stage: median([s["stages"].get(stage, 0) for s in good])
                                         for stage in stages}
            if good and "files_changed" in good[0]:
                part["files_changed"] = [s["files_changed"] for s in good]
            if good and good[0].get("refresh_files_changed"):
                part["refresh_files_changed"] = [s["refresh_files_changed"] for s in good]
            if good and "files" in good[0]:
                part["files"] = good[0]["files"]
            if good and "pages" in good[0]:
                part["pages"] = good[0]["pages"]
            if good and "mode" in good[0]:
                part["mode"] = good[0]["mode"]
            if raw and "rss_mb" in raw[0] and key not in ("rss_cold", "rss_dev"):
                part["rss_mb_max"] = max(s["rss_mb"] for s in raw)
            if any(s.get("busy_before") for s in raw):
                part["busy_before"] = [s.get("busy_before") for s in raw]
            if any(s.get("failures") for s in raw):
                part["failures"] = [f for s in raw for f in s.get("failures", [])][:5]
            entry[name] = part
        figures[key] = entry
    floor = figures[FLOOR]["tmpfs"]["median"]
    floor_rss = figures[FLOOR]["tmpfs"].get("rss_mb_max")
    floor_files = figures[FLOOR]["tmpfs"].get("files")
    floor_cpu = figures[FLOOR]["tmpfs"].get("cpu_median")
    for key, entry in figures.items():
        cpu = entry["tmpfs"].get("cpu_median")
        entry["cpu_ratio_to_floor"] = cpu / floor_cpu if cpu is not None and floor_cpu else None
        value = entry["tmpfs"]["median"]
        if value is None:
            entry["ratio_to_floor"] = None
        elif entry["unit"] == "s":
            entry["ratio_to_floor"] = value / floor
        elif entry["unit"] == "ms" and floor_files:
            entry["ratio_to_floor"] = value / (floor * 1000 / floor_files)
        elif entry["unit"] == "MB" and floor_rss:
            entry["ratio_to_floor"] = value / floor_rss
    cold = figures["cold"]["tmpfs"]["median"]
    noop = figures["noop"]
    targets = {
        "applies_at_claims": 10000,
        "cold_within_1_5x_floor": {"value": figures["cold"]["ratio_to_floor"], "limit": 1.5,
                                   "met": figures["cold"]["ratio_to_floor"] <= 1.5},
        "dev_claim_under_100_ms": {"value": figures["dev_claim"]["tmpfs"]["median"], "limit": 0.1,
                                   "met": None if figures["dev_claim"]["tmpfs"]["median"] is None
                                   else figures["dev_claim"]["tmpfs"]["median"] < 0.1},
        "noop_under_2_percent_of_cold": {"value": noop["tmpfs"]["median"] / cold, "limit": 0.02,
                                         "met": noop["tmpfs"]["median"] / cold < 0.02},
        "noop_writes_nothing": {"value": max(noop["tmpfs"]["files_changed"] + noop["disk"]["files_changed"]),
                                "limit": 0, "met": max(noop["tmpfs"]["files_changed"]
                                                       + noop["disk"]["files_changed"]) == 0},
        "peak_rss_under_500_mb": {"value": max(figures["rss_cold"]["tmpfs"]["samples"]
                                               + figures["rss_cold"]["disk"]["samples"]),
                                  "limit": 500, "met": max(figures["rss_cold"]["tmpfs"]["samples"]
                                                           + figures["rss_cold"]["disk"]["samples"]) < 500},
        "peak_tree_pss_under_500_mb": {"value": figures["pss_tree_cold"]["tmpfs"]["median"], "limit": 500,
                                       "met": None if figures["pss_tree_cold"]["tmpfs"]["median"] is None
                                       else figures["pss_tree_cold"]["tmpfs"]["median"] < 500},
        "check_seconds": {"value": figures["check"]["tmpfs"]["median"], "limit": None, "met": None},
    }
    return {"claims": claims, "content": stats, "generate_seconds": generated,
            "calibration_seconds": calibration, "figures": figures, "targets": targets,
            "hub_source": HUB_SOURCE}


# --- the table ------------------------------------------------------------------------------------

def show(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.2f} ms"
    return f"{value:.0f} MB"


def table(result: dict) -> str:
    figures = result["figures"]
    cold = figures["cold"]["tmpfs"]
    lines = [f"{result['claims']:,} claims: {result['content']['files']:,} content files in, "
             f"{cold.get('files', 0):,} files out ({cold.get('pages', 0):,} HTML pages)",
             f"{'figure':52} {'tmpfs':>10} {'disk':>10} {'× floor':>8} {'cpu tmpfs':>10} "
             f"{'× floor':>8}  notes"]
    for key, entry in figures.items():
        notes = []
        part = entry["tmpfs"]
        if "files_changed" in part:
            notes.append(f"files written {max(part['files_changed'] + entry['disk'].get('files_changed', []))}"
                         if key == "noop" else f"files changed {part['files_changed'][-1]}")
        if "refresh_files_changed" in part:
            notes.append(f"then {part['refresh_files_changed'][-1]} by the search index refresh")
        failed = part["failed_samples"] + entry["disk"]["failed_samples"]
        if failed:
            notes.append(f"{failed} failed samples left out")
        ratio, cpu_ratio = entry.get("ratio_to_floor"), entry.get("cpu_ratio_to_floor")
        lines.append(f"{entry['label']:52} {show(part['median'], entry['unit']):>10} "
                     f"{show(entry['disk']['median'], entry['unit']):>10} "
                     f"{(f'{ratio:.2f}' if ratio is not None else '—'):>8} "
                     f"{show(part.get('cpu_median'), 's') if 'cpu_median' in part else '':>10} "
                     f"{(f'{cpu_ratio:.2f}' if cpu_ratio is not None else ''):>8}  "
                     f"{'; '.join(notes)}")
    for key in ("floor", "cold", "noop", "dev_claim"):
        stages = figures[key]["tmpfs"].get("stages_median")
        if stages:
            lines.append(f"  stages, {key} (tmpfs): " + ", ".join(
                f"{name} {show(value, 's')}" for name, value in stages.items()))
    lines.append("  machine speed, fixed loop per round: " + ", ".join(
        f"{value:.2f} s" for value in result["calibration_seconds"]))
    if result["claims"] >= result["targets"]["applies_at_claims"]:
        lines.append("  targets at 10,000 claims:")
        for name, target in result["targets"].items():
            if isinstance(target, dict):
                met = "" if target["met"] is None else ("  met" if target["met"] else "  NOT met")
                value = "—" if target["value"] is None else f"{target['value']:.3f}"
                lines.append(f"    {name}: {value}{met}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--sizes", default="1000,10000", help="claims per run, comma-separated")
    parser.add_argument("--quick", action="store_true", help="1,000 claims, 1 repeat (CI smoke)")
    parser.add_argument("--repeats", type=int, help="samples per figure and location (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tmpfs", type=Path, default=Path("/dev/shm"), help="a tmpfs folder")
    parser.add_argument("--disk", type=Path, default=Path("/work/.bench-tmp") if Path("/work").is_dir()
                        else Path(tempfile.gettempdir()), help="a folder on disk")
    parser.add_argument("--output", type=Path, default=BENCH / "results.json")
    parser.add_argument("--commit", help="measure this commit, exported with git archive, instead "
                        "of the working tree")
    parser.add_argument("--skip-dev", action="store_true", help="leave out the dev-server figures")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--busy-threshold", type=float, default=0.25,
                        help="before each timed run, wait while other processes keep more than "
                             "this share of the CPUs busy (default 0.25)")
    parser.add_argument("--max-wait", type=float,
                        help="…but at most this many seconds (default 30, with --quick 0; "
                             "0: never wait)")
    args = parser.parse_args(argv)
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.max_wait = args.max_wait if args.max_wait is not None else (0 if args.quick else 30)
    if args.skip_dev and not args.quick:
        print("note: --skip-dev leaves the dev-server targets unmeasured", file=sys.stderr)
    quiet = Quiet(args.busy_threshold, args.max_wait)
    # kill -TERM / -INT (even when started in the background) end the run through its clean-up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    global ENGINE_SOURCE
    ENGINE_SOURCE = args.tmpfs / f"ssg-bench-{os.getpid()}-engine"
    before = working_tree_state()
    try:
        if args.commit:
            measured = {"source": "commit", "commit": freeze(args.commit, ENGINE_SOURCE)}
        else:
            copy_working_tree(ENGINE_SOURCE)
            measured = {"source": "working tree", "commit": before["commit"],
                        "uncommitted": before["uncommitted"]}
        measured["files_sha256"] = files_hash(ENGINE_SOURCE)
        return run_all(args, sizes, quiet, measured, before)
    finally:
        remove(ENGINE_SOURCE)


def run_all(args, sizes: list[int], quiet: Quiet, measured: dict, before: dict) -> int:

    def log(message: str) -> None:
        print(message, flush=True)

    results = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "machine": machine(args.tmpfs, args.disk), "engine": measured,
               "working_tree_before": before,
               "settings": {"sizes": sizes, "repeats": args.repeats, "seed": args.seed, "now": NOW,
                            "quick": args.quick, "commit": args.commit, "python_for_builds": PYTHON,
                            "busy_threshold": args.busy_threshold, "max_wait": args.max_wait,
                            "load_average_before": os.getloadavg()},
               "sizes": {}}
    log(f"bench: engine from the {measured['source']} ({measured['commit'][:12]}"
        f"{', with uncommitted changes' if measured.get('uncommitted') else ''}); "
        f"sizes {sizes}, {args.repeats} repeats, tmpfs {args.tmpfs}, disk {args.disk}; "
        f"{results['machine']['cpus_usable']} CPUs, Python {results['machine']['python']}")
    for claims in sizes:
        result = measure_size(claims, args, args.tmpfs, args.disk, quiet, log)
        results["sizes"][str(claims)] = result
        log("\n" + table(result))
    results["working_tree_after"] = working_tree_state()
    results["working_tree_changed_during_run"] = (before["files_sha256"]
                                                  != results["working_tree_after"]["files_sha256"])
    results["settings"]["load_average_after"] = os.getloadavg()
    args.output.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    log("\n" + "\n\n".join(table(r) for r in results["sizes"].values()))
    if results["working_tree_changed_during_run"] and measured["source"] == "working tree":
        log("\nnote: the working tree's engine changed during the run; the run measured the copy "
            "it made at the start.")
    log(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
