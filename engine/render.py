"""Stage 4, render: page models to files, through Jinja templates found on an ordered search path
(the newsroom's overrides/templates first, then templates/).

Templates only lay out what the model gives them; the filters here format dates, figures and
Markdown for the site's language.
"""
from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import datetime as dt
from pathlib import Path

from jinja2 import (
    Environment,
    TemplateError,
)

from . import admin, cards, export
from .environment import asset_paths, make_environment, static_files, template_closure
from .formats import xml_text
from .headers import meta_policy
from .markdown import Fragments, NoteCollector, plain_text
from .memory import Memory
from .model import correction_target
from .outputs import Output, safe_output_path
from .page_model import PageModel, item_label, item_url, page_url
from .paths import Paths
from .problems import ContentError, Problem
from .progress import counted_batches
from .template_errors import TemplateFailure, failure_of
from .validate import Content
from .workers import Failed, Workers

# Partials rendered through a function, once per build for each argument, because they are
# repeated on many pages: a citation for every note, a card for every listed claim.
NO_CONTENT_DATE = dt.date(1970, 1, 1)   # the feed's date when the site lists nothing at all


def render_page(env: Environment, page: PageModel) -> bytes:
    notes = NoteCollector(text_of=env.globals.get("note_text"))
    try:
        template = env.get_template(page.template)
        html = template.render(page=page, notes=notes, **page.context)
    except TemplateError as error:   # positioned here: a worker's traceback does not travel
        raise failure_of(error, [Path(folder) for folder in env.loader.searchpath], page.template) from None
    return html.encode("utf-8")


PARALLEL_FROM = 400   # below this many pages, starting processes costs more than it saves


def _render_share(shared: tuple, index: int) -> tuple:
    """One share of the pages (in a worker: engine/workers.py), and the Markdown it rendered
    that the parent had not (for the cache). A template failure is returned, not raised, so
    that the parent reports the same one whichever share finishes first."""
    env, pages, shares, fragments = shared
    fragments.used, fragments.fresh = set(), []   # this worker's own copies: what this share asks for
    try:
        html = [render_page(env, page) for page in pages[index::shares]]
    except TemplateFailure as failure:
        return None, failure, set()
    return html, fragments.take_fresh(), fragments.used


SHARES_PER_WORKER = 8   # smaller results: the parent never holds one worker's whole output twice


def render_page_batches(env: Environment, pages: list[PageModel], workers: int, fragments: Fragments):
    """Every page's HTML on `workers` processes, as (indices, html) batches in the order the
    shares finish. Share n takes every n-th page, so the costly and the cheap kinds spread
    evenly; which page gets which bytes does not depend on the number of workers. `fragments`
    is the Markdown the template environment renders with, which the workers' shares add to."""
    workers = max(1, min(workers, len(pages) // (PARALLEL_FROM // 2) or 1))
    if workers == 1 or len(pages) < PARALLEL_FROM:
        yield range(len(pages)), [render_page(env, page) for page in pages]
        return
    shares = workers * SHARES_PER_WORKER
    failures = {}
    with Workers(_render_share, (env, pages, shares, fragments), workers) as processes:
        for index, result in processes.results(list(range(shares))):
            if isinstance(result, Failed):
                raise RuntimeError(result.text)
            share, fresh, used = result
            if share is None:   # reported once every share is back: the first share's, always the same
                failures[index] = fresh
                continue
            fragments.remember(fresh, used)
            yield range(index, len(pages), shares), share
    if failures:
        raise failures[min(failures)]


class Renderer:
    """Turns page models into output files: one Jinja environment, the static files and where
    they go, and which templates each page template uses."""

    SITE_FILES = (("sitemap.xml", "sitemap"), ("feed.xml", "feed"), ("robots.txt", "robots"),
                  ("_redirects", "redirects"))

    def __init__(self, paths: Paths, content: Content, memory: Memory, fingerprint: bool = True,
                 csp_meta: bool = False):
        self.paths, self.content, self.memory = paths, content, memory
        self.fingerprint, self.csp_meta = fingerprint, csp_meta
        self.static = static_files(paths, content.site)
        self.assets = asset_paths(self.static, fingerprint)
        self.env = make_environment(paths, content, self.assets, memory)
        # hosts that send no headers (GitHub Pages) get netlify.toml's policy for each page in a <meta>
        self.env.globals["content_security_policy"] = (
            lambda url: meta_policy("/" + url, paths.root / "netlify.toml")) if csp_meta else None
        self._closures: dict[str, frozenset[str]] = {}

    def templates_of(self, template: str) -> frozenset[str]:
        if template not in self._closures:
            self._closures[template] = template_closure(self.env, template, self._closures)
        return self._closures[template]

    def pages(self, pages: list[PageModel], workers: int = 1, cache=None) -> list[tuple[str, Output]]:
        """Each page rendered, or taken from the page cache (engine/cache.PageCache) when
        nothing it is made from has changed since it was stored."""
        return [output for batch in self.page_batches(pages, workers, cache) for output in batch]

    def page_batches(self, pages: list[PageModel], workers: int = 1, cache=None):
        """The same, a batch at a time as the workers finish them, so that a caller that writes
        them at once never holds the whole site."""
        def output(page: PageModel, data: bytes) -> tuple[str, Output]:
            return page.output_path, Output(page.kind, data, page.depends_on, self.templates_of(page.template))

        missing, keys, cached = [], [], []
        for page in pages:
            key = cache.key(page, self.templates_of(page.template)) if cache else None
            found = cache.get(key) if cache else None
            if found is None:
                missing.append(page)
                keys.append(key)
            else:
                cached.append(output(page, found))
        if cached:
            yield cached
        for indices, share in render_page_batches(self.env, missing, workers, self.memory.fragments):
            batch = []
            for index, rendered in zip(indices, share):
                if cache:
                    cache.put(keys[index], rendered)
                batch.append(output(missing[index], rendered))
            yield batch

    def site_files(self, pages: list[PageModel], names=None) -> list[tuple[str, Output]]:
        """Sitemap, feed, robots.txt and Netlify's _redirects (or the named ones), each made
        from every page."""
        chosen = [(name, kind) for name, kind in self.SITE_FILES if names is None or name in names]
        listed = [p for p in pages if p.in_sitemap] if names is None or "sitemap.xml" in names else []
        redirects = [p for p in pages if p.kind == "redirect"]
        entries = feed_entries(self.content) if names is None or "feed.xml" in names else []
        # the feed's date is its newest entry's (Atom requires one): a site with nothing to
        # list has no content date at all, and gets a fixed one rather than the build's
        feed_updated = entries[0]["updated"] if entries else NO_CONTENT_DATE
        def made(name: str) -> bytes:
            text = self.env.get_template(name).render(pages=listed, redirects=redirects,
                                                       feed_entries=entries, feed_updated=feed_updated)
            return (xml_text(text) if name.endswith(".xml") else text).encode("utf-8")
        return [(name, Output(kind, made(name), templates=frozenset({name}))) for name, kind in chosen]

    def card_outputs(self, pages: list[PageModel], workers: int = 1) -> list[tuple[str, Output]]:
        """The social card of each page (engine/cards.py), once per card; unchanged cards come
        from the cache instead of being drawn again."""
        return [output for batch in self.card_batches(pages, workers) for output in batch]

    CARD_BATCH = 500   # cards drawn, written and let go at a time by a build that streams

    def card_batches(self, pages: list[PageModel], workers: int = 1, keep: bool = True):
        """The same, in batches; with keep=False the cache keeps no card in memory (the command
        line: its cards are in .cache/cards/ and in the output)."""
        chosen: dict[str, tuple] = {}
        for page in pages:
            card = self.env.globals["card_of"](page)
            if card is not None and card.path not in chosen:
                chosen[card.path] = (card, page.depends_on if page.item else frozenset({"site"}))
        items = list(chosen.items())
        size = max(1, len(items)) if keep else self.CARD_BATCH
        cache = self.memory.cards
        with (cards.drawing_processes(workers, cache.fonts) if len(items) > size and workers > 1
              else contextlib.nullcontext()) as processes:
            for start in range(0, len(items), size):
                batch = items[start:start + size]
                drawn = cache.pngs([card for _, (card, _) in batch], workers, keep=keep, processes=processes)
                yield [(path, Output("card", data, keys)) for (path, (_, keys)), data in zip(batch, drawn)]

    def static_outputs(self) -> list[tuple[str, Output]]:
        return [(self.assets[name], Output("asset" if self.assets[name].startswith("assets/") else "static",
                                           data, templates=frozenset({f"static/{name}"})))
                for name, data in self.static.items()]

    def admin_outputs(self) -> list[tuple[str, Output]]:
        """/admin/, when site.yaml asks for it (engine/admin.py)."""
        policy = self.env.globals["content_security_policy"]   # set for hosts without headers
        try:
            files = admin.outputs(self.content.site, self.paths, policy("admin/") if policy else None,
                                  self.memory.admin_config)
        except admin.decap_bundle.BundleError as error:
            raise ContentError([admin.not_verified(error, self.paths.root)]) from None
        return [(path, Output("admin", data, frozenset({"site"}))) for path, data in files]

    def forget(self, keys: set[str] | None = None) -> None:
        """Drops what the environment remembered: the partials of the changed content keys,
        or everything (templates too) when keys is None."""
        remembered = self.env.globals["remembered_partials"]
        if keys is None:
            self.env.cache.clear() if self.env.cache is not None else None
            self._closures.clear()
            remembered.clear()
            return
        for key in keys:
            if key.startswith("claims/"):
                remembered.pop(("claim_card", key.partition("/")[2]), None)
        sources = {k.partition("/")[2] for k in keys if k.startswith("sources/")}
        if sources:   # citations are remembered per locator too
            for key in [k for k in remembered if k[0] == "citation" and k[1] in sources]:
                del remembered[key]


class Collector:
    """Gathers the files of a site by path, refusing a path outside the folder or claimed twice.
    With a sink, each file's bytes go to it as soon as they are collected and are not kept
    (their Output.data is None): the command line writes the site as it is rendered instead of
    holding all of it in memory (at 10,000 claims, 600 MB)."""

    def __init__(self, owners: dict[str, str], sink=None):
        self.owners, self.sink = owners, sink
        self.files: dict[str, Output] = {}
        self.clashes: list[Problem] = []

    def add(self, outputs) -> None:
        for path, output in outputs:
            owner = self.owners.get(path, path)
            if safe_output_path(path) is None:
                self.clashes.append(Problem(owner, 1, 1, f'the output path "{path}" would leave the '
                                            "site folder: use a plain id"))
            elif path in self.files:
                self.clashes.append(Problem(owner, 1, 1, f'two items would be written to "{path}": '
                                            "give one of them another id or slug"))
            elif self.sink is not None and not self.clashes:
                self.sink(path, output.data)
                self.files[path] = dataclasses.replace(output, data=None)
            else:
                self.files[path] = output
        if self.sink is not None:
            release_freed_memory()

    def result(self) -> dict[str, Output]:
        if self.clashes:
            raise ContentError(sorted(set(self.clashes)))
        return dict(sorted(self.files.items()))


def _libc_malloc_trim():
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):   # not glibc
        return None


MALLOC_TRIM = _libc_malloc_trim()


def release_freed_memory() -> None:
    """Hands the memory of written batches back to the system. glibc keeps freed blocks for
    reuse, and the many 10-30 KB pages of a streaming build leave it fragmented: without this,
    the peak at 10,000 claims is about 150 MB higher. Elsewhere (not glibc) it does nothing."""
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)


def collect(outputs: list[tuple[str, Output]], owners: dict[str, str]) -> dict[str, Output]:
    """The files of a site by path; a path outside the folder or claimed twice is an error."""
    collector = Collector(owners)
    collector.add(outputs)
    return collector.result()


def owner_of(page: PageModel, content: Content) -> str:
    """The file to blame for a page's problems: the first content file it was made from."""
    return next((content.files[k] for k in sorted(page.depends_on) if k in content.files), page.url)


def render_site(renderer: Renderer, pages: list[PageModel], workers: int = 1, page_cache=None,
                sink=None, after_html=None, progress=None) -> dict[str, Output]:
    """Every file of the site. With `sink(path, data)`, each file goes to it as soon as it is
    made and the result keeps no bytes (see Collector); `after_html()` is called once every
    HTML file has gone to it (the search index can start), before the cards and data files.
    `progress` (engine/progress.py) counts the pages rendered and the cards drawn."""
    paths, content = renderer.paths, renderer.content
    fingerprint, csp_meta = renderer.fingerprint, renderer.csp_meta
    if page_cache is not None:
        # which card a page points at depends on the glyphs the card fonts have
        page_cache.prepare(content, paths, renderer.env, renderer.assets,
                           {"fingerprint": fingerprint, "csp_meta": csp_meta,
                            "card_fonts": renderer.memory.cards.fonts.digest(),
                            "netlify.toml": (paths.root / "netlify.toml").read_text("utf-8")
                            if csp_meta and (paths.root / "netlify.toml").is_file() else None})
    collector = Collector({page.output_path: owner_of(page, content) for page in pages}, sink)
    for batch in counted_batches(progress, "pages", renderer.page_batches(pages, workers, page_cache),
                                 lambda done: f"{done} of {len(pages)} rendered"):
        collector.add(batch)
    collector.add(renderer.site_files(pages) + renderer.static_outputs() + renderer.admin_outputs())
    if after_html is not None:
        after_html()
    renderer.memory.cards.start_build()
    for batch in counted_batches(progress, "cards", renderer.card_batches(pages, workers, keep=sink is None),
                                 lambda done: f"{done} drawn"):
        collector.add(batch)
    renderer.memory.cards.keep_only_used()
    # open data and citation files (the dev server's memory keeps each item's forms)
    for batch in (export.output_batches(content, pages) if sink is not None
                  else [export.outputs(content, pages, memo=renderer.memory.items)]):
        collector.add(batch)
    return collector.result()


def feed_entries(content: Content) -> list[dict]:
    """The Atom feed: newest changes first — claims, events, pages and corrections. A correction
    is an entry of its own that links to the item it corrected, and says what was wrong and what
    is right."""
    entries = []
    for kind in ("claims", "events", "pages", "corrections"):
        for item in content.kind(kind).values():
            wrong = right = related = None
            if kind == "corrections":
                target = correction_target(content, item.item)
                title, url = target["label"], target["url"]
                related = f"corrections/#correction-{item.id}"
                wrong, right = item.wrong, plain_text(item.right)
            elif kind == "pages":
                title, url = item.title, page_url(item)
            else:
                title = item_label(item)
                url = item_url(kind, item.id)
            entries.append({"kind": kind, "label": kind[:-1], "id": item.id, "title": title, "url": url,
                            "updated": item.updated, "added": item.added, "wrong": wrong, "right": right,
                            "related": related})
    entries.sort(key=lambda e: (e["updated"], e["kind"], e["id"]), reverse=True)
    return entries[:50]

