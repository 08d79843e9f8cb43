"""The vocabulary of page models: what a page is (PageModel), where items live (URLs and keys),
how items link to each other (Links), and the helpers every page builder in engine/model.py and
engine/item_pages.py shares. Pure: content in, values out."""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import schema
from .formatter import Formatter
from .strings import strings_for
from .validate import Content, _references, markdown_citations

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



class ReadKind(Mapping):
    """One kind's items as a page builder reads them: an item taken, by its key, by asking
    whether it is there, or by going through them all, is noted as a dependency of the page on
    its listing ("claims/x@listed"). `whole` takes an item whose own-page fields the page shows
    too (a note, a body): the page then depends on all of it, and on the sources its text cites."""

    __slots__ = ("_items", "_kind", "_keys")

    def __init__(self, items: dict, kind: str, keys: set[str]):
        self._items, self._kind, self._keys = items, kind, keys

    def __getitem__(self, key: str):
        item = self._items[key]
        self._keys.add(f"{self._kind}/{key}{LISTED}")
        return item

    def __contains__(self, key) -> bool:
        self._keys.add(f"{self._kind}/{key}{LISTED}")   # its coming or going changes the page
        return key in self._items

    def __iter__(self):
        self._keys.update(f"{self._kind}/{key}{LISTED}" for key in self._items)
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def values(self):
        self._keys.update(f"{self._kind}/{key}{LISTED}" for key in self._items)
        return self._items.values()

    def items(self):
        self._keys.update(f"{self._kind}/{key}{LISTED}" for key in self._items)
        return self._items.items()

    def whole(self, key: str):
        item = self._items[key]
        self._keys.add(f"{self._kind}/{key}")
        self._keys.update(f"sources/{source}" for source in cited_sources(self._kind, item))   # its notes
        return item


class ContentView:
    """The validated content as one page builder reads it (Lektor records dependencies the same
    way): `keys` gathers what the builder took, so no builder lists its dependencies by hand
    and a new field read through the view cannot miss its dependency. Every page depends on
    site.yaml. What templates read is recorded by the loader (render.Renderer.templates_of)."""

    KINDS = ("sources", "claims", "timelines", "events", "entities", "corrections", "pages")

    def __init__(self, content: Content):
        self.content = content
        self.keys: set[str] = {SITE_KEY}
        self.site, self.now = content.site, content.now
        self.updated_by_key = content.updated_by_key
        for kind in self.KINDS:
            setattr(self, kind, ReadKind(getattr(content, kind), kind, self.keys))

    def kind(self, name: str) -> ReadKind:
        return getattr(self, name)

    def cites(self, kind: str, item) -> None:
        """The page shows the item's text, whose notes name the sources it cites."""
        self.keys.update(f"sources/{source}" for source in cited_sources(kind, item))

    def fresh(self) -> "ContentView":
        """Another view of the same content, for another page (or a part of this one)."""
        return ContentView(self.content)


def viewed(content: "Content | ContentView") -> ContentView:
    """A view of the content for a new page (of the same content when given a view)."""
    return content.fresh() if isinstance(content, ContentView) else ContentView(content)


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


def referenced_keys(kind: str, item) -> set[str]:
    """The content keys an item points at: their pages list it, so they change with it."""
    keys = {f"{target_kind}/{target}" for _, target_kind, target in _references(kind, item)
            if target_kind in KIND_ORDER or target_kind == "timelines"}
    keys |= {f"sources/{target}" for *_, target, _ in markdown_citations(kind, item)}
    return keys


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


def page_keys(keys) -> frozenset[str]:
    """A page's dependencies without "x@listed" where it has "x": all of an item covers its listing."""
    return frozenset(key for key in keys if not (key.endswith(LISTED) and key[:-len(LISTED)] in keys))


def make_page(content: ContentView, *, url, template, kind, title, description, **context) -> PageModel:
    """A page made from what its builder read through `content` (its depends_on)."""
    keys = page_keys(content.keys)
    return PageModel(url=url, template=template, kind=kind, title=title, description=description,
                     updated=updated_among(content, keys), depends_on=keys, context=context)






def by_date(events: dict[str, schema.Event], ids=None) -> list[schema.Event]:
    chosen = events.values() if ids is None else (events[i] for i in ids if i in events)
    return sorted(chosen, key=lambda e: (e.date.sort_key(), e.id))




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


def index_pages(content: ContentView, *, url: str, group_dir: str, groups: list[Group], item_kind: str,
                title: str, size: int, shown_with=None, whole: bool = False, **fields) -> list[PageModel]:
    """An index page; past `index_page_size` items, an overview of the groups plus one page
    per group (split into numbered pages when a group alone is too long). URLs stay stable:
    a group's address is its key, not its position. The index and its overview depend on what
    the caller read through `content`; a group's page reads its own items, `whole` or their
    listing, and `shown_with(view, item)` reads what appears beside an item (the claims counted
    under a source)."""
    groups = [g for g in groups if g.items]

    def read(view: ContentView, items: list) -> ContentView:
        for item in items:
            view.kind(item_kind).whole(item.id) if whole else view.kind(item_kind)[item.id]
            if shown_with:
                shown_with(view, item)
        return view
    if not is_split(sum(len(g.items) for g in groups), size):
        return [make_page(read(content, [i for g in groups for i in g.items]), url=url, title=title,
                          groups=groups, overview=None, pagination=None, **fields)]
    pages = [make_page(content, url=url, title=title, groups=[], pagination=None,
                       overview=[(g, len(g.items), f"{url}{group_dir}{g.key}/") for g in groups], **fields)]
    for group in groups:
        base = f"{url}{group_dir}{group.key}/"
        chunks = [group.items[i:i + size] for i in range(0, len(group.items), size)]
        urls = tuple(base if n == 1 else f"{base}{n}/" for n in range(1, len(chunks) + 1))
        for number, chunk in enumerate(chunks, 1):
            pages.append(make_page(
                read(content.fresh(), chunk), url=urls[number - 1],
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
