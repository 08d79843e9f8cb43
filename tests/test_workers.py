"""The worker processes that render pages and draw cards (engine/workers.py): results in the
order of the tasks, a failure reported the same whichever worker finishes first, and a worker
that dies stops the step instead of leaving it waiting forever."""
from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from engine.workers import Failed, WorkerDied, Workers


def square_after(shared: dict, task: int) -> int:
    time.sleep(shared["slow"].get(task, 0))
    if task in shared["failing"]:
        raise ValueError(f"task {task}")
    if task == shared.get("die"):
        os._exit(3)
    return shared["offset"] + task * task


def test_map_gives_each_result_in_the_order_of_the_tasks_and_reuses_its_processes():
    shared = {"slow": {0: 0.05, 1: 0.02}, "failing": set(), "offset": 1}   # inherited, never pickled
    with Workers(square_after, shared, 2) as processes:
        assert processes.map(list(range(10))) == [1 + n * n for n in range(10)]
        first = [p.pid for p in processes.processes]
        assert processes.map([3]) == [10]
        assert [p.pid for p in processes.processes] == first
    assert multiprocessing.active_children() == []


def test_the_first_failure_in_task_order_is_raised_once_every_task_is_back():
    shared = {"slow": {2: 0.3}, "failing": {2, 7}, "offset": 0}
    with Workers(square_after, shared, 2) as processes:
        found = dict(processes.results(list(range(10))))
        assert sorted(found) == list(range(10))
        assert isinstance(found[7], Failed) and found[7].text == "ValueError: task 7"
        for _ in range(2):   # task 7 fails long before task 2 does, and 2 is the one reported
            with pytest.raises(RuntimeError, match="^ValueError: task 2$"):
                processes.map(list(range(10)))
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_stops_the_step_with_a_message_instead_of_a_hang():
    shared = {"slow": {}, "failing": set(), "offset": 0, "die": 4}
    started = time.monotonic()
    with pytest.raises(WorkerDied, match=r"ended \(exit code 3\).*--workers 1"):
        with Workers(square_after, shared, 2) as processes:
            processes.map(list(range(8)))
    assert time.monotonic() - started < 30
    assert multiprocessing.active_children() == []


def test_workers_die_with_a_build_that_is_killed(tmp_path):
    """A killed build's workers would keep the output folder's lock they inherited, and the next
    build would wait for them: they go with it, mid-task or waiting for one."""
    import signal
    import subprocess
    import sys
    from conftest import ROOT
    script = tmp_path / "build.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from engine.workers import Workers\n"
        "def slow(shared, task):\n"
        "    time.sleep(60 if task == 0 else 0)\n"
        "    return task\n"
        "with Workers(slow, None, 2) as processes:\n"
        "    results = processes.results(list(range(4)))\n"
        "    next(results)\n"   # one worker has done its tasks and waits; the other sleeps in task 0
        "    print(' '.join(str(p.pid) for p in processes.processes), flush=True)\n"
        "    time.sleep(60)\n", "utf-8")
    build = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    pids = [int(pid) for pid in build.stdout.readline().split()]
    assert len(pids) == 2 and all(alive(pid) for pid in pids)
    build.send_signal(signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in pids)


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie has ended: its parent is gone, init reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
