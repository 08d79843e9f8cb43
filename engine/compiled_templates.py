"""Compiled templates kept in memory (engine/memory.py: a build's, or the dev server's for its life).

Every build makes a new Jinja environment (its globals belong to one site), so without this each
full rebuild of the dev server compiled every template again: about three quarters of its time
on a small site. Jinja looks a template up by its file name and checks the
compiled code against a hash of the template's text, so an edited template is compiled afresh.

Only in memory, never on disk: compiled code read back from a file in the checkout would run
whatever anyone who can write that file put there.

A fresh process (every CLI build) needs each template's syntax tree twice: to compile it, and to
learn the templates it names (environment.template_closure). One parse serves both. The names found
are plain data, so the command line keeps them between builds (engine/cache.py, sealed like
every entry there): a build whose pages all come from the page cache then parses no template.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from jinja2 import BytecodeCache, Environment, meta, nodes
from jinja2.bccache import Bucket

# Enough for the engine's templates and a theme's overrides in a few checkouts at once; a
# memory that sees more drops the least recently used.
MOST = 512


class CompiledTemplates(BytecodeCache):
    """Compiled code by Jinja's key (the template's name and file). Every environment that uses
    it must compile alike: make_environment gives them all the same options."""

    def __init__(self, most: int = MOST) -> None:
        self.most = most
        self._code: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
            if code is not None:
                self._code.move_to_end(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)   # Jinja discards it if the text's hash differs

    def dump_bytecode(self, bucket: Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code
            self._code.move_to_end(bucket.key)
            while len(self._code) > self.most:
                self._code.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._code.clear()


# Functions the site's templates call that render a partial (environment.make_environment).
PARTIAL_FUNCTIONS = {"citation": "partials/citation.html", "claim_card": "partials/claim_card.html"}


def text_key(source: str, name: str | None, filename: str | None) -> tuple[str, str | None, str | None]:
    """A template text's identity: the hash of its text, with its name and file."""
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest(), name, filename


class TemplateReferences:
    """The templates each template text (with its name and file) names, at most `most` texts,
    oldest dropped. Read from the tree the site's environment parses to compile the text, before
    compiling rewrites it (constant folding); parsed here only for a text neither compiled with
    this memory nor brought back from the last build (`restore`). Whitespace options change no
    reference, so a plain environment parses for all."""

    def __init__(self, most: int = MOST) -> None:
        self.most = most
        self.syntax = Environment()
        self._found: OrderedDict[tuple, frozenset[str | None]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, source: str, name: str | None, filename: str | None) -> frozenset[str | None]:
        """The templates a text names (None for a name computed at render time). The name and
        file only place a syntax error, raised here."""
        key = text_key(source, name, filename)
        with self._lock:
            found = self._found.get(key)
        if found is None:
            found = self.remember(key, self.syntax.parse(source, name, filename))
        return found

    def known(self, key: tuple) -> bool:
        with self._lock:
            return key in self._found

    def remember(self, key: tuple, tree: nodes.Template) -> frozenset[str | None]:
        children = set(meta.find_referenced_templates(tree))
        children |= {PARTIAL_FUNCTIONS[call.node.name] for call in tree.find_all(nodes.Call)
                     if isinstance(call.node, nodes.Name) and call.node.name in PARTIAL_FUNCTIONS}
        return self._keep(key, frozenset(children))

    def _keep(self, key: tuple, found: frozenset[str | None]) -> frozenset[str | None]:
        with self._lock:
            self._found[key] = found
            self._found.move_to_end(key)
            while len(self._found) > self.most:
                self._found.popitem(last=False)
        return found

    def entries(self) -> list[list]:
        """What is known, as plain data: [[text hash, name, file, [names...]], ...], sorted."""
        with self._lock:
            found = list(self._found.items())
        return sorted([*key, sorted(children, key=lambda child: (child is not None, child or ""))]
                      for key, children in found)

    def restore(self, entries: list[list]) -> int:
        """Brings back what `entries` gave; how many entries. Anything not of that shape is
        refused (ValueError or TypeError) before any of it is kept."""
        kept = []
        for entry in entries:
            digest, name, filename, children = entry
            if not (isinstance(digest, str) and len(digest) == 64 and isinstance(children, list)
                    and all(isinstance(text, (str, type(None))) for text in (name, filename, *children))):
                raise ValueError("not a template reference")
            kept.append(((digest, name, filename), frozenset(children)))
        for key, children in kept[-self.most:]:
            self._keep(key, children)
        return len(kept)

    def clear(self) -> None:
        with self._lock:
            self._found.clear()


class SiteEnvironment(Environment):
    """The site's Jinja environment: notes in `references` what each text it parses names, so
    finding a template's dependencies (environment.template_closure) parses nothing again."""

    def __init__(self, *args, references: TemplateReferences, **options):
        super().__init__(*args, **options)
        self.references = references

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        key = text_key(source, name, filename)
        if not self.references.known(key):
            self.references.remember(key, tree)
        return tree
