"""Where a build reads from: the engine's root, the content folder, and the newsroom's
overrides (templates and static files that win over the defaults)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    root: Path
    content: Path
    overrides: Path

    @property
    def templates(self) -> list[Path]:
        """Template search path: the newsroom's overrides first, then the defaults."""
        return [self.overrides / "templates", self.root / "templates"]

    @property
    def static(self) -> list[Path]:
        return [self.overrides / "static", self.root / "static"]
