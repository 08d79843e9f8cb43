"""Processes that share one step's work: the pages rendered (engine/render.py) and the social
cards drawn (engine/cards.py).

Forked, so that each worker inherits what the work reads (the template environment and the
page models; the loaded fonts) without pickling it, and only the small tasks and the results
travel. Written here rather than with multiprocessing.Pool, which loses the task of a worker
that dies and then waits for it forever, and whose terminate() could hang with tasks queued:
a worker here sends every result back, a failure included, as a value, and a worker that dies
(killed, out of memory) stops the step with a message instead of a hang.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import signal


class WorkerDied(RuntimeError):
    """A worker process ended without sending its result back."""


class Failed:
    """What a worker sends back when the work raised: the error's type and message as text
    (a traceback does not travel, and not every exception pickles)."""

    def __init__(self, error: BaseException):
        # a RuntimeError is the work's own message; any other error is named
        self.text = str(error) if type(error) is RuntimeError else f"{type(error).__name__}: {error}"


def _die_with(parent: int) -> None:
    """A worker must not outlive its build: killed with it (SIGKILL, Ctrl+C twice), it would
    keep the output folder's lock, inherited at the fork, and the next build would wait for it.
    Linux kills it when the parent dies; elsewhere it leaves when the task pipe closes."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:   # the parent died before that took effect
        os._exit(1)


def _serve(work, shared, tasks, results, parent: int) -> None:
    """A worker's life: run `work(shared, task)` for each task until told to stop (None), or
    until the parent is gone."""
    _die_with(parent)
    tasks._writer.close()   # as multiprocessing.Pool's workers do: only the parent writes tasks,
    results._reader.close()   # so a dead parent ends `get` with EOFError instead of a wait forever
    while True:
        try:
            sent = tasks.get()
        except EOFError:
            return
        if sent is None:
            return
        index, task = sent
        try:
            result = work(shared, task)
        except Exception as error:  # noqa: BLE001 - sent back to the parent, which raises it
            result = Failed(error)
        results.put((index, result))


class Workers:
    """`count` forked processes, each running `work(shared, task)` for the tasks it is given.
    They start with the first tasks (after `prepare()`, for what the workers should inherit
    loaded) and serve every later call until the block ends; leaving it stops them."""

    POLL = 0.5   # seconds between checks that every worker is still alive

    def __init__(self, work, shared, count: int, prepare=None):
        self.work, self.shared, self.count, self.prepare = work, shared, count, prepare
        self.processes: list = []
        self._tasks = self._results = None

    def _start(self) -> None:
        if self.prepare is not None:
            self.prepare()
        context = multiprocessing.get_context("fork")
        # tasks are sent a few at a time (see results), so the parent never blocks on a full pipe
        # while the workers block on theirs; results go through a queue whose feeder thread
        # buffers them, so a worker never blocks on a parent busy sending
        self._tasks, self._results = context.SimpleQueue(), context.Queue()
        self.processes = [context.Process(target=_serve, args=(self.work, self.shared, self._tasks, self._results,
                                                               os.getpid()), daemon=True)
                          for _ in range(self.count)]
        for process in self.processes:
            process.start()

    def results(self, tasks: list):
        """(index, result) for each task, in the order they finish; a Failed result is
        returned as it is (the caller decides which failure to report)."""
        if not self.processes:
            self._start()
        waiting = list(enumerate(tasks))[::-1]
        for _ in range(min(len(waiting), 2 * self.count)):
            self._tasks.put(waiting.pop())
        for _ in range(len(tasks)):
            found = self._next()
            if waiting:
                self._tasks.put(waiting.pop())
            yield found

    def map(self, tasks: list) -> list:
        """Each task's result, in the order of the tasks; the first task's failure (in that
        order, so that the same input reports the same error) is raised once all have come back."""
        found: list = [None] * len(tasks)
        for index, result in self.results(tasks):
            found[index] = result
        failed = next((result for result in found if isinstance(result, Failed)), None)
        if failed is not None:
            raise RuntimeError(failed.text)
        return found

    def _next(self) -> tuple:
        while True:
            try:
                return self._results.get(timeout=self.POLL)
            except queue.Empty:
                dead = [p for p in self.processes if p.exitcode is not None]
                if dead:
                    raise WorkerDied(f"a worker process ended (exit code {dead[0].exitcode}) before "
                                     "its work was done; if the machine is short of memory, build "
                                     "with --workers 1") from None

    def close(self, at_once: bool = False) -> None:
        """Stops the workers: each finishes its task and leaves, or, `at_once`, is terminated
        (a step that failed or was abandoned has nothing left to wait for)."""
        if not self.processes:
            return
        for process in self.processes:
            if not at_once and process.exitcode is None:
                self._tasks.put(None)
        for process in self.processes:
            if not at_once:
                process.join(timeout=5)
            if process.exitcode is None:
                process.terminate()
            process.join()
        self._results.cancel_join_thread()   # what no one will read is dropped, not waited on
        self._results.close()
        self._tasks.close()
        self.processes = []

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close(at_once=exc[0] is not None)
