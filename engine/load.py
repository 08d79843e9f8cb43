"""Stage 1, load: content files to plain data, keeping the line and column of every value.

Only YAML's safe core is accepted: no tags beyond the standard scalars, no anchors or aliases
(an alias bomb of a few hundred bytes could otherwise expand to gigabytes), no duplicate keys,
and no file above MAX_FILE_BYTES. Values are built from the parser's nodes so that every later
error can name the file, line and column an editor has to fix.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .problems import Problems, did_you_mean

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_FILE_BYTES = 256 * 1024
KINDS = ("sources", "claims", "timelines", "events", "entities", "corrections")
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


class _Composer:
    """Builds plain Python values from YAML nodes, recording positions and refusing the unsafe."""

    def __init__(self, doc: Document, problems: Problems, line_offset: int, index_offset: int):
        self.doc, self.problems = doc, problems
        self.line_offset, self.index_offset = line_offset, index_offset
        self.failed = False

    def mark(self, mark) -> tuple[int, int]:
        return mark.line + 1 + self.line_offset, mark.column + 1

    def error(self, mark, message: str):
        self.failed = True
        self.problems.add(self.doc.path, *self.mark(mark), message)

    def build(self, node, loc: tuple) -> Any:
        self.doc.positions[loc] = self.mark(node.start_mark)
        if node.tag not in PLAIN_TAGS and not isinstance(node, (MappingNode, SequenceNode)):
            return self.refuse_tag(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node, loc)
        if isinstance(node, SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                return self.refuse_tag(node)
            return [self.build(item, loc + (i,)) for i, item in enumerate(node.value)]
        if node.tag != "tag:yaml.org,2002:map":
            return self.refuse_tag(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                shown = getattr(key_node, "value", "")
                self.error(key_node.start_mark, f'a key must be a name; YAML reads "{shown}" as '
                           f"another type: put it in quotes if it is meant as text")
                continue
            key = key_node.value
            if key in result:
                self.error(key_node.start_mark, f'duplicate key "{key}": YAML would silently keep '
                           "only the last one; remove or rename one of them")
                continue
            self.doc.key_positions[loc + (key,)] = self.mark(key_node.start_mark)
            result[key] = self.build(value_node, loc + (key,))
        return result

    def scalar(self, node: ScalarNode, loc: tuple) -> Any:
        self.doc.spans[loc] = (node.start_mark.index + self.index_offset,
                               node.end_mark.index + self.index_offset)
        if node.tag == "tag:yaml.org,2002:str":
            return node.value
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates stay text: engine/dates.py knows their precision
        if not node.style and node.tag != "tag:yaml.org,2002:null":  # plain: C loader says ''
            self.doc.coerced[loc] = node.value
        # Call the constructor for this one tag: construct_object would cache every node.
        return _SCALARS.yaml_constructors[node.tag](_SCALARS, node)

    def refuse_tag(self, node) -> None:
        self.error(node.start_mark, f'the tag "{node.tag}" is not allowed: content files hold '
                   "plain text, numbers, lists and mappings only; remove the tag")
        return None


def _refuse_anchors(text: str, doc: Document, problems: Problems, line_offset: int) -> bool:
    """Reports YAML anchors and the aliases that use them; True when the text has none.
    An alias needs an anchor, and an anchor needs "&": only then are the events worth reading."""
    if "&" not in text:
        return True
    clean = True
    for event in yaml.parse(text, Loader=YAML_LOADER):
        if isinstance(event, yaml.AliasEvent):
            what = f'the alias "*{event.anchor}"'
        elif getattr(event, "anchor", None):
            what = f'the anchor "&{event.anchor}"'
        else:
            continue
        clean = False
        problems.add(doc.path, event.start_mark.line + 1 + line_offset, event.start_mark.column + 1,
                     f"{what} is not allowed: YAML anchors and aliases are switched off for "
                     "safety; write the value out in full")
    return clean


def _parse(text: str, doc: Document, problems: Problems, line_offset: int = 0,
           index_offset: int = 0) -> Any:
    try:
        if not _refuse_anchors(text, doc, problems, line_offset):
            return None
        node = yaml.compose(text, Loader=YAML_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = " ".join(part for part in (error.context, error.problem) if part)
        problems.add(doc.path, mark.line + 1 + line_offset, mark.column + 1,
                     f"this is not valid YAML: {what}; check the indentation, and put text "
                     'containing ": " or starting with a special character in quotes')
        return None
    except yaml.YAMLError as error:
        problems.add(doc.path, 1 + line_offset, 1, f"this is not valid YAML: {error}")
        return None
    if node is None:
        return {}
    composer = _Composer(doc, problems, line_offset, index_offset)
    data = composer.build(node, ())
    return None if composer.failed else data


def read_text(path: Path, problems: Problems) -> str | None:
    try:
        size = path.stat().st_size
    except OSError as error:
        problems.add(path, 1, 1, f"cannot read this file: {error.strerror}")
        return None
    if size > MAX_FILE_BYTES:
        problems.add(path, 1, 1, f"this file is {size:,} bytes, above the limit of "
                     f"{MAX_FILE_BYTES:,}: split it, or move long text into a page")
        return None
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        problems.add(path, line, column, "this file is not UTF-8 text: save it as UTF-8")
        return None


def load_yaml(path: Path, problems: Problems) -> Document | None:
    text = read_text(path, problems)
    if text is None:
        return None
    doc = Document(path, text, None)
    doc.data = _parse(text, doc, problems)
    if doc.data is None:
        return None
    if not isinstance(doc.data, dict):
        problems.add(path, 1, 1, "this file must be a mapping of names to values (name: value)")
        return None
    return doc


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?^)---[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)


def load_markdown(path: Path, problems: Problems) -> Document | None:
    """A Markdown page: YAML front matter between two `---` lines, then the body."""
    text = read_text(path, problems)
    if text is None:
        return None
    match = _FRONT_MATTER.match(text)
    if not match:
        problems.add(path, 1, 1, "no front matter found: start the file with a line `---`, "
                     "then title, slug, summary, added and updated, then another `---` line")
        return None
    doc = Document(path, text, None, body=text[match.end():])
    doc.body_line = text.count("\n", 0, match.end()) + 1
    doc.data = _parse(match.group(1), doc, problems, line_offset=1, index_offset=match.start(1))
    if doc.data is None:
        return None
    if not isinstance(doc.data, dict):
        problems.add(path, 2, 1, "the front matter must be a mapping of names to values")
        return None
    return doc


@dataclass
class RawContent:
    """What content/ holds, before validation: site.yaml read, the item files found. Items are
    read one at a time (`documents`), so a large site never holds every parsed file at once."""

    root: Path
    site: Document | None
    files: list[tuple[str, Path]]
    discovered: dict[str, set[str]] = field(default_factory=dict)  # every id found, even if broken

    def documents(self, problems: Problems):
        """Each item file as (kind, document), in a stable order; unreadable ones are reported."""
        for kind, path in self.files:
            doc = load_file(kind, path, problems)
            if doc:
                yield kind, doc


def load_file(kind: str, path: Path, problems: Problems) -> Document | None:
    return load_markdown(path, problems) if kind == "pages" else load_yaml(path, problems)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError):
        return False


def _file_id_problem(path: Path) -> str | None:
    if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", path.stem):
        return None
    return (f'the file name "{path.name}" is not a valid id: use lower-case letters, digits and '
            "single hyphens, e.g. series-c-2018.yaml (the file name is the item's id)")


def discover(content: Path, problems: Problems) -> list[tuple[str, Path]]:
    """Every content file as (kind, path), in a stable order; refuses what cannot be an item."""
    found: list[tuple[str, Path]] = []
    known = set(KINDS) | {"pages"}
    for entry in sorted(content.iterdir()):
        if entry.name.startswith(".") or entry.name == "site.yaml":
            continue
        if not entry.is_dir():
            problems.add(entry, 1, 1, "unexpected file in content/: items go in a folder per kind "
                         f"({', '.join(sorted(known))})")
            continue
        if entry.name not in known:
            problems.add(entry, 1, 1, f'unknown folder "{entry.name}"{did_you_mean(entry.name, known)}')
            continue
        suffix = ".md" if entry.name == "pages" else ".yaml"
        for path in sorted(entry.rglob("*")):
            if path.name.startswith(".") or path.is_dir():
                continue
            if path.is_symlink() and not _inside(path, content):
                problems.add(path, 1, 1, "this symlink points outside content/: copy the file in "
                             "instead")
                continue
            if path.parent != entry:
                problems.add(path, 1, 1, f"items go directly in content/{entry.name}/, not in a "
                             "sub-folder")
                continue
            if path.suffix != suffix:
                problems.add(path, 1, 1, f'files in content/{entry.name}/ end in "{suffix}"'
                             + (' (rename ".yml" to ".yaml")' if path.suffix == ".yml" else ""))
                continue
            message = _file_id_problem(path)
            if message:
                problems.add(path, 1, 1, message)
                continue
            found.append((entry.name, path))
    return found


def load_content(content: Path, problems: Problems) -> RawContent:
    site_path = content / "site.yaml"
    if not site_path.is_file():
        problems.add(site_path, 1, 1, "content/site.yaml is missing: it holds the site's title, "
                     "base URL, language, topics and statuses")
        site = None
    else:
        site = load_yaml(site_path, problems)
    files = discover(content, problems)
    discovered: dict[str, set[str]] = {kind: set() for kind in (*KINDS, "pages")}
    for kind, path in files:
        discovered[kind].add(path.stem)
    return RawContent(content, site, files, discovered)
