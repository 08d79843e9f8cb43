"""Stage 1, load: content files to plain data, keeping the line and column of every value.

Only YAML's safe core is accepted: no tags beyond the standard scalars, no anchors or aliases
(an alias bomb of a few hundred bytes could otherwise expand to gigabytes), no duplicate keys,
no file above MAX_FILE_BYTES, no nesting deeper than MAX_DEPTH and no list or mapping longer
than MAX_ITEMS. Values are built from the parser's events so that every later error can name
the file, line and column an editor has to fix. Symlinks out of content/, symlinked folders,
FIFOs and devices are refused before they are read (SECURITY.md, "Validation", and "The output
folder" for content's own file system).
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Problems, did_you_mean
from .yaml_positions import Document, parse_yaml

MAX_FILE_BYTES = 256 * 1024
MEDIA_FOLDER = "media"   # Decap's media folder (engine/admin.py): it needs one, the site has none
KINDS = ("sources", "claims", "timelines", "events", "entities", "corrections")




def _not_a_file(mode: int) -> str | None:
    """What a special file is, in plain words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    what = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device file" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a folder" if stat.S_ISDIR(mode) else "a special file")
    return f"this is {what}, not a text file: content/ holds only folders and text files; remove it"


def read_text(path: Path, problems: Problems) -> str | None:
    """A content file's text. Only a regular file is opened: a named pipe would block the build
    for ever, a device file could be endless (checked again on the open file, in case the path
    changed in between)."""
    try:
        info = path.stat()
        size, problem = info.st_size, _not_a_file(info.st_mode)
        if problem is None:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
            with open(fd, "rb") as stream:
                info = os.fstat(stream.fileno())
                problem, size = _not_a_file(info.st_mode), info.st_size
                raw = stream.read(MAX_FILE_BYTES + 1) if problem is None else b""
    except OSError as error:
        problems.add(path, 1, 1, f"cannot read this file: {error.strerror}")
        return None
    if problem:
        problems.add(path, 1, 1, problem)
        return None
    if size > MAX_FILE_BYTES or len(raw) > MAX_FILE_BYTES:
        problems.add(path, 1, 1, f"this file is {max(size, len(raw)):,} bytes, above the limit of "
                     f"{MAX_FILE_BYTES:,}: split it, or move long text into a page")
        return None
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
    doc.data = parse_yaml(text, doc, problems)
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
    doc.data = parse_yaml(match.group(1), doc, problems, line_offset=1, index_offset=match.start(1))
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
    except (ValueError, OSError, RuntimeError):   # RuntimeError: a symlink loop
        return False


def unsafe_entry(path: Path, content: Path) -> str | None:
    """Why content/ must not hold this file or folder, or None. A file symlink may point only
    inside content/; a folder may not be a symlink at all, wherever it points: the caches that
    decide what changed (engine/cache.py) do not follow folder symlinks, so a build would read
    what they never see. A named pipe, socket or device file is refused. Only stat is used:
    nothing is opened to find out."""
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            kind = "folder" if path.is_dir() else "file"
            if not _inside(path, content):
                return f"this symlink points outside content/: copy the {kind} in instead"
            if kind == "folder":
                return ("this folder is a symlink: content/ takes real folders only; move the "
                        "folder here instead of linking it")
            info = path.stat()
    except OSError as error:
        return f"cannot read this: {error.strerror}"
    return None if stat.S_ISDIR(info.st_mode) else _not_a_file(info.st_mode)


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
        problem = unsafe_entry(entry, content)
        if problem:
            problems.add(entry, 1, 1, problem)
            continue
        if not entry.is_dir():
            problems.add(entry, 1, 1, "unexpected file in content/: items go in a folder per kind "
                         f"({', '.join(sorted(known))})")
            continue
        if entry.name == MEDIA_FOLDER:
            problems.add(entry, 1, 1, "files uploaded in the browser editor's Media tab land here, "
                         "but this site publishes no uploaded files: move the folder out of "
                         "content/ (or delete it); an image the site needs goes in static/, "
                         "through a developer")
            continue
        if entry.name not in known:
            problems.add(entry, 1, 1, f'unknown folder "{entry.name}"{did_you_mean(entry.name, known)}')
            continue
        suffix = ".md" if entry.name == "pages" else ".yaml"
        # rglob does not descend into symlinked sub-folders; each entry is checked before is_dir
        for path in sorted(entry.rglob("*")):
            if path.name.startswith("."):
                continue
            problem = unsafe_entry(path, content)
            if problem:
                problems.add(path, 1, 1, problem)
                continue
            if path.is_dir():
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
    unsafe = unsafe_entry(site_path, content) if site_path.is_symlink() or site_path.exists() else None
    if unsafe:
        problems.add(site_path, 1, 1, unsafe)
        site = None
    elif not site_path.is_file():
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
