"""Problems found in content: every one carries file:line:column and a fix an editor can act on."""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

ERROR = "error"
WARNING = "warning"
NOTICE = "notice"

# What a message must not carry raw (SECURITY.md, "Messages"): C0 and C1 controls (ESC starts a
# terminal escape sequence, a newline a forged line or GitHub workflow command), DEL, the line
# and paragraph separators, and the bidi controls that reorder what the editor sees.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                          "\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
MAX_MESSAGE = 1000   # a longer message keeps its start and its end (the fix), not the middle


def _escape(match: re.Match) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def printable(text: str) -> str:
    """The text on one line with every control character shown as a visible escape (a newline
    as \\n, ESC as \\x1b, a right-to-left override as \\u202e): safe to print to a terminal
    or a CI log, whatever the content held."""
    return _UNPRINTABLE.sub(_escape, str(text))


def shown(value, limit: int = 80) -> str:
    """A content value as a message quotes it: cut to its first `limit` characters, escaped
    (printable, with \\ and \" escaped too, so the quotes always delimit it), in double quotes."""
    text = str(value)
    cut = "…" if len(text) > limit else ""
    return '"' + printable(text[:limit].replace("\\", "\\\\").replace('"', '\\"')) + cut + '"'


def _one_line(text: str) -> str:
    text = printable(text)
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE * 3 // 5] + " … " + text[-(MAX_MESSAGE * 2 // 5):]
    return text


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    column: int
    message: str
    severity: str = ERROR

    def __post_init__(self):
        # the one choke point every message passes: whoever wrote it, whatever it quotes, it
        # is printed as one line of visible characters (SECURITY.md, "Messages")
        object.__setattr__(self, "path", _one_line(self.path))
        object.__setattr__(self, "message", _one_line(self.message))

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
        if isinstance(path, str) and path.startswith("--"):
            return path   # a command-line option (--now, --base-url), not a file
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
