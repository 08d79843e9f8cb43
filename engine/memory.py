"""What builds keep to be faster the next time, owned by whoever builds: a command-line build
has its own (filled from .cache/ and saved back there, engine/warm_caches.py), the dev server
keeps one for its whole life, a test makes a new one to stand for a new process. Nothing in
it changes what a build makes, only how soon: every entry is keyed by everything it was made
from. No module of the engine keeps any of this at module level."""
from __future__ import annotations

from dataclasses import dataclass, field

from .cards import CardCache
from .compiled_templates import CompiledTemplates, TemplateReferences
from .export import ItemMemo
from .markdown import Fragments


@dataclass(eq=False)
class Memory:
    fragments: Fragments = field(default_factory=Fragments)              # rendered Markdown by text
    compiled: CompiledTemplates = field(default_factory=CompiledTemplates)   # Jinja's compiled code
    references: TemplateReferences = field(default_factory=TemplateReferences)   # templates each names
    cards: CardCache = field(default_factory=CardCache)                  # drawn social cards
    admin_config: dict = field(default_factory=dict)                     # /admin/config.yml by what it shows
    items: ItemMemo | None = None   # each item's open-data forms (the dev server's)
