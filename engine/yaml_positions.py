"""YAML's safe core read from its events, so that every value keeps the line and column it came
from: no tags beyond the standard scalars, no anchors or aliases, no duplicate keys, no nesting
deeper than MAX_DEPTH and no list or mapping longer than MAX_ITEMS. Errors in an editor's
words come from engine/yamlerrors.py."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

from . import yamlerrors
from .problems import Problems

_NO_KEY, _SKIP = object(), object()   # no key read yet; the next value is not kept
_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# Real content nests 5 levels deep at most (a claim's source's figure) and its longest list has
# a few dozen entries; a site grows by more files, never by longer ones.
MAX_DEPTH = 32
MAX_ITEMS = 10_000
PLAIN_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
              "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp"}
_SCALARS = SafeConstructor()


@dataclass
class Document:
    """One file's data, with where each value sits in the file (1-based line and column)."""

    path: Path
    text: str
    data: Any
    positions: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    spans: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    coerced: dict[tuple, str] = field(default_factory=dict)
    body: str = ""
    body_line: int = 0
    # offset_position's memory: where the last occurrence asked for of each needle was, and
    # where the file's lines start (so that thousands of citations cost linear time)
    found: dict = field(default_factory=dict, repr=False, compare=False)
    line_starts: list = field(default_factory=list, repr=False, compare=False)

    def position(self, loc: tuple, key: bool = False) -> tuple[int, int]:
        """The position of the deepest part of loc that the file has (the file start if none)."""
        table = self.key_positions if key else self.positions
        for end in range(len(loc), -1, -1):
            prefix = tuple(loc[:end])
            if prefix in table:
                return table[prefix]
            if prefix in self.positions:
                return self.positions[prefix]
        return (1, 1)

    def offset_position(self, loc: tuple, needle: str, occurrence: int) -> tuple[int, int]:
        """Where the occurrence-th `needle` inside the scalar at loc sits in the file."""
        if loc == ("body",) and self.body_line:
            start, end = self.body_start, len(self.text)
        elif loc in self.spans:
            start, end = self.spans[loc]
        else:
            return self.position(loc)
        seen, index = self.found.get((loc, needle), (-1, start - 1))
        if occurrence <= seen:   # asked out of order: search again from the start
            seen, index = -1, start - 1
        for _ in range(occurrence - seen):
            index = self.text.find(needle, index + 1, end)
            if index < 0:
                return self.position(loc)
        self.found[(loc, needle)] = (occurrence, index)
        if not self.line_starts:
            self.line_starts[:] = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self.line_starts, index)
        return line, index - self.line_starts[line - 1] + 1

    @property
    def body_start(self) -> int:
        return len(self.text) - len(self.body)


class _Open:
    """A list or mapping being read: where it is, what it holds so far, and its limits."""

    __slots__ = ("value", "loc", "mapping", "key", "keep", "is_key", "count", "limit")

    def __init__(self, loc: tuple, mapping: bool, keep: bool, is_key: bool):
        self.value: Any = ({} if mapping else []) if keep else None
        self.loc, self.mapping, self.keep, self.is_key = loc, mapping, keep, is_key
        self.key: Any = _NO_KEY      # in a mapping: the key whose value comes next
        self.count = 0               # nodes so far (a mapping's entries are two: key and value)
        self.limit = MAX_ITEMS * 2 if mapping else MAX_ITEMS


class _Composer:
    """Builds plain Python values straight from the parser's events, recording positions and
    refusing the unsafe. Events are a flat stream, so however deep a text is nested it is read
    without recursion and refused at the first node past MAX_DEPTH; PyYAML's own composer
    recurses once per level (500 levels raised RecursionError, 100,000 crashed the process).

    Problems of the text itself (anchors, limits) are reported at once; problems of the content
    (a refused tag, a duplicate key) only once the whole text has parsed without those."""

    def __init__(self, doc: Document, problems: Problems, line_offset: int, index_offset: int):
        self.doc, self.problems = doc, problems
        self.line_offset, self.index_offset = line_offset, index_offset
        self.failed = self.stopped = False
        self.held: list[tuple[int, int, str]] = []   # problems of the content, reported last

    def mark(self, mark) -> tuple[int, int]:
        return mark.line + 1 + self.line_offset, mark.column + 1

    def error(self, mark, message: str):
        self.failed = True
        self.held.append((*self.mark(mark), message))

    def report(self, mark, message: str):
        """A problem of the text itself (anchors, limits): reported at once, alone."""
        self.failed = self.stopped = True
        self.problems.add(self.doc.path, *self.mark(mark), message)

    def compose(self, text: str) -> Any:
        """The text's one document as plain values ({} for none); None after any problem."""
        loader = YAML_LOADER(text)
        try:
            data = self.read(loader)
        finally:
            loader.dispose()
        if self.failed:
            if not self.stopped:
                for line, column, message in self.held:
                    self.problems.add(self.doc.path, line, column, message)
            return None
        return data

    def read(self, loader) -> Any:
        root: Any = {}
        stack: list[_Open] = []
        first_document = None
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionEndEvent):
                done = stack.pop()
                if not done.is_key:
                    root = self.put(stack, done.value, root)
                continue
            if isinstance(event, yaml.DocumentStartEvent):
                if first_document is not None:
                    raise yaml.composer.ComposerError(
                        "expected a single document in the stream", first_document,
                        "but found another document", event.start_mark)
                first_document = event.start_mark
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue   # stream start and end, document end
            parent = stack[-1] if stack else None
            if parent:
                parent.count += 1
                if parent.count > parent.limit:
                    self.report(event.start_mark, f"this list or mapping has more than "
                                f"{MAX_ITEMS:,} entries, the limit for one file: split the "
                                "content into more items")
                    return None
            if isinstance(event, yaml.AliasEvent) or event.anchor:
                what = (f'the alias "*{event.anchor}"' if isinstance(event, yaml.AliasEvent)
                        else f'the anchor "&{event.anchor}"')
                self.report(event.start_mark, f"{what} is not allowed: YAML anchors and aliases "
                            "are switched off for safety; write the value out in full")
            if isinstance(event, yaml.CollectionStartEvent) and len(stack) == MAX_DEPTH:
                self.report(event.start_mark, f"this value is nested more than {MAX_DEPTH} "
                            "levels deep, the limit for content files: no field needs more than "
                            "a few levels; check the indentation and the brackets")
                return None
            if self.stopped:   # anchors found: read on only to report every one of them
                if isinstance(event, yaml.CollectionStartEvent):
                    stack.append(_Open((), isinstance(event, yaml.MappingStartEvent), False, True))
                continue
            if parent and parent.mapping and parent.key is _NO_KEY:
                self.read_key(loader, event, parent, stack)
                continue
            keep = parent is None or (parent.keep and parent.key is not _SKIP)
            loc = () if parent is None else (
                parent.loc + (parent.key if parent.mapping else len(parent.value),) if keep else ())
            if keep:
                self.doc.positions[loc] = self.mark(event.start_mark)
            if isinstance(event, yaml.CollectionStartEvent):
                mapping = isinstance(event, yaml.MappingStartEvent)
                tag = event.tag if event.tag not in (None, "!") else (_MAP if mapping else _SEQ)
                if keep and tag != (_MAP if mapping else _SEQ):
                    self.refuse_tag(tag, event.start_mark)
                    keep = False
                stack.append(_Open(loc, mapping, keep, False))
                continue
            value = self.scalar(loader, event, loc) if keep else None
            root = self.put(stack, value, root)
        return root

    @staticmethod
    def put(stack: list[_Open], value: Any, root: Any) -> Any:
        """Places a value read into the collection it belongs to; the new root if none."""
        if not stack:
            return value
        parent = stack[-1]
        if parent.mapping:
            if parent.keep and parent.key is not _SKIP:
                parent.value[parent.key] = value
            parent.key = _NO_KEY
        elif parent.keep:
            parent.value.append(value)
        return root

    def read_key(self, loader, event, parent: _Open, stack: list[_Open]) -> None:
        """A mapping's key: a name, once; otherwise its value is skipped."""
        parent.key = _SKIP
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append(_Open((), isinstance(event, yaml.MappingStartEvent), False, True))
        if not parent.keep:
            return
        tag = self.tag(loader, event) if isinstance(event, yaml.ScalarEvent) else None
        if tag is None:
            self.error(event.start_mark, "a key must be a name, not a list or mapping: write "
                       "the name, a colon, then the value")
        elif tag != "tag:yaml.org,2002:str":
            self.error(event.start_mark, f'a key must be a name; YAML reads "{event.value}" as '
                       f"another type: put it in quotes if it is meant as text")
        elif event.value in parent.value:
            self.error(event.start_mark, f'duplicate key "{event.value}": YAML would silently '
                       "keep only the last one; remove or rename one of them")
        else:
            parent.key = event.value
            self.doc.key_positions[parent.loc + (event.value,)] = self.mark(event.start_mark)

    @staticmethod
    def tag(loader, event) -> str:
        if event.tag not in (None, "!"):
            return event.tag
        return loader.resolve(ScalarNode, event.value, event.implicit)

    def scalar(self, loader, event, loc: tuple) -> Any:
        tag = self.tag(loader, event)
        if tag not in PLAIN_TAGS:
            return self.refuse_tag(tag, event.start_mark)
        self.doc.spans[loc] = (event.start_mark.index + self.index_offset,
                               event.end_mark.index + self.index_offset)
        if tag == "tag:yaml.org,2002:str":
            return event.value
        if tag == "tag:yaml.org,2002:timestamp":
            return event.value  # dates stay text: engine/dates.py knows their precision
        if not event.style and tag != "tag:yaml.org,2002:null":  # plain: C loader says ''
            self.doc.coerced[loc] = event.value
        if tag == "tag:yaml.org,2002:int" and len(event.value) > 100:
            # Python refuses to read an int of more than 4,300 digits with a ValueError, and no
            # number a page can show has more than 16.
            self.error(event.start_mark, f"this number has {len(event.value):,} digits, too "
                       "many to read: numbers must be below 1e15 (a thousand trillion); put it "
                       "in quotes if it is meant as text")
            return None
        # Call the constructor for this one tag: construct_object would cache every node.
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        return _SCALARS.yaml_constructors[tag](_SCALARS, node)

    def refuse_tag(self, tag: str, mark) -> None:
        self.error(mark, f'the tag "{tag}" is not allowed: content files hold plain text, '
                   "numbers, lists and mappings only; remove the tag")
        return None


def parse_yaml(text: str, doc: Document, problems: Problems, line_offset: int = 0,
           index_offset: int = 0) -> Any:
    composer = _Composer(doc, problems, line_offset, index_offset)
    try:
        return composer.compose(text)
    except yaml.MarkedYAMLError as error:   # in an editor's words: engine/yamlerrors.py
        line, column, message = yamlerrors.explain(text, error, YAML_LOADER)
    except yaml.reader.ReaderError as error:
        line, column, message = yamlerrors.explain_reader(text, error)
    except yaml.YAMLError as error:
        line, column, message = 0, 0, f"YAML cannot read this file: {error}"
    problems.add(doc.path, line + 1 + line_offset, column + 1, message)
    return None
