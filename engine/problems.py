"""Problems found in content: every one carries file:line:column and a fix an editor can act on."""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path

ERROR = "error"
WARNING = "warning"
NOTICE = "notice"


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    column: int
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        label = "" if self.severity == ERROR else f"{self.severity}: "
        return f"{self.path}:{self.line}:{self.column}: {label}{self.message}"

    def github(self, as_error: bool = False) -> str:
        """A GitHub Actions workflow command: the problem shows on the changed line of a pull
        request. `as_error` makes a warning an error (--strict)."""
        level = "error" if as_error or self.severity == ERROR else self.severity
        def escape(text: str, property_value: bool = False) -> str:
            text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            return text.replace(":", "%3A").replace(",", "%2C") if property_value else text
        return (f"::{level} file={escape(self.path, True)},line={self.line},col={self.column}"
                f"::{escape(self.message)}")


@dataclass
class Problems:
    """Collects every problem of a run, so one build reports all of them at once."""

    root: Path
    items: list[Problem] = field(default_factory=list)

    def add(self, path: Path | str, line: int, column: int, message: str, severity: str = ERROR):
        self.items.append(Problem(self.display_path(path), line, column, message, severity))

    def display_path(self, path: Path | str) -> str:
        path = Path(os.path.abspath(path))  # not resolve(): a symlink is named as itself
        try:
            return path.relative_to(os.path.abspath(self.root)).as_posix()
        except ValueError:
            return path.as_posix()

    def of(self, *severities: str) -> list[Problem]:
        return sorted({p for p in self.items if p.severity in severities})

    @property
    def errors(self) -> list[Problem]:
        return self.of(ERROR)

    @property
    def warnings(self) -> list[Problem]:
        return self.of(WARNING)

    @property
    def notices(self) -> list[Problem]:
        return self.of(NOTICE)


def did_you_mean(word: str, choices) -> str:
    """' (did you mean "x"?)' when a choice is close to the word, else ''."""
    close = difflib.get_close_matches(str(word), sorted(set(choices)), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


class ContentError(Exception):
    """Raised by a stage that cannot go on; carries everything found so far."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems
