"""How long each stage of a build took, and the command line's progress lines."""
from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Timings:
    stages: dict[str, float] = field(default_factory=dict)
    # the command line's progress lines (engine/progress.py); None: silent (tests, the dev server)
    progress: object = field(default=None, compare=False, repr=False)
    depth: int = field(default=0, compare=False, repr=False)

    # Announced even inside another stage: the search index is made inside the write stage.
    ANNOUNCED = ("search index",)

    def run(self, name: str, function, *args, count_of=None, **kwargs):
        """Calls function(*args, **kwargs), its time added to stage `name`. Top-level stages
        (not the writes inside render) are announced to the progress lines, ending with
        count_of(result) when given ("312 items valid")."""
        announce = self.progress is not None and (self.depth == 0 or name in self.ANNOUNCED)
        if announce:
            self.progress.start(name)
        started = time.perf_counter()
        self.depth += 1
        result = None
        try:
            result = function(*args, **kwargs)
            return result
        finally:
            self.depth -= 1
            seconds = time.perf_counter() - started
            self.stages[name] = self.stages.get(name, 0) + seconds
            if announce:
                self.progress.finish(name, seconds, count_of(result) if count_of and result is not None
                                     else None)

    def ms(self, name: str) -> str:
        return f"{self.stages.get(name, 0) * 1000:.0f} ms"

    def __str__(self) -> str:
        return ", ".join(f"{name} {self.ms(name)}" for name in self.stages)
