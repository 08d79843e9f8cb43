"""The vocabulary of page models: what a page is (PageModel), where items live (URLs and keys),
how items link to each other (Links), and the helpers every page builder in engine/model.py and
engine/item_pages.py shares. Pure: content in, values out."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from . import schema
from .formatter import Formatter
from .strings import strings_for
from .validate import Content, markdown_citations

SITE_KEY = "site"


# A page that only lists an item (its statement, status, date…) depends on "claims/x@listed",
# not on "claims/x": editing a claim's note then re-renders its own page, not the thousands of
# pages that list it. What "listed" covers is everything but the fields in OWN_PAGE_FIELDS.
LISTED = "@listed"


OWN_PAGE_FIELDS = {"claims": {"note"}, "events": {"body"}, "sources": {"notes"},
                   "entities": {"description"}}


@dataclass(frozen=True)
class PageModel:
    url: str                     # site-relative: "claims/valuation/" or "404.html"
    template: str
    kind: str
    title: str
    description: str
    updated: dt.date | None      # None: the page shows no dated item, so no "last updated"
    depends_on: frozenset[str]
    context: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    in_sitemap: bool = True
    item: str | None = None      # "claims/x" for the page of one item

    @property
    def output_path(self) -> str:
        return self.url + "index.html" if self.url.endswith("/") or not self.url else self.url



def item_label(item) -> str | None:
    """What an item is called in lists and links: a claim's statement, an event's, a source's or
    a page's title, an entity's name (None for a correction)."""
    return getattr(item, "statement", None) or getattr(item, "title", None) or getattr(item, "name", None)


def item_url(kind: str, item_id: str) -> str:
    return f"{kind}/{item_id}/"


def page_url(page: schema.Page) -> str:
    return f"{page.slug}/"


KIND_ORDER = {kind: index for index, kind in enumerate(
    ("claims", "events", "entities", "sources", "corrections", "pages"))}


def listed(key: str) -> str:
    return key + LISTED


def item_key(key: str) -> str:
    """The content key without its facet: "claims/x@listed" -> "claims/x"."""
    return key.partition("@")[0]


def listing_signature(kind: str, item) -> tuple:
    """Everything a page that lists the item can show: when it changes, "kind/id@listed" changes."""
    shown = item.model_dump(exclude=OWN_PAGE_FIELDS.get(kind, set()))
    return repr(sorted(shown.items())), tuple(cited_sources(kind, item))


def _canonical(value) -> tuple:
    """One sort order for every reverse-link list, so a list patched after an edit is
    identical to one built from scratch."""
    if isinstance(value, tuple) and value and value[0] in KIND_ORDER:
        return (KIND_ORDER[value[0]], value[1])
    return value if isinstance(value, tuple) else (value,)


@dataclass
class Links:
    """Every reference turned around: who cites a source, which events name a claim, …
    Each table maps a target id to the items that point at it, in canonical order."""

    citing: dict[str, list[tuple[str, str]]] = field(default_factory=dict)   # source -> (kind, id)
    claims_of_event: dict[str, list[str]] = field(default_factory=dict)
    events_of_claim: dict[str, list[str]] = field(default_factory=dict)
    mentions_of_entity: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    incoming_relations: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # (entity, index)
    corrections_of: dict[str, list[str]] = field(default_factory=dict)     # "claims/x" -> ids
    reposts_of: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, key: str, item) -> None:
        for table, target, value in _contributions(kind, key, item):
            entries = getattr(self, table).setdefault(target, [])
            if value not in entries:
                entries.append(value)
                entries.sort(key=_canonical)

    def remove(self, kind: str, key: str, item) -> None:
        for table, target, value in _contributions(kind, key, item):
            entries = getattr(self, table).get(target, [])
            if value in entries:
                entries.remove(value)
                if not entries:
                    del getattr(self, table)[target]


def cited_sources(kind: str, item) -> list[str]:
    """Every source an item cites, in the order it cites them, without repeats."""
    found: list[str] = []
    if kind in ("claims", "events"):
        found += [cited.source for cited in item.sources]
    if kind == "events" and item.disputed:
        found += [account.source for account in item.disputed.accounts]
    if kind == "entities":
        found += [cited.source for relation in item.relations for cited in relation.sources]
    found += [target for *_, target, _ in markdown_citations(kind, item)]
    return list(dict.fromkeys(found))


def _contributions(kind: str, key: str, item) -> list[tuple[str, str, object]]:
    """The reverse links one item adds: (table, target id, value)."""
    found = [("citing", source_id, (kind, key)) for source_id in cited_sources(kind, item)]
    if kind == "claims":
        for event_id in item.events:
            found += [("claims_of_event", event_id, key), ("events_of_claim", key, event_id)]
        found += [("mentions_of_entity", entity_id, ("claims", key)) for entity_id in item.entities]
    elif kind == "events":
        for claim_id in item.claims:
            found += [("claims_of_event", key, claim_id), ("events_of_claim", claim_id, key)]
        found += [("mentions_of_entity", entity_id, ("events", key)) for entity_id in item.entities]
    elif kind == "entities":
        found += [("incoming_relations", relation.to, (key, index))
                  for index, relation in enumerate(item.relations)]
    elif kind == "corrections":
        found.append(("corrections_of", item.item, key))
    elif kind == "sources" and item.repost_of:
        found.append(("reposts_of", item.repost_of, key))
    return found


def link_content(content: Content) -> Links:
    links = Links()
    for kind in KIND_ORDER:
        for key, item in content.kind(kind).items():
            for table, target, value in _contributions(kind, key, item):
                getattr(links, table).setdefault(target, {})[value] = None
    for table in links.__dataclass_fields__:
        setattr(links, table, {target: sorted(values, key=_canonical)
                               for target, values in getattr(links, table).items()})
    return links


def updated_among(content: Content, keys) -> dt.date | None:
    """A page's 'last updated': the newest `updated` among the items it shows; None when it
    shows none (the 404 page, corrections when there are none). Never the day of the build,
    which would change the page, its citation tags and the sitemap every day with no change
    to the content."""
    dates = content.updated_by_key
    return max((dates[k] for k in map(item_key, keys) if k in dates), default=None)


def newest_date(*dates: dt.date | None) -> dt.date | None:
    return max((d for d in dates if d is not None), default=None)


def make_page(content: Content, *, url, template, kind, title, description, keys, **context) -> PageModel:
    keys = frozenset(keys) | {SITE_KEY}
    return PageModel(url=url, template=template, kind=kind, title=title, description=description,
                     updated=updated_among(content, keys), depends_on=keys, context=context)


def keys_of(kind: str, ids) -> set[str]:
    return {f"{kind}/{key}" for key in ids}


def listed_keys_of(kind: str, ids) -> set[str]:
    return {f"{kind}/{key}{LISTED}" for key in ids}


def by_date(events: dict[str, schema.Event], ids=None) -> list[schema.Event]:
    chosen = events.values() if ids is None else (events[i] for i in ids if i in events)
    return sorted(chosen, key=lambda e: (e.date.sort_key(), e.id))


def cited_item_keys(kind: str, item) -> set[str]:
    return keys_of("sources", cited_sources(kind, item))


@dataclass(frozen=True)
class Group:
    """One group of an index: its key in URLs, what the template shows, and its items."""

    key: str
    label: Any
    title: str
    items: list


@dataclass(frozen=True)
class Pagination:
    number: int
    count: int
    urls: tuple[str, ...]

    @property
    def previous(self) -> str | None:
        return self.urls[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.urls[self.number] if self.number < self.count else None


def is_split(items: int, size: int) -> bool:
    """Whether an index of this many items has a page per group (see index_pages)."""
    return items > size


def index_pages(content: Content, *, url: str, group_dir: str, groups: list[Group], item_kind: str,
           title: str, keys: set[str], size: int, shown_with=None, item_keys=keys_of,
           **fields) -> list[PageModel]:
    """An index page; past `index_page_size` items, an overview of the groups plus one page
    per group (split into numbered pages when a group alone is too long). URLs stay stable:
    a group's address is its key, not its position. `shown_with(item)` names other items whose
    content appears beside an item (the claims counted under a source); `item_keys` says
    whether a page depends on its items whole or only on their listings."""
    groups = [g for g in groups if g.items]
    if not is_split(sum(len(g.items) for g in groups), size):
        if shown_with:
            keys = keys | {key for g in groups for i in g.items for key in shown_with(i)}
        return [make_page(content, url=url, title=title, keys=keys, groups=groups, overview=None,
                      pagination=None, **fields)]
    pages = [make_page(content, url=url, title=title, keys=keys, groups=[], pagination=None,
                   overview=[(g, len(g.items), f"{url}{group_dir}{g.key}/") for g in groups], **fields)]
    for group in groups:
        base = f"{url}{group_dir}{group.key}/"
        chunks = [group.items[i:i + size] for i in range(0, len(group.items), size)]
        urls = tuple(base if n == 1 else f"{base}{n}/" for n in range(1, len(chunks) + 1))
        for number, chunk in enumerate(chunks, 1):
            chunk_keys = item_keys(item_kind, (i.id for i in chunk))
            if shown_with:
                chunk_keys |= {key for i in chunk for key in shown_with(i)}
            pages.append(make_page(
                content, url=urls[number - 1], keys=chunk_keys,
                title=f"{title}: {group.title}" + (f" ({number}/{len(chunks)})" if len(chunks) > 1 else ""),
                groups=[Group(group.key, group.label, group.title, chunk)], overview=None,
                pagination=Pagination(number, len(chunks), urls) if len(chunks) > 1 else None,
                **fields))
    return pages


def chart_text(content: Content) -> tuple[dict, Formatter]:
    """The interface strings and the date and number formatter the charts write their labels
    with."""
    strings = strings_for(content.site)
    return strings, _formatter(content.site.language, content.site.money.model_dump_json(),
                               tuple(sorted(strings.items())))


@functools.lru_cache(maxsize=4)
def _formatter(language: str, money: str, strings: tuple) -> Formatter:
    """One formatter per language, money style and strings (a pure function of them), so its
    caches of Babel's answers serve every chart of a build."""
    return Formatter(language, dict(strings), schema.Money.model_validate_json(money))
