"""`[@source-id]` and `[@source-id, locator]` citations in Markdown: where they are, in time
linear in the text's length.

CITATION is the grammar. Searched for at every `[@` of a text with no `]` after it, the regular
expression alone is quadratic (20 KB of `[@` took 9 s to render, a 200 KB field would take
minutes: SECURITY.md, "Exports"), so `Scanner` finds where a citation could end with plain
searches and remembers how far a failed attempt proved that none can start: every `[@` before
that point fails the same way. CITATION itself is only run where a citation is known to end, to
give the usual match object."""
from __future__ import annotations

import re
from typing import Iterator

CITATION = re.compile(r"\[@([^\]\s,;]*)(?:\s*,\s*([^\]]*))?\]")
_ID_END = re.compile(r"[\]\s,;]")    # what ends the id: the complement of CITATION's group 1
_SPACES = re.compile(r"\s*")


class Scanner:
    """Citations of one text, asked for at increasing (or any) positions."""

    def __init__(self, text: str):
        self.text = text
        self.failed = (0, 0)   # (start, end): no citation starts strictly between them

    def _end(self, start: int) -> int:
        """Where the citation at `start` (a "[@") ends, or -(the first position where one could
        start again) - 1, when there is none: every "[@" in between fails for the same reason."""
        text = self.text
        found = _ID_END.search(text, start + 2)
        if found is None:          # no "]" after: nothing from here on can be a citation
            return -len(text) - 1
        stop = found.start()
        if text[stop] == "]":
            return stop + 1
        if text[stop] == ";":      # [@id; …: not a citation, nor any "[@" inside the id
            return -stop - 1
        after = _SPACES.match(text, stop).end()
        if after == len(text) or text[after] != ",":
            return -after - 1      # [@id …: space not followed by a comma
        close = text.find("]", after)
        return close + 1 if close != -1 else -len(text) - 1

    def match(self, start: int) -> re.Match | None:
        """CITATION's match at `start`, or None."""
        if not self.text.startswith("[@", start) or self.failed[0] < start < self.failed[1]:
            return None
        end = self._end(start)
        if end < 0:
            self.failed = (start, -end - 1)
            return None
        return CITATION.match(self.text, start, end)


def find_citations(text: str) -> Iterator[re.Match]:
    """Every citation of a text, as CITATION.finditer(text) gives them."""
    scanner, position = Scanner(text), 0
    while (start := text.find("[@", position)) != -1:
        match = scanner.match(start)
        if match is not None:
            yield match
            position = match.end()
        else:
            position = max(start + 1, scanner.failed[1])


def without_citations(text: str) -> str:
    """The text without its citations, nor the spaces and tabs just before each."""
    parts, position = [], 0
    for match in find_citations(text):
        parts.append(text[position:match.start()].rstrip(" \t"))
        position = match.end()
    parts.append(text[position:])
    return "".join(parts)
