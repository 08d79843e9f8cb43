"""Where a YAML error really is: the text and both of the parser's marks (Where), and the quotes
left open, found by reading the lines themselves. engine/yamlerrors.py turns them into words."""
from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from .problems import shown

QUOTE_WORD = {'"': "double quote", "'": "single quote"}


@dataclass
class Where:
    """The error as the rules see it: the text, its lines, and both marks (0-based)."""

    text: str
    lines: list[str]
    problem: str
    context: str
    line: int
    column: int
    context_line: int | None
    context_column: int | None

    def char(self, line: int | None = None, column: int | None = None) -> str:
        line = self.line if line is None else line
        column = self.column if column is None else column
        if 0 <= line < len(self.lines) and 0 <= column < len(self.lines[line]):
            return self.lines[line][column]
        return ""

    def indent(self, line: int) -> int:
        text = self.lines[line] if 0 <= line < len(self.lines) else ""
        return len(text) - len(text.lstrip(" "))

    def previous_line(self, line: int) -> int | None:
        """The nearest line above that holds something other than a comment."""
        for index in range(min(line, len(self.lines)) - 1, -1, -1):
            stripped = self.lines[index].strip()
            if stripped and not stripped.startswith("#"):
                return index
        return None


def value_start(line: str) -> int | None:
    """Where the value of a `name: value` or `- value` line starts, or None."""
    match = re.match(r"\s*(?:-\s+)*(?:[^\s#'\"][^:#]*?:\s+|-\s+)?", line)
    return match.end() if match and match.end() < len(line) else None


def quote_closes(line: str, start: int) -> int | None:
    """Where the quote opening at line[start] closes on the same line, or None."""
    quote, index = line[start], start + 1
    while index < len(line):
        char = line[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and line[index + 1:index + 2] == "'":
                index += 2   # '' is an apostrophe inside single quotes
                continue
            return index
        index += 1
    return None


def error_position(text: str, loader) -> tuple[int, int] | None:
    """Where text stops parsing (line, column), or None when it parses."""
    try:
        for _ in yaml.parse(text, Loader=loader):
            pass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        return (mark.line, mark.column) if mark else (0, 0)
    except yaml.YAMLError:
        return (0, 0)
    return None


def unclosed_quote(where: Where, loader) -> tuple[int, int, str] | None:
    """A quote opened before the error and not closed on its line, when closing it there makes
    the error go away or move further down: the quote, not where the parser gave up, is the
    mistake. A quoted value may run over several lines, so the re-parse decides."""
    for number in range(0, min(where.line + 1, len(where.lines))):
        line = where.lines[number]
        start = value_start(line)
        if start is None or line[start] not in "\"'":
            continue
        if quote_closes(line, start) is not None:
            continue
        if (number, start) == (where.line, where.column):
            return None
        fixed = where.lines[:number] + [line.rstrip() + line[start]] + where.lines[number + 1:]
        after = error_position("\n".join(fixed), loader)
        if after is None or after > (where.line, where.column):
            return number, start, line[start]
    return None


def quote_message(quote: str) -> str:
    inside = ("inside it, write \\\" for a double quote" if quote == '"'
              else "inside it, write '' (two single quotes) for an apostrophe")
    return (f"this {QUOTE_WORD[quote]} ({quote}) is never closed: end the value with another "
            f"{quote} on the same line ({inside})")


def quote_fix(value: str) -> str:
    """The value written in double quotes, as an editor would type it."""
    return shown(value.strip().replace('"', "'"))
