"""Incremental rebuilds for the dev server: remember the last good build, and after an edit
re-read only the changed files and re-render only the pages that were, or now are, made from
them (each page records its content items and templates).

Edits of existing claims, sources, events, entities and corrections, and changes to templates
and static files, take the fast path. Anything that changes which items exist or what every
page shows (a file added or removed, site.yaml, a Markdown page, a draft or embargo toggled, an
old id) falls back to a full rebuild, which is always correct.
"""
from __future__ import annotations

import gc
import threading
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError

from . import export, house_style, model, page_model, search
from .cache import snapshot
from .dev_log import OUTPUT_NAMES, Rebuild
from .environment import asset_paths, static_files
from .load import KINDS, load_yaml, unsafe_entry
from .memory import Memory
from .outputs import Output
from .paths import Paths
from .problems import Problem, Problems
from .render import Renderer
from .site import BuildResult, Options, Site, collector_paused
from .template_errors import TemplateFailure, template_problem
from .validate import (
    Validation,
    _Loaded,
    check_item_references,
    is_published,
    validate_item,
)
from .write import publish, write_in_place

FAST_KINDS = set(KINDS) - {"timelines"}


def _listing(item) -> tuple:
    """What the feed and sitemap show of an item."""
    return (item.added, item.updated, page_model.item_label(item) or getattr(item, "wrong", None),
            getattr(item, "item", None), getattr(item, "right", None))   # a correction's feed entry


@dataclass
class DevBuild:
    paths: Paths
    out: Path
    now: str | None
    drafts: bool = False
    strict: bool = False   # serve --strict: warnings stop the preview, as they stop CI's build
    stats: dict[str, tuple[int, int]] = field(default_factory=dict)
    validation: Validation | None = None
    links: page_model.Links | None = None
    renderer: Renderer | None = None
    pages: dict[str, page_model.PageModel] = field(default_factory=dict)
    files: dict[str, Output] = field(default_factory=dict)
    failures: list = field(default_factory=list)   # the last run's, shown until a change fixes them
    # The dev server refreshes the search index in the background, after the reload (at 10,000
    # claims Pagefind takes half a minute): then a rebuild only marks it stale.
    index_in_background: bool = False
    index_stale: bool = False
    data_stale: bool = False   # the /data/ files, refreshed with the index when in the background
    last: Rebuild | None = None   # what the last update did, for the dev server's log
    # what the server keeps between rebuilds (engine/memory.py), each item's exported forms
    # included: after an edit only the edited item is serialised again
    memory: Memory = field(default_factory=lambda: Memory(items=export.ItemMemo()), repr=False, compare=False)
    # A full rebuild replaces the output folder, and the index refreshed in the background
    # writes into it: one waits for the other, or the rebuild walks a folder that is changing
    # under it and the index lands in the site being retired.
    output_swap: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _failing(self, problems: Problems) -> list:
        return problems.errors + (problems.warnings if self.strict else [])

    @property
    def watched(self) -> list[Path]:
        return [self.paths.content, *self.paths.templates, *self.paths.static]

    # --- full rebuild ---------------------------------------------------------------------------

    def full(self, inputs: list[str] | None = None) -> BuildResult:
        with collector_paused():
            result = self._full()
        self.last = Rebuild(inputs or [], full=True, steps=result.timings,
                            pages=sum(1 for output in result.files.values()
                                      if output.kind not in OUTPUT_NAMES))
        gc.freeze()   # what the build keeps lives as long as the server: never scan it again
        self.failures = list(result.failures)
        if self.failures:
            self.stats = {}   # the next change re-reads everything
        return result

    def _full(self) -> BuildResult:
        self.stats = snapshot(self.watched)
        site = Site(self.paths, Options(now=self.now, strict=self.strict, drafts=self.drafts, dev=True,
                                        workers=1), self.memory)
        result = site.result
        if not site.load():
            return result
        pages = site.model()
        try:
            if not site.outputs():
                return result
        except Exception as error:  # noqa: BLE001 - anything else is shown in the browser too
            result.failures = [Problem("build", 1, 1, f"the build stopped: {type(error).__name__}: {error}")]
            return result
        files = result.files
        self.validation, self.links, self.renderer = site.validation, site.links, site.renderer
        self.pages = {page.output_path: page for page in pages}
        self._item_pages = {page.item: page for page in pages if page.item}
        self.files = files
        result.files = files
        index = None if self.index_in_background else (lambda folder: site.step(
            "search index", search.index_site, folder))

        def write() -> None:
            with self.output_swap:
                result.written = site.step("write", publish, files, self.out, index=index)
        site.attempt(write)
        self.index_stale = self.index_in_background
        return result

    def refresh_search_index(self) -> None:
        """Indexes the output folder again (raises search.SearchIndexError)."""
        with self.output_swap:
            self.index_stale = False
            search.refresh_index(self.out)

    def refresh_data(self) -> None:
        """The /data/ files of the whole dataset, when a rebuild left them for after the reload
        (at 10,000 claims they take 0.2 s, ten times the pages an edit touches)."""
        if not self.data_stale or self.validation is None:
            return
        self.data_stale = False
        touched = set()
        for path, output in export.outputs(self.validation.content, [], with_data=True, memo=self.memory.items):
            if self.files.get(path) != output:
                self.files[path] = output
                touched.add(path)
        write_in_place(self.out, self.files, touched)

    # --- after a change -------------------------------------------------------------------------

    def update(self, now_stats: dict[str, tuple[int, int]] | None = None) -> BuildResult:
        """Rebuilds what the files changed since the last call touch. `now_stats` is the
        watcher's scan of the watched folders (cache.snapshot), when it has just made one."""
        if self.validation is None:
            return self.full()
        now_stats = snapshot(self.watched) if now_stats is None else now_stats
        changed = {Path(p) for p, stat in now_stats.items() if self.stats.get(p) != stat}
        changed |= {Path(p) for p in self.stats.keys() - now_stats.keys()}
        result = BuildResult(Problems(self.paths.content.parent))
        if not changed:
            result.files, result.failures = self.files, list(self.failures)
            self.last = Rebuild([])
            return result
        inputs = sorted(map(self._shown, changed))
        self.last = Rebuild(inputs)
        if self.failures:
            return self.full(inputs)
        content_files = {p for p in changed if p.is_relative_to(self.paths.content)}
        edits = self._item_edits(content_files, now_stats)
        if edits is None:
            return self.full(inputs)
        templates = {p for p in changed - content_files
                     if any(p.is_relative_to(folder) for folder in self.paths.templates)}
        static = changed - content_files - templates
        self.stats = now_stats
        keys = result.timings.run("validate", self._apply_edits, edits, result)
        if result.failures:
            self.failures, self.stats = list(result.failures), {}
            return result
        if keys is None:
            return self.full(inputs)
        try:
            touched = result.timings.run("render", self._rerender, keys, templates, static)
        except (TemplateError, TemplateFailure) as error:   # an edited template: shown in the browser
            result.failures = [template_problem(error, self.paths.templates, result.problems)]
            self.failures, self.stats = list(result.failures), {}
            return result
        result.files = self.files
        result.written = self.last.steps.run("write", write_in_place, self.out, self.files, touched)
        result.timings.stages["write"] = self.last.steps.stages["write"]
        self.last.files = len(touched)
        if any(path.endswith(".html") for path in touched):   # now the index, timed on its own
            self.index_stale = True
            if not self.index_in_background:
                try:
                    result.timings.run("search index", self.refresh_search_index)
                except search.SearchIndexError as error:
                    result.failures = [Problem("search index", 1, 1, str(error))]
                    self.failures, self.stats = list(result.failures), {}
        return result

    def _item_edits(self, content_files: set[Path], now_stats) -> list[tuple[str, Path]] | None:
        """The changed files as (kind, path) when all are edits of existing items of a kind the
        fast path knows; None when a full rebuild is needed."""
        edits = []
        for path in sorted(content_files):
            relative = path.relative_to(self.paths.content).parts
            if len(relative) != 2 or relative[0] not in FAST_KINDS or str(path) not in self.stats \
                    or str(path) not in now_stats or path.stem not in self.validation.loaded[relative[0]] \
                    or unsafe_entry(path, self.paths.content):   # the full build says why
                return None
            edits.append((relative[0], path))
        return edits

    def _apply_edits(self, edits, result: BuildResult) -> set[str] | None:
        """Validates the edited files and swaps them into the content; the changed keys, or
        None when an edit changes more than its own pages (publication, old ids)."""
        validation, content = self.validation, self.validation.content
        problems = result.problems
        new_items = []
        for kind, path in edits:
            doc = load_yaml(path, problems)
            item = validate_item(kind, doc, problems) if doc else None
            if item is None:
                continue
            old = validation.loaded[kind][item.id].item
            if is_published(old, content.now) != is_published(item, content.now) or \
                    old.old_ids != item.old_ids or old.draft != item.draft:
                return None
            new_items.append((kind, _Loaded(item, doc.path, kind, doc), old))
        for kind, entry, _ in new_items:
            validation.loaded[kind][entry.item.id] = entry
            if entry.item.id in validation.published[kind]:
                validation.published[kind][entry.item.id] = entry
        for kind, entry, _ in new_items:
            check_item_references(kind, entry, validation, problems)
            house_style.check(kind, entry, validation.site.spellings, problems)
        result.failures = self._failing(problems)
        if result.failures:
            return set()
        keys: set[str] = set()
        self._referenced: set[str] = set()
        self._listed_differently = False
        for kind, entry, old in new_items:
            # items named before and after see the edit through its listing ("@listed" keys)
            self._referenced |= page_model.referenced_keys(kind, old) ^ page_model.referenced_keys(kind, entry.item)
            self._listed_differently |= _listing(old) != _listing(entry.item)
            key = entry.item.id
            if key not in content.kind(kind):
                continue   # a draft: not on the site
            self.links.remove(kind, key, old)
            content.replace(kind, entry.item)
            self.links.add(kind, key, entry.item)
            keys.add(f"{kind}/{key}")
            if page_model.listing_signature(kind, old) != page_model.listing_signature(kind, entry.item):
                keys.add(page_model.listed(f"{kind}/{key}"))
        return keys

    def _rerender(self, keys: set[str], templates: set[Path], static: set[Path]) -> set[str]:
        """Re-renders the pages the changed keys and templates touch; returns the paths touched."""
        renderer = self.renderer
        renderer.forget(None if templates else keys)
        if static:   # the dev server keeps stable asset names: pages need not change
            renderer.static = static_files(self.paths, self.validation.content.site)
            renderer.assets.update(asset_paths(renderer.static, fingerprint=False))
        template_names = {self._template_name(p) for p in templates}
        rebuilt, families = self._models_to_rebuild(keys)
        to_render = [page for path, page in sorted(rebuilt.items())
                     if path not in self.pages or (self.pages[path].depends_on | page.depends_on) & keys
                     or self.files[path].templates & template_names]
        if template_names:
            to_render += [page for path, page in sorted(self.pages.items())
                          if path not in rebuilt and self.files[path].templates & template_names]
        gone = {path for path, page in self.pages.items()
                if model.family_of(page) in families and path not in rebuilt} if families else set()
        site_files = {name for name, _ in renderer.SITE_FILES} if template_names else (
            ({"sitemap.xml"} if gone or any(path not in self.pages or self.pages[path].updated != page.updated
                                            for path, page in rebuilt.items()) else set())
            | ({"feed.xml"} if keys and self._listed_differently else set()))
        touched = self._swap_in(rebuilt, gone)
        return touched | self._refresh(self._outputs(to_render, bool(keys), site_files, static), touched)

    def _models_to_rebuild(self, keys: set[str]) -> tuple[dict, list]:
        """The page models the changed keys may change, by output path: the site-wide families
        whose pages read them, the pages of the edited items, of what they named before and
        after, and of what read them; and the families."""
        content = self.validation.content
        candidates = {path for path, page in self.pages.items() if page.depends_on & keys}
        families = sorted({model.family_of(self.pages[path]) for path in candidates} - {None})
        rebuilt = {p.output_path: p for p in model.site_wide_pages(content, self.links, families)}
        edited = {page_model.item_key(key) for key in keys}
        item_keys = edited | (self._referenced if keys else set())
        for key in edited:
            own = model.item_page(content, self.links, *key.split("/", 1))
            item_keys |= {page_model.item_key(k) for k in own.depends_on} if own else set()
        # an item page that neither read the changed keys nor is named by the edited items
        # cannot change: skip building its model (a source cited by thousands of claims is costly)
        item_keys = {key for key in item_keys if key in edited or key in self._referenced
                     or self._page_of(key) is None or self._page_of(key).depends_on & keys}
        item_keys |= {self.pages[path].item for path in candidates if self.pages[path].item}
        for key in item_keys - {page_model.SITE_KEY}:
            page = model.item_page(content, self.links, *key.split("/", 1))
            if page:
                rebuilt[page.output_path] = page
        if keys:
            rebuilt.update({p.output_path: p for p in model.redirect_pages(content, edited)
                            if p.depends_on & keys})
        return rebuilt, families

    def _swap_in(self, rebuilt: dict, gone: set[str]) -> set[str]:
        """The new models in place of the old; the paths of the pages and cards that went."""
        replaced = [self.pages[path] for path in sorted(gone | rebuilt.keys()) if path in self.pages]
        for path in gone:
            self._item_pages.pop(self.pages.pop(path).item, None)
            self.files.pop(path, None)
        self.pages.update(rebuilt)
        self._item_pages.update({page.item: page for page in rebuilt.values() if page.item})
        return gone | self._drop_unused_cards(replaced, list(rebuilt.values()))

    def _outputs(self, to_render: list, content_changed: bool, site_files: set[str], static: set[Path]) -> list:
        """The files to compare with the last build's: the pages, their cards and citation
        files, the data files (unless left for after the reload), the named site files, the
        static files."""
        renderer, content, report = self.renderer, self.validation.content, self.last
        report.pages = len(to_render)
        steps = report.steps   # each step timed on its own, for the log
        outputs = steps.run("pages", renderer.pages, to_render)
        outputs += steps.run("cards", renderer.card_outputs, to_render)
        defer_data = content_changed and self.index_in_background
        self.data_stale |= defer_data
        if content_changed and not defer_data:
            outputs += steps.run("data", export.outputs, content, [], with_data=True, memo=self.memory.items)
        outputs += steps.run("citations", export.outputs, content, to_render, with_data=False, memo=self.memory.items)
        everything = list(self.pages.values())
        for name, kind in renderer.SITE_FILES:
            if name in site_files:
                outputs += steps.run(OUTPUT_NAMES[kind], renderer.site_files, everything, names={name})
        if static:
            outputs += steps.run("static files", renderer.static_outputs)
        return outputs

    def _refresh(self, outputs: list, touched: set[str]) -> set[str]:
        """Keeps each output that differs from the last build's, drops the static files that
        went; returns the paths changed."""
        changed, added = set(), False
        if any(output.kind in ("static", "asset") for _, output in outputs):
            published = {path for path, _ in outputs}
            for path in [p for p, o in self.files.items() if o.kind in ("static", "asset") and p not in published]:
                del self.files[path]
                changed.add(path)
        for path, output in outputs:
            if self.files.get(path) != output:
                added |= path not in self.files
                self.files[path] = output
                changed.add(path)
                self.last.refreshed.add(OUTPUT_NAMES.get(output.kind, "pages"))
        self.last.refreshed.discard("pages")   # counted on their own
        if added:   # keep the files in path order, as a clean build lists them
            self.files = dict(sorted(self.files.items()))
        return changed

    def _drop_unused_cards(self, replaced: list, rebuilt: list) -> set[str]:
        """Drops the cards that replaced pages used and no page uses now (a page of an index
        that shrank, a title the font cannot draw any more); returns their paths."""
        card_of = self.renderer.env.globals["card_of"]
        candidates = {card.path for card in map(card_of, replaced) if card} \
            - {card.path for card in map(card_of, rebuilt) if card}
        if not candidates:
            return set()
        unused = candidates - {card.path for card in map(card_of, self.pages.values())
                               if card and card.path in candidates}
        for path in unused:
            self.files.pop(path, None)
        return unused

    def _page_of(self, key: str) -> page_model.PageModel | None:
        """The page last built for an item key such as "claims/x", if it has one."""
        return self._item_pages.get(key)

    def _shown(self, path: Path) -> str:
        """A changed file as the log names it: from the content folder's parent (content/…),
        else from the repository (templates/…, overrides/static/…)."""
        for base in (self.paths.content.parent, self.paths.root):
            if path.is_relative_to(base):
                return path.relative_to(base).as_posix()
        return path.as_posix()

    def _template_name(self, path: Path) -> str:
        for folder in self.paths.templates:
            if path.is_relative_to(folder):
                return path.relative_to(folder).as_posix()
        return path.name
