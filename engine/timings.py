"""How long each stage of a build took, and the command line's progress lines."""
from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Timings:
    stages: dict[str, float] = field(default_factory=dict)
    # the command line's progress lines (engine/progress.py); None: silent (tests, the dev server)
    progress: object = field(default=None, compare=False, repr=False)
    # the time of the stages running inside each running stage, innermost last
    inner: list = field(default_factory=list, compare=False, repr=False)

    # Announced even inside another stage: the search index is made inside the write stage.
    ANNOUNCED = ("search index",)

    def run(self, name: str, function, *args, count_of=None, **kwargs):
        """Calls function(*args, **kwargs), its time added to stage `name`, less the time of
        the stages run inside it (the files a streaming build writes while it renders count as
        "write", not "render"). Top-level stages are announced to the progress lines, ending
        with count_of(result) when given ("312 items valid")."""
        announce = self.progress is not None and (not self.inner or name in self.ANNOUNCED)
        if announce:
            self.progress.start(name)
        started = time.perf_counter()
        self.inner.append(0.0)
        result = None
        try:
            result = function(*args, **kwargs)
            return result
        finally:
            seconds = time.perf_counter() - started
            nested = self.inner.pop()
            if self.inner:
                self.inner[-1] += seconds
            self.stages[name] = self.stages.get(name, 0) + seconds - nested
            if announce:
                self.progress.finish(name, seconds, count_of(result) if count_of and result is not None
                                     else None)

    def ms(self, name: str) -> str:
        return f"{self.stages.get(name, 0) * 1000:.0f} ms"

    def __str__(self) -> str:
        return ", ".join(f"{name} {self.ms(name)}" for name in self.stages)
