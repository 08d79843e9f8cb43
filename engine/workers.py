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

import multiprocessing
import queue


class WorkerDied(RuntimeError):
    """A worker process ended without sending its result back."""


class Failed:
    """What a worker sends back when the work raised: the error's type and message as text
    (a traceback does not travel, and not every exception pickles)."""

    def __init__(self, error: BaseException):
        # a RuntimeError is the work's own message; any other error is named
        self.text = str(error) if type(error) is RuntimeError else f"{type(error).__name__}: {error}"


def _serve(work, shared, tasks, results) -> None:
    """A worker's life: run `work(shared, task)` for each task until told to stop (None)."""
    while True:
        sent = tasks.get()
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
        self._tasks, self._results = context.Queue(), context.Queue()
        self.processes = [context.Process(target=_serve, args=(self.work, self.shared, self._tasks, self._results),
                                          daemon=True) for _ in range(self.count)]
        for process in self.processes:
            process.start()

    def results(self, tasks: list):
        """(index, result) for each task, in the order they finish; a Failed result is
        returned as it is (the caller decides which failure to report)."""
        if not self.processes:
            self._start()
        for index, task in enumerate(tasks):
            self._tasks.put((index, task))
        for _ in range(len(tasks)):
            yield self._next()

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
        for channel in (self._tasks, self._results):
            channel.cancel_join_thread()   # what no worker will read is dropped, not waited on
            channel.close()
        self.processes = []

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close(at_once=exc[0] is not None)
