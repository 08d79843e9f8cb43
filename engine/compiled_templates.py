"""Compiled templates kept in memory for the life of one process.

Every build makes a new Jinja environment (its globals belong to one site), so without this each
build compiled every template again: about three quarters of a small site's build, and of each
full rebuild of the dev server. Jinja looks a template up by its file name and checks the
compiled code against a hash of the template's text, so an edited template is compiled afresh.

Only in memory, never on disk: compiled code read back from a file in the checkout would run
whatever anyone who can write that file put there.

A fresh process (every CLI build) needs each template's syntax tree twice: to compile it, and to
learn the templates it names (render.template_closure). TemplateTexts parses each text once for
both.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from jinja2 import BytecodeCache, Environment, meta, nodes
from jinja2.bccache import Bucket

# Enough for the engine's templates and a theme's overrides in a few checkouts at once; a
# long-lived process that sees more (the test suite) drops the least recently used.
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


COMPILED = CompiledTemplates()


# The options that change how a template's text is cut into a syntax tree: one set for the site's
# environments and for reading references, so a tree read for one serves the other.
SYNTAX_OPTIONS = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}

# Functions the site's templates call that render a partial (render.make_environment).
PARTIAL_FUNCTIONS = {"citation": "partials/citation.html", "claim_card": "partials/claim_card.html"}


class _Bounded:
    """A dict of at most `most` entries, oldest dropped first, safe across threads."""

    def __init__(self, most: int) -> None:
        self.most, self._items, self._lock = most, OrderedDict(), threading.Lock()

    def get(self, key, pop: bool = False):
        with self._lock:
            return self._items.pop(key, None) if pop else self._items.get(key)

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.most:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class TemplateTexts:
    """What each template text (with its name and file) names, and its syntax tree until it is
    compiled. Whichever comes first, reading references or compiling, parses the text; the other
    uses that parse. A tree is handed to a compile once and then forgotten: compiling rewrites
    parts of it (constant folding), so it is never read again."""

    def __init__(self, most: int = MOST) -> None:
        self.syntax = Environment(**SYNTAX_OPTIONS)
        self.references = _Bounded(most)
        self.trees = _Bounded(most)

    def referenced(self, source: str, name: str | None, filename: str | None) -> frozenset[str | None]:
        """The templates a text names (None for a name computed at render time). The name and
        file only place a syntax error, raised here."""
        key = (source, name, filename)
        found = self.references.get(key)
        if found is None:
            tree = self.syntax.parse(source, name, filename)
            found = self.remember(key, tree)
            self.trees.put(key, tree)
        return found

    def remember(self, key: tuple, tree: nodes.Template) -> frozenset[str | None]:
        children = set(meta.find_referenced_templates(tree))
        children |= {PARTIAL_FUNCTIONS[call.node.name] for call in tree.find_all(nodes.Call)
                     if isinstance(call.node, nodes.Name) and call.node.name in PARTIAL_FUNCTIONS}
        found = frozenset(children)
        self.references.put(key, found)
        return found

    def clear(self) -> None:
        self.references.clear()
        self.trees.clear()


TEXTS = TemplateTexts()


class SiteEnvironment(Environment):
    """The site's Jinja environment: compiles from the tree already read for the text's
    references when there is one (bound to this environment, whose filters fold constants),
    else parses and notes the references before the compile rewrites the tree."""

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        key = (source, name, filename)
        tree = TEXTS.trees.get(key, pop=True)
        if tree is not None:
            tree.set_environment(self)
            return tree
        tree = super()._parse(source, name, filename)
        if TEXTS.references.get(key) is None:
            TEXTS.remember(key, tree)
        return tree
