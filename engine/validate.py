"""Stage 2, validate: plain data to typed, frozen content, checking every field and reference.

Every problem found is collected with its position; the build stops only after all files have
been checked, so an editor sees the whole list at once.
"""
from __future__ import annotations

import datetime as dt
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path

from . import field_types, house_style, schema
from .citations import find_citations
from .load import RawContent, load_file
from .outputs import TOP_LEVEL
from .problems import NOTICE, WARNING, Problems, did_you_mean, shown
from .schema_errors import reported_empty, validated
from .strings import check_overrides
from .yaml_positions import Document

# Index pages live at claims/topic/…, sources/letter/…, entities/kind/…: no item may take those ids.
RESERVED_IDS = {"claims": {"topic", "status"}, "sources": {"letter"}, "entities": {"kind"}}
def reserved_names() -> list[str]:
    """Every name a page slug may not take, sorted: the top-level files and folders the outputs
    write (outputs.TOP_LEVEL), and each file's name without its extension (a slug "feed" beside
    feed.xml)."""
    names = set()
    for name in (name for names in TOP_LEVEL.values() for name in names):
        names |= {name, name.split(".", 1)[0]}
    return sorted(names)


@dataclass(frozen=True)
class Content:
    """Validated content: what the model stage builds pages from. Only published items."""

    site: schema.Site
    now: dt.date
    sources: dict[str, schema.Source]
    claims: dict[str, schema.Claim]
    timelines: dict[str, schema.Timeline]
    events: dict[str, schema.Event]
    entities: dict[str, schema.Entity]
    corrections: dict[str, schema.Correction]
    pages: dict[str, schema.Page]
    files: dict[str, str] = field(default_factory=dict)  # "claims/x" -> file path, for deps
    updated_by_key: dict[str, dt.date] = field(default_factory=dict)  # "claims/x" -> its `updated`

    def __post_init__(self):
        for kind in ("sources", "claims", "timelines", "events", "entities", "corrections", "pages"):
            for key, item in getattr(self, kind).items():
                self.updated_by_key[f"{kind}/{key}"] = item.updated

    def kind(self, name: str) -> dict:
        return getattr(self, name)

    def replace(self, kind: str, item) -> None:
        """Puts an edited item in place of the old one (the dev server's incremental path)."""
        self.kind(kind)[item.id] = item
        self.updated_by_key[f"{kind}/{item.id}"] = item.updated




# --- per-file validation ------------------------------------------------------------------------

def _with_id(doc: Document, problems: Problems) -> dict | None:
    data = dict(doc.data)
    stem = doc.path.stem
    given = data.get("id", stem)
    if not isinstance(given, str):
        return data  # the schema explains what is wrong with it
    if given != stem:
        problems.add(doc.path, *doc.position(("id",)), f'id "{given}" does not match the file name '
                     f'"{doc.path.name}": the id is the file name; rename the file or fix the id')
        return None
    data["id"] = stem
    return data


def is_published(item: schema.Item, now: dt.date) -> bool:
    return not item.draft and (item.publish_after is None or item.publish_after <= now)


@dataclass
class _Loaded:
    """A valid item and where it came from. Its parsed file is kept only while needed: it is
    read again on the rare occasion a later check needs a line and column in it."""

    item: schema.Item
    path: Path
    kind: str
    _doc: Document | None = None

    @property
    def doc(self) -> Document:
        if self._doc is None:
            self._doc = load_file(self.kind, self.path, Problems(self.path.parent))
        return self._doc


def validate_item(kind: str, doc: Document, problems: Problems) -> schema.Item | None:
    """One file against its schema: the typed item, or None with its problems reported."""
    if reported_empty(schema.Page if kind == "pages" else schema.KINDS[kind], doc, problems,
              f"{ARTICLE[kind]} {SINGULAR[kind]}"):
        return None
    data = _with_id(doc, problems)
    if data is None:
        return None
    if kind == "pages":
        data["body"] = doc.body
        return validated(schema.Page, data, doc, problems)
    return validated(schema.KINDS[kind], data, doc, problems)


@dataclass
class Validation:
    """Everything validation learnt: the content, and what a dev server needs to re-check one
    edited file against the rest without reading them all again."""

    site: schema.Site | None
    loaded: dict[str, dict[str, _Loaded]]      # every valid item, drafts included
    published: dict[str, dict[str, _Loaded]]   # what the site shows
    invalid: dict[str, set[str]]               # files found that failed validation
    content: Content | None

    @property
    def vocabularies(self) -> dict[str, set[str] | None]:
        if not self.site:
            return {"topics": None, "statuses": None}
        return {"topics": {t.id for t in self.site.topics}, "statuses": {s.id for s in self.site.statuses}}


def validate_all(raw: RawContent, problems: Problems, now: dt.date, drafts: bool = False) -> Validation:
    site = (None if not raw.site or reported_empty(schema.Site, raw.site, problems, "site.yaml")
            else validated(schema.Site, raw.site.data, raw.site, problems))
    if raw.site and isinstance(raw.site.data.get("strings"), dict):
        _check_strings(raw.site, problems)
    loaded: dict[str, dict[str, _Loaded]] = {kind: {} for kind in raw.discovered}
    for kind, doc in raw.documents(problems):
        item = validate_item(kind, doc, problems)
        if item:
            loaded[kind][item.id] = _Loaded(item, doc.path, kind)
    if site:
        _check_vocabularies(site, raw, problems)
    published = {kind: {key: entry for key, entry in entries.items()
                        if drafts or is_published(entry.item, now)}
                 for kind, entries in loaded.items()}
    _check_ids_and_slugs(published, problems)
    invalid = {kind: ids - set(loaded[kind]) for kind, ids in raw.discovered.items()}
    validation = Validation(site, loaded, published, invalid, None)
    if site:
        published["site"] = {"site": _Loaded(site, raw.site.path, "site", raw.site)}
    spellings = site.spellings if site else {}
    for kind, entries in published.items():
        for key, entry in sorted(entries.items()):
            check_item_references(kind, entry, validation, problems)
            house_style.check(kind, entry, spellings, problems)
    _check_citations_used(published, problems)
    published.pop("site", None)
    if not problems.errors and site is not None:
        validation.content = Content(
            site=site, now=now,
            **{kind: {key: entry.item for key, entry in sorted(published[kind].items())}
               for kind in loaded},
            files={f"{kind}/{key}": problems.display_path(entry.path)
                   for kind, entries in published.items() for key, entry in entries.items()})
    return validation


def validate(raw: RawContent, problems: Problems, now: dt.date, drafts: bool = False) -> Content | None:
    return validate_all(raw, problems, now, drafts).content


def _check_vocabularies(site: schema.Site, raw: RawContent, problems: Problems):
    for name in ("topics", "statuses"):
        seen: set[str] = set()
        for index, entry in enumerate(getattr(site, name)):
            if entry.id in seen:
                problems.add(raw.site.path, *raw.site.position((name, index, "id")),
                             f'{name}: "{entry.id}" is defined twice')
            seen.add(entry.id)


def _check_strings(doc: Document, problems: Problems):
    for where, token, message in check_overrides(doc.data["strings"]):
        loc = ("strings", *where)
        position = doc.offset_position(loc, *token) if token else doc.position(loc, key=True)
        problems.add(doc.path, *position, message)


def _check_ids_and_slugs(published: dict[str, dict[str, _Loaded]], problems: Problems):
    for kind, entries in published.items():
        owners = {key: key for key in entries}
        for key, entry in sorted(entries.items()):
            for index, old in enumerate(entry.item.old_ids):
                if old in owners:
                    problems.add(entry.path, *entry.doc.position(("old_ids", index)),
                                 f'old id "{old}" is already used by {kind}/{owners[old]}: an old '
                                 "id can only redirect to one item")
                owners.setdefault(old, key)
    for kind, reserved in RESERVED_IDS.items():
        for key in sorted(reserved & set(published[kind])):
            entry = published[kind][key]
            problems.add(entry.path, 1, 1, f'the id "{key}" is taken by the {kind} index '
                         f"pages: rename the file")
    slugs: dict[str, Path] = {}
    reserved = reserved_names()
    for key, entry in sorted(published["pages"].items()):
        slug = entry.item.slug
        if slug in reserved:
            taken = ", ".join(name for name in reserved if re.fullmatch(field_types.SLUG_PATTERN, name))
            problems.add(entry.path, *entry.doc.position(("slug",)),
                         f'slug "{slug}" is taken by the site\'s own pages and files; choose '
                         f"another (taken: {taken})")
        elif slug in slugs:
            problems.add(entry.path, *entry.doc.position(("slug",)),
                         f'slug "{slug}" is already used by {problems.display_path(slugs[slug])}: '
                         "two pages cannot share an address")
        slugs.setdefault(slug, entry.path)


# --- references -----------------------------------------------------------------------------

def _references(kind: str, item) -> typing.Iterator[tuple[tuple, str, str]]:
    """Every reference an item makes: (loc in its file, target kind, target id)."""
    if kind == "sources" and item.repost_of:
        yield ("repost_of",), "sources", item.repost_of
    if kind == "claims":
        yield ("topic",), "topics", item.topic
        yield ("status",), "statuses", item.status
        for i, cited in enumerate(item.sources):
            yield ("sources", i, "source"), "sources", cited.source
            if cited.figure and cited.figure.funding_event:
                yield ("sources", i, "figure", "funding_event"), "events", cited.figure.funding_event
        for i, change in enumerate(item.history):
            yield ("history", i, "status"), "statuses", change.status
        for i, ref in enumerate(item.events):
            yield ("events", i), "events", ref
        for i, ref in enumerate(item.entities):
            yield ("entities", i), "entities", ref
    if kind == "timelines":
        yield ("topic",), "topics", item.topic
    if kind == "events":
        yield ("topic",), "topics", item.topic
        if item.status:
            yield ("status",), "statuses", item.status
        for i, ref in enumerate(item.timelines):
            yield ("timelines", i), "timelines", ref
        for i, cited in enumerate(item.sources):
            yield ("sources", i, "source"), "sources", cited.source
        if item.disputed:
            for i, account in enumerate(item.disputed.accounts):
                yield ("disputed", "accounts", i, "source"), "sources", account.source
        for i, ref in enumerate(item.claims):
            yield ("claims", i), "claims", ref
        for i, ref in enumerate(item.entities):
            yield ("entities", i), "entities", ref
    if kind == "entities":
        for i, relation in enumerate(item.relations):
            yield ("relations", i, "to"), "entities", relation.to
            if relation.event:
                yield ("relations", i, "event"), "events", relation.event
            for j, cited in enumerate(relation.sources):
                yield ("relations", i, "sources", j, "source"), "sources", cited.source
    if kind == "corrections":
        target_kind, _, target = item.item.partition("/")
        yield ("item",), target_kind, target


MARKDOWN_FIELDS = {"site": ("intro",), "sources": ("notes",), "claims": ("note",), "events": ("body",),
                   "entities": ("description",), "corrections": ("right",), "pages": ("body",)}


def markdown_citations(kind: str, item) -> typing.Iterator[tuple[tuple, str, int, str, str | None]]:
    """Every [@id] in an item's Markdown: (loc, the matched text, its occurrence, id, locator)."""
    for name in MARKDOWN_FIELDS.get(kind, ()):
        text = getattr(item, name)
        counts: dict[str, int] = {}
        for match in find_citations(text):
            occurrence = counts.get(match.group(0), 0)
            counts[match.group(0)] = occurrence + 1
            yield (name,), match.group(0), occurrence, match.group(1), match.group(2)


SINGULAR = {"sources": "source", "claims": "claim", "events": "event", "entities": "entity",
            "timelines": "timeline", "topics": "topic", "statuses": "status", "pages": "page",
            "corrections": "correction"}
ARTICLE = {kind: "an" if SINGULAR[kind][0] in "aeiou" else "a" for kind in SINGULAR}


def check_item_references(kind: str, entry: _Loaded, validation: Validation, problems: Problems):
    """Every reference one item makes, against the items that exist and are published."""
    vocab, loaded, published = validation.vocabularies, validation.loaded, validation.published
    refs = [(loc, target_kind, target, None) for loc, target_kind, target
            in _references(kind, entry.item)]
    refs += [(loc, "sources", target, (needle, occurrence)) for loc, needle, occurrence,
             target, _ in markdown_citations(kind, entry.item)]
    for loc, target_kind, target, in_text in refs:
        if target_kind in vocab:
            if vocab[target_kind] is not None and target not in vocab[target_kind]:
                allowed = [defined.id for defined in getattr(validation.site, target_kind)]
                problems.add(entry.path, *entry.doc.position(loc),
                             f"unknown {SINGULAR[target_kind]} {shown(target)}"
                             f"{did_you_mean(target, allowed)}; use one of: {', '.join(allowed)} "
                             f"(the {target_kind} defined in site.yaml)")
            continue
        if target in published[target_kind] or target in validation.invalid[target_kind]:
            continue  # an invalid file reports its own errors
        position = (entry.doc.offset_position(loc, *in_text) if in_text
                    else entry.doc.position(loc))
        if target in loaded[target_kind]:
            problems.add(entry.path, *position,
                         f'{SINGULAR[target_kind]} "{target}" is a draft or embargoed, so '
                         "it will not be published: publish it first or remove the reference")
        else:
            problems.add(entry.path, *position,
                         f'unknown {SINGULAR[target_kind]} "{target}"'
                         f"{did_you_mean(target, loaded[target_kind])}: no file "
                         f"content/{target_kind}/{target}.yaml")
    if kind in ("claims", "events") and not entry.item.sources:
        problems.add(entry.path, *entry.doc.position(("sources",)),
                     f"this {SINGULAR[kind]} cites no source: every fact needs at least one")
    if kind == "events" and entry.item.disputed:
        cited = {citation.source for citation in entry.item.sources}
        for index, account in enumerate(entry.item.disputed.accounts):
            if account.source not in cited:
                problems.add(entry.path, *entry.doc.position(("disputed", "accounts", index, "source")),
                             f'"{account.source}" gives an account but is not among this event\'s '
                             f"sources: add `- source: {account.source}` under sources:", WARNING)


def _check_citations_used(published, problems: Problems):
    cited: set[str] = set()
    for kind, entries in published.items():
        for entry in entries.values():
            cited.update(target for loc, target_kind, target in _references(kind, entry.item)
                         if target_kind == "sources" and loc != ("repost_of",))
            cited.update(target for *_, target, _ in markdown_citations(kind, entry.item))
    for key, entry in sorted(published["sources"].items()):
        source = entry.item
        if key not in cited:
            problems.add(entry.path, 1, 1, "nothing cites this source: cite it from a claim, "
                         "an event or a page, or remove it", WARNING)
        if source.archived is None:
            problems.add(entry.path, 1, 1, "no archived copy: `.venv/bin/python build.py archive` lists "
                         "how to make one", NOTICE)
