"""House style: the spellings a site prefers (site.yaml `spellings:`, e.g. `judgement: judgment`),
checked in every text the newsroom writes, as warnings at the word's file:line:column, so that
`--strict` (CI) holds the site to one spelling.

What the newsroom did not write is left alone: a source's title as published, its outlet and
authors, an entity's other names (aliases), quotations (a `quote` field, words in double quotation marks, a Markdown blockquote),
addresses, and what a correction records as having been wrong.
"""
from __future__ import annotations

import functools
import re
import typing

from .problems import WARNING, Problems

# Fields whose words are someone else's, or not words at all.
NOT_OURS = {"quote", "url", "id", "old_ids", "authors", "outlet", "aliases", "spellings", "strings", "email",
            "logo", "base_url", "language", "time_zone", "source", "topic", "status", "kind",
            "events", "entities", "claims", "timelines", "to", "repost_of", "funding_event", "event",
            "slug", "reports", "corrections_contact"}
NOT_OURS_BY_KIND = {"sources": {"title"}, "corrections": {"wrong"}}
# Text in double quotation marks (straight or curly; straight ones may wrap onto the next line of
# a paragraph, not across a blank line), a blockquote line, a link's address.
QUOTED = re.compile(r'"(?:[^"\n]|\n(?![ \t]*\n))*"|“[^”]*”|„[^“”]*[“”]|«[^»]*»|^[ \t]*>.*$|\]\([^)]*\)|https?://\S+',
                    re.MULTILINE)


@functools.lru_cache(maxsize=8)
def _pattern(avoided: tuple[str, ...]) -> re.Pattern:
    """Each avoided spelling at the start of a word ("judgement" finds "judgements" too), longest
    first so that the longer of two overlapping spellings is the one reported."""
    words = sorted(avoided, key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")")


def texts(value, loc: tuple = (), skip: frozenset = frozenset()) -> typing.Iterator[tuple[tuple, str]]:
    """Every string inside an item's fields, with its place in the file, leaving out `skip`."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key not in skip and key not in NOT_OURS:
                yield from texts(inner, (*loc, key), skip)
    elif isinstance(value, (list, tuple)):
        for index, inner in enumerate(value):
            yield from texts(inner, (*loc, index), skip)


def unquoted(text: str, pattern: re.Pattern) -> typing.Iterator[re.Match]:
    quoted = [match.span() for match in QUOTED.finditer(text)]
    for match in pattern.finditer(text):
        if not any(start <= match.start() < end for start, end in quoted):
            yield match


def check(kind: str, entry, spellings: dict[str, str], problems: Problems) -> None:
    """A warning for each avoided spelling in one item's own words (entry: validate._Loaded)."""
    if not spellings:
        return
    pattern = _pattern(tuple(spellings))
    data = entry.item.model_dump(mode="json", exclude_defaults=True)
    skip = frozenset(NOT_OURS_BY_KIND.get(kind, ()))
    for loc, text in texts(data, skip=skip):
        for match in unquoted(text, pattern):
            word = match.group(1)
            occurrence = text.count(word, 0, match.start()) if word else 0
            preferred = spellings[word]
            problems.add(entry.path, *entry.doc.offset_position(loc, word, occurrence),
                         f'"{word}" is not the house spelling: write "{preferred}" (site.yaml '
                         f'spellings), or put the words in quotation marks if they are quoted',
                         WARNING)
