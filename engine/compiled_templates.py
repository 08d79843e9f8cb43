"""Compiled templates kept in memory for the life of one process.

Every build makes a new Jinja environment (its globals belong to one site), so without this each
build compiled every template again: about three quarters of a small site's build, and of each
full rebuild of the dev server. Jinja looks a template up by its file name and checks the
compiled code against a hash of the template's text, so an edited template is compiled afresh.

Only in memory, never on disk: compiled code read back from a file in the checkout would run
whatever anyone who can write that file put there.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from jinja2 import BytecodeCache
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
