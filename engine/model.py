"""Stage 3, model: validated content to page models. Pure functions, no I/O.

A page model is everything a template lays out, already sorted, grouped and linked, plus what
the page was made from (`depends_on`: content keys such as "claims/valuation" and "site"), so a
later rebuild can tell which pages a change touches.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from . import charts, claim_view, entity_view, schema
from .data_schemas import DATA_DIR, EXPORTED, data_schemas, field_rows
from .formatter import Formatter
from .markdown import plain_text
from .reports import report_keys, reports_for
from .strings import fill, strings_for
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


# The top-level names in the output folder that this module's pages take (Markdown pages add
# their slugs); validation refuses them as slugs (validate.reserved_names).
TOP_LEVEL = ("index.html", "404.html", "timeline", "timelines", "claims", "events", "sources",
             "entities", "corrections", "search")


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


def _updated(content: Content, keys) -> dt.date | None:
    """A page's 'last updated': the newest `updated` among the items it shows; None when it
    shows none (the 404 page, corrections when there are none). Never the day of the build,
    which would change the page, its citation tags and the sitemap every day with no change
    to the content."""
    dates = content.updated_by_key
    return max((dates[k] for k in map(item_key, keys) if k in dates), default=None)


def _newest(*dates: dt.date | None) -> dt.date | None:
    return max((d for d in dates if d is not None), default=None)


def _page(content: Content, *, url, template, kind, title, description, keys, **context) -> PageModel:
    keys = frozenset(keys) | {SITE_KEY}
    return PageModel(url=url, template=template, kind=kind, title=title, description=description,
                     updated=_updated(content, keys), depends_on=keys, context=context)


def _keys(kind: str, ids) -> set[str]:
    return {f"{kind}/{key}" for key in ids}


def _listed_keys(kind: str, ids) -> set[str]:
    return {f"{kind}/{key}{LISTED}" for key in ids}


def _by_date(events: dict[str, schema.Event], ids=None) -> list[schema.Event]:
    chosen = events.values() if ids is None else (events[i] for i in ids if i in events)
    return sorted(chosen, key=lambda e: (e.date.sort_key(), e.id))


def _item_keys_cited(kind: str, item) -> set[str]:
    return _keys("sources", cited_sources(kind, item))


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


def _index(content: Content, *, url: str, group_dir: str, groups: list[Group], item_kind: str,
           title: str, keys: set[str], size: int, shown_with=None, item_keys=_keys,
           **fields) -> list[PageModel]:
    """An index page; past `index_page_size` items, an overview of the groups plus one page
    per group (split into numbered pages when a group alone is too long). URLs stay stable:
    a group's address is its key, not its position. `shown_with(item)` names other items whose
    content appears beside an item (the claims counted under a source); `item_keys` says
    whether a page depends on its items whole or only on their listings."""
    groups = [g for g in groups if g.items]
    if sum(len(g.items) for g in groups) <= size:
        if shown_with:
            keys = keys | {key for g in groups for i in g.items for key in shown_with(i)}
        return [_page(content, url=url, title=title, keys=keys, groups=groups, overview=None,
                      pagination=None, **fields)]
    pages = [_page(content, url=url, title=title, keys=keys, groups=[], pagination=None,
                   overview=[(g, len(g.items), f"{url}{group_dir}{g.key}/") for g in groups], **fields)]
    for group in groups:
        base = f"{url}{group_dir}{group.key}/"
        chunks = [group.items[i:i + size] for i in range(0, len(group.items), size)]
        urls = tuple(base if n == 1 else f"{base}{n}/" for n in range(1, len(chunks) + 1))
        for number, chunk in enumerate(chunks, 1):
            chunk_keys = item_keys(item_kind, (i.id for i in chunk))
            if shown_with:
                chunk_keys |= {key for i in chunk for key in shown_with(i)}
            pages.append(_page(
                content, url=urls[number - 1], keys=chunk_keys,
                title=f"{title}: {group.title}" + (f" ({number}/{len(chunks)})" if len(chunks) > 1 else ""),
                groups=[Group(group.key, group.label, group.title, chunk)], overview=None,
                pagination=Pagination(number, len(chunks), urls) if len(chunks) > 1 else None,
                **fields))
    return pages


# --- one builder per page kind ------------------------------------------------------------------

def home_page(content: Content, links: Links) -> PageModel:
    strands = [{"timeline": timeline,
                "events": len([e for e in content.events.values() if timeline.id in e.timelines])}
               for timeline in sorted(content.timelines.values(), key=lambda t: (t.order, t.id))]
    updates = sorted(
        [("claims", c) for c in content.claims.values()] + [("events", e) for e in content.events.values()]
        + [("pages", p) for p in content.pages.values()],
        key=lambda pair: (-pair[1].updated.toordinal(), pair[0], pair[1].id))[:8]
    corrections = sorted(content.corrections.values(), key=lambda c: (c.date, c.id), reverse=True)[:3]
    # "latest updates" ranks every claim, event and page by date: any listing change may reorder it
    keys = (_keys("timelines", content.timelines) | _listed_keys("events", content.events)
            | _listed_keys("claims", content.claims) | _listed_keys("pages", content.pages)
            | _keys("corrections", content.corrections))
    story = next((p for p in content.pages.values() if p.slug == "story"), None)
    keys |= _keys("sources", (target for *_, target, _ in markdown_citations("site", content.site)))
    places = _event_places(_all_events_pages(content))
    strip = charts.topic_strip(_by_date(content.events), list(content.site.topics),
                               lambda event: f"{places[event.id]}#event-{event.id}",
                               strings_for(content.site), language=content.site.language)
    return _page(content, url="", template="home.html", kind="home", title=content.site.title,
                 description=content.site.description, keys=keys, strands=strands, topic_strip=strip,
                 updates=[_update(kind, item) for kind, item in updates],
                 corrections=corrections, story=story,
                 statuses=content.site.statuses)


def _update(kind: str, item) -> dict:
    if kind == "pages":
        return {"kind": "page", "title": item.title, "url": page_url(item), "updated": item.updated}
    return {"kind": kind[:-1], "url": item_url(kind, item.id), "updated": item.updated,
            "title": getattr(item, "statement", None) or item.title}


def _year_groups(events: list[schema.Event]) -> list[Group]:
    return [Group(str(year), year, str(year), list(group))
            for year, group in groupby(events, key=lambda e: e.date.year)]


def _all_events_pages(content: Content) -> list[PageModel]:
    everything = _by_date(content.events)
    timelines = sorted(content.timelines.values(), key=lambda t: (t.order, t.id))
    return _index(content, url="timeline/", group_dir="", groups=_year_groups(everything),
                  item_kind="events", template="timeline.html", kind="timeline",
                  size=content.site.timeline_page_size, title=strings_for(content.site)["timeline"],
                  description=fill(strings_for(content.site)["description_timeline"], description=content.site.description),
                  keys=_keys("events", content.events) | _keys("timelines", content.timelines),
                  shown_with=lambda event: _item_keys_cited("events", event),
                  timeline=None, timelines=timelines, topic_strip=None, funding_chart=None,
                  filter_topics=[t for t in content.site.topics if any(e.topic == t.id for e in everything)])


def _event_places(pages: list[PageModel]) -> dict[str, str]:
    """Where each event is listed: the address of its timeline page (a year's page when the
    timeline is split)."""
    return {event.id: page.url for page in pages for group in page.context["groups"]
            for event in group.items}


_CHART_FORMATTERS: dict[tuple, Any] = {}


def _chart_text(content: Content):
    """The interface strings and the date and number formatter the charts write their labels
    with: one formatter per language and strings, so its caches serve every page (imported
    here: render imports this module)."""
    strings = strings_for(content.site)
    key = (content.site.language, content.site.money.model_dump_json(), tuple(sorted(strings.items())))
    if key not in _CHART_FORMATTERS:
        _CHART_FORMATTERS.clear()
        _CHART_FORMATTERS[key] = Formatter(content.site.language, strings, content.site.money)
    return strings, _CHART_FORMATTERS[key]


def _with_charts(content: Content, pages: list[PageModel], events: list[schema.Event],
                 funding: bool, places: dict[str, str]) -> list[PageModel]:
    """Puts the charts on a timeline's first page (the only one, or the overview of a split
    one): the events per topic and year and, on a timeline with funding rounds, the figures
    of each round. The funding chart depends on the listing of every claim (figures are part
    of it), since any claim may gain a figure of a round."""
    strings, formatter = _chart_text(content)
    first = pages[0]
    strip = charts.topic_strip(events, list(content.site.topics),
                               lambda event: f"{places[event.id]}#event-{event.id}", strings,
                               language=content.site.language)
    chart, keys = None, set()
    if funding:
        figures = charts.funding_figures(content, formatter, {e.id for e in events})
        chart = charts.funding_chart(content, formatter, strings, figures)
        keys = (_listed_keys("claims", {f.claim for f in figures})
                | _listed_keys("sources", {f.source for f in figures}))
    first = dataclasses.replace(
        first, context={**first.context, "topic_strip": strip, "funding_chart": chart},
        depends_on=first.depends_on | keys | (_listed_keys("claims", content.claims) if funding else set()),
        updated=_newest(first.updated, _updated(content, keys)))
    return [first] + pages[1:]


def timeline_pages(content: Content, links: Links) -> list[PageModel]:
    everything = _by_date(content.events)
    timelines = sorted(content.timelines.values(), key=lambda t: (t.order, t.id))
    all_events = _all_events_pages(content)
    pages = _with_charts(content, all_events, everything, False, _event_places(all_events))
    for timeline in timelines:
        events = [e for e in everything if timeline.id in e.timelines]
        own = _index(content, url=item_url("timelines", timeline.id), group_dir="",
                        groups=_year_groups(events), item_kind="events", template="timeline.html",
                        kind="timeline", size=content.site.timeline_page_size, title=timeline.title, description=timeline.description,
                        keys=_keys("events", (e.id for e in events)) | _keys("timelines", content.timelines),
                        shown_with=lambda event: _item_keys_cited("events", event),
                        timeline=timeline, timelines=timelines, topic_strip=None, funding_chart=None,
                        filter_topics=[t for t in content.site.topics if any(e.topic == t.id for e in events)])
        pages += _with_charts(content, own, events, True, _event_places(own)) if events else own
    return pages


def event_page(content: Content, links: Links, event: schema.Event) -> PageModel:
    claims = [content.claims[c] for c in links.claims_of_event.get(event.id, []) if c in content.claims]
    entities = [content.entities[e] for e in event.entities]
    corrections = [content.corrections[c] for c in links.corrections_of.get(f"events/{event.id}", [])]
    keys = ({f"events/{event.id}"} | _item_keys_cited("events", event) | _listed_keys("claims", event.claims)
            | {k for c in corrections for k in _item_keys_cited("corrections", c)}
            | _listed_keys("claims", (c.id for c in claims)) | _listed_keys("entities", event.entities)
            | _keys("timelines", event.timelines) | _keys("corrections", (c.id for c in corrections)))
    return _page(content, url=item_url("events", event.id), template="event.html", kind="event",
                 title=event.title, description=_summary(event.body, event.title), keys=keys,
                 event=event, claims=claims, entities=entities, corrections=corrections,
                 timelines=[content.timelines[t] for t in event.timelines])


def claims_index(content: Content, links: Links) -> list[PageModel]:
    """The claims by topic, then a list of its own for each status (claims/status/<id>/)."""
    strings, claims = strings_for(content.site), list(content.claims.values())
    pages = _claims_by_topic(content, claims, url="claims/", title=strings["claims"], current=None,
                             description=fill(strings["description_claims"], title=content.site.title))
    for status in content.site.statuses:
        chosen = [c for c in claims if c.status == status.id]
        if chosen:
            pages += _claims_by_topic(content, chosen, url=claim_view.status_url(status.id), current=status.id,
                                      title=f'{strings["claims"]}: {status.label}', description=status.description)
    return pages


def _claims_by_topic(content: Content, claims: list, *, url: str, current: str | None, **fields) -> list[PageModel]:
    groups = [Group(topic.id, topic, topic.label,
                    sorted((c for c in claims if c.topic == topic.id), key=claim_view.index_order))
              for topic in content.site.topics]
    return _index(content, url=url, group_dir="topic/", groups=groups, item_kind="claims",
                  size=content.site.index_page_size, template="claims.html", kind="index",
                  keys=_listed_keys("claims", content.claims), item_keys=_listed_keys,
                  status_summary=claim_view.status_summary(content.claims.values(), content.site.statuses, current),
                  claims_total=len(content.claims), status_current=current, **fields)


def _figure_rows(claim: schema.Claim, content: Content) -> list[dict]:
    return [{"figure": cited.figure, "source": content.sources[cited.source], "cited": cited}
            for cited in claim.sources if cited.figure]


def claim_page(content: Content, links: Links, claim: schema.Claim) -> PageModel:
    rows = claim_view.evidence_rows([{"cited": cited, "source": content.sources[cited.source]}
                                     for cited in claim.sources])
    figures = _figure_rows(claim, content)
    differ = len({(f["figure"].value, f["figure"].measures, f["figure"].comparator)
                  for f in figures}) > 1
    event_ids = links.events_of_claim.get(claim.id, [])
    corrections = [content.corrections[c] for c in links.corrections_of.get(f"claims/{claim.id}", [])]
    statuses = {s.id: s for s in content.site.statuses}
    keys = ({f"claims/{claim.id}"} | _item_keys_cited("claims", claim) | _listed_keys("events", event_ids)
            | {k for c in corrections for k in _item_keys_cited("corrections", c)}
            | _listed_keys("entities", claim.entities) | _keys("corrections", (c.id for c in corrections)))
    chart = None
    if differ and any(f["figure"].funding_event for f in figures):
        strings, formatter = _chart_text(content)
        chart = charts.funding_chart(content, formatter, strings,
                                     charts.funding_figures(content, formatter, claims=[claim]))
        keys |= _listed_keys("events", (f["figure"].funding_event for f in figures if f["figure"].funding_event))
    return _page(content, url=item_url("claims", claim.id), template="claim.html", kind="claim",
                 funding_chart=chart,
                 title=claim.statement, description=fill(strings_for(content.site)["claim_description"], 
                     status=statuses[claim.status].label, statement=claim.statement,
                     claimant=claim.claimant), keys=keys,
                 claim=claim, status=statuses[claim.status], rows=rows, figures=figures,
                 figures_differ=differ, figure_groups=claim_view.grouped_figures(figures),
                 history=[(change, statuses[change.status]) for change in claim.history],
                 events=_by_date(content.events, event_ids),
                 entities=[content.entities[e] for e in claim.entities],
                 corrections=corrections,
                 topic=next(t for t in content.site.topics if t.id == claim.topic),
                 structured_data=_claim_review(content, claim, statuses[claim.status], corrections))


def _letter(outlet: str) -> str:
    first = outlet.strip()[:1].lower()
    return first if "a" <= first <= "z" else "other"


def _claim_review(content: Content, claim: schema.Claim, status: schema.Status,
                  corrections: list) -> dict | None:
    """schema.org ClaimReview, for statuses that are a verdict (they carry a rating)."""
    if status.rating is None:
        return None
    review = {"@context": "https://schema.org", "@type": "ClaimReview",
              "url": content.site.base_url + item_url("claims", claim.id),
              "claimReviewed": claim.statement, "datePublished": claim.added.isoformat(),
              "dateModified": claim.updated.isoformat(), "author": _publisher(content.site),
              "reviewRating": {"@type": "Rating", "ratingValue": status.rating.value, "bestRating": 5,
                               "worstRating": 1, "alternateName": status.rating.label},
              "itemReviewed": {"@type": "Claim", "name": claim.statement, "appearance": [
                  {"@type": "CreativeWork", "url": url} for url in dict.fromkeys(
                      content.sources[c.source].url for c in claim.sources) if url]}}
    if claim.date:
        review["itemReviewed"]["datePublished"] = claim.date.iso()
    if corrections:
        review["correction"] = [_correction_comment(c) for c in corrections]
    return review


def _correction_comment(correction: schema.Correction) -> dict:
    return {"@type": "CorrectionComment", "datePublished": correction.date.isoformat(),
            "text": f"{correction.wrong} {plain_text(correction.right)}"}


def sources_index(content: Content, links: Links) -> list[PageModel]:
    ordered = sorted(content.sources.values(),
                     key=lambda s: (s.outlet.lower(), s.published.sort_key() if s.published else ("",), s.id))
    letters = sorted({_letter(s.outlet) for s in ordered}, key=lambda l: (l == "other", l))
    groups = [Group(letter, letter.upper() if letter != "other" else "#",
                    letter.upper() if letter != "other" else "#",
                    [s for s in ordered if _letter(s.outlet) == letter]) for letter in letters]
    return _index(content, url="sources/", group_dir="letter/", groups=groups, item_kind="sources",
                  size=content.site.index_page_size,
                  template="sources.html", kind="index", title=strings_for(content.site)["sources"],
                  description=fill(strings_for(content.site)["description_sources"], title=content.site.title),
                  keys=_listed_keys("sources", content.sources), item_keys=_listed_keys,
                  shown_with=lambda source: {f"{kind}/{key}{LISTED}" for kind, key in links.citing.get(source.id, [])},
                  citing={key: len(links.citing.get(key, [])) for key in content.sources})


def source_page(content: Content, links: Links, source: schema.Source) -> PageModel:
    citing = links.citing.get(source.id, [])
    by_kind = lambda kind: [content.kind(kind)[key] for k, key in citing if k == kind]  # noqa: E731
    claims = by_kind("claims")
    stances = {claim.id: [c.stance for c in claim.sources if c.source == source.id] for claim in claims}
    reposts = [content.sources[key] for key in links.reposts_of.get(source.id, [])]
    original = content.sources.get(source.repost_of) if source.repost_of else None
    keys = ({f"sources/{source.id}"} | {f"{kind}/{key}{LISTED}" for kind, key in citing}
            | _keys("sources", (s.id for s in reposts)) | ({f"sources/{original.id}"} if original else set()))
    return _page(content, url=item_url("sources", source.id), template="source.html", kind="source",
                 title=source.title, description=f"{source.outlet}: {source.title}", keys=keys,
                 source=source, claims=claims, stances=stances,
                 events=_by_date(content.events, [e.id for e in by_kind("events")]),
                 entities=by_kind("entities"), pages=by_kind("pages"),
                 reposts=reposts, original=original)


def entities_index(content: Content, links: Links) -> list[PageModel]:
    strings = strings_for(content.site)
    kinds = sorted({e.kind for e in content.entities.values()})
    groups = [Group(kind, kind, strings[f"entity_{kind}"],
                    sorted((e for e in content.entities.values() if e.kind == kind),
                           key=lambda e: (e.name.lower(), e.id))) for kind in kinds]
    pages = _index(content, url="entities/", group_dir="kind/", groups=groups, item_kind="entities",
                   size=content.site.index_page_size,
                   template="entities.html", kind="index", title=strings["entities"],
                   description=fill(strings_for(content.site)["description_entities"], title=content.site.title),
                   keys=_listed_keys("entities", content.entities), item_keys=_listed_keys, network=None)
    diagram = charts.network(content.entities, strings)
    if diagram:
        shown_sources = {s for n in diagram.nodes for r in n.relations for s in r.sources}
        first = pages[0]
        pages[0] = dataclasses.replace(first, context={**first.context, "network": diagram},
                                       depends_on=first.depends_on | _listed_keys("sources", shown_sources))
    return pages


def entity_page(content: Content, links: Links, entity: schema.Entity) -> PageModel:
    outgoing = [(relation, content.entities[relation.to]) for relation in entity.relations]
    incoming = sorted(((content.entities[key].relations[index], content.entities[key]) for key, index
                       in links.incoming_relations.get(entity.id, [])),
                      key=lambda pair: (pair[0].kind, pair[1].name.lower(), pair[1].id))
    mentions = links.mentions_of_entity.get(entity.id, [])
    claims = [content.claims[key] for kind, key in mentions if kind == "claims"]
    events = _by_date(content.events, [key for kind, key in mentions if kind == "events"])
    keys = ({f"entities/{entity.id}"} | _item_keys_cited("entities", entity)
            | _listed_keys("entities", (e.id for _, e in outgoing + incoming))
            | {f"{kind}/{key}{LISTED}" for kind, key in mentions}
            | _listed_keys("events", (r.event for r, _ in outgoing + incoming if r.event)))
    return _page(content, url=item_url("entities", entity.id), template="entity.html",
                 kind="entity", title=entity.name,
                 description=_summary(entity.description, entity.name), keys=keys,
                 entity=entity, relation_groups=entity_view.relation_groups(outgoing, incoming),
                 claims=entity_view.capped(claims), events=entity_view.capped(events),
                 structured_data={"@context": "https://schema.org",
                                  "@type": "Person" if entity.kind == "person" else "Organization",
                                  "name": entity.name, "alternateName": list(entity.aliases),
                                  "description": _summary(entity.description, entity.name),
                                  "url": content.site.base_url + item_url("entities", entity.id)},
                 relation_events={r.event: content.events[r.event] for r, _ in outgoing + incoming
                                  if r.event})


def _publisher(site: schema.Site) -> dict:
    return {"@type": "Organization", "name": site.publisher.name,
            **({"url": site.publisher.url} if site.publisher.url else {})}


def markdown_page(content: Content, links: Links, page: schema.Page) -> PageModel:
    site = content.site
    article = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": page.title,
               "description": page.summary, "datePublished": page.added.isoformat(),
               "dateModified": page.updated.isoformat(), "inLanguage": site.language,
               "author": [{"@type": "Person", "name": a.name, **({"url": a.url} if a.url else {})}
                          for a in site.authors],
               "publisher": _publisher(site), "url": site.base_url + page_url(page)}
    return _page(content, url=page_url(page), template="page.html", kind="page", title=page.title,
                 description=page.summary, keys={f"pages/{page.id}"} | _item_keys_cited("pages", page)
                 | {listed(key) for key in report_keys(content, page.reports)},
                 article=page, structured_data=article, reports=reports_for(content, page.reports))


def corrections_page(content: Content, links: Links) -> PageModel:
    ordered = sorted(content.corrections.values(), key=lambda c: (c.date, c.id), reverse=True)
    targets = {c.id: _target(content, c.item) for c in ordered}
    return _page(content, url="corrections/", template="corrections.html", kind="index",
                 title=strings_for(content.site)["corrections"],
                 description=fill(strings_for(content.site)["description_corrections"], title=content.site.title),
                 keys=_keys("corrections", content.corrections) | {listed(c.item) for c in ordered}
                 | {k for c in ordered for k in _item_keys_cited("corrections", c)},
                 corrections=ordered, targets=targets,
                 structured_data={"@context": "https://schema.org", "@type": "WebPage",
                                  "name": strings_for(content.site)["corrections"],
                                  "url": content.site.base_url + "corrections/",
                                  "correction": [_correction_comment(c) for c in ordered]}
                 if ordered else None)


def _target(content: Content, key: str) -> dict:
    kind, _, item_id = key.partition("/")
    item = content.kind(kind)[item_id]
    label = getattr(item, "statement", None) or getattr(item, "title", None) or item.name
    url = page_url(item) if kind == "pages" else item_url(kind, item_id)
    return {"kind": kind, "label": label, "url": url}


def not_found_page(content: Content) -> PageModel:
    page = _page(content, url="404.html", template="404.html", kind="404",
                 title=strings_for(content.site)["page_not_found"],
                 description=content.site.description, keys=set())
    return PageModel(**{**page.__dict__, "in_sitemap": False})


def search_page(content: Content, links: Links) -> PageModel:
    """The search page: Pagefind runs in the browser. Without JavaScript it still lists the
    indexes by kind, topic and year, linked to the pages that exist (a topic or a year has a
    page of its own once its index is split, else an anchor on the index)."""
    strings = strings_for(content.site)
    index_urls = {p.url for p in claims_index(content, links) + timeline_pages(content, links)}

    def place(own: str, anchor: str) -> str:
        return own if own in index_urls else anchor

    topics = [(topic, place(f"claims/topic/{topic.id}/", f"claims/#group-{topic.id}"))
              for topic in content.site.topics if any(c.topic == topic.id for c in content.claims.values())]
    years = [(group.key, place(f"timeline/{group.key}/", f"timeline/#year-{group.key}"))
             for group in _year_groups(_by_date(content.events))]
    kinds = [(strings[key], url) for key, url in (("claims", "claims/"), ("timeline", "timeline/"),
             ("sources", "sources/"), ("entities", "entities/"), ("corrections", "corrections/"))]
    page = _page(content, url="search/", template="search.html", kind="search",
                 title=strings["search"],
                 description=fill(strings["search_description"], title=content.site.title),
                 keys=_listed_keys("claims", content.claims) | _listed_keys("events", content.events),
                 kinds=kinds, topics=topics, years=years,
                 filter_kinds=[strings[k] for k in ("claim", "event", "source", "entity", "page")],
                 # for a name, the site's own pages about it before the sources that mention it
                 rank_first=[strings[k] for k in ("entity", "claim")], rank_last=[strings["source"]],
                 filter_topics=[t.label for t in content.site.topics])
    # Out of the sitemap: with no query the page has nothing of its own to find, and its
    # results are made in the browser; the indexes it links to are listed there already.
    return dataclasses.replace(page, in_sitemap=False)


def redirect_pages(content: Content, only: set[str] | None = None) -> list[PageModel]:
    """A plain page at every old address, pointing to the new one (Netlify also gets _redirects);
    with `only`, just those of the items with these keys."""
    pages = []
    for kind in ("sources", "claims", "events", "entities", "timelines"):
        items = content.kind(kind)
        if only is not None:
            items = {key: items[key] for key in sorted(k.partition("/")[2] for k in only
                                                         if k.startswith(kind + "/")) if key in items}
        for item in items.values():
            for old in item.old_ids:
                target = item_url(kind, item.id)
                pages.append(PageModel(
                    url=item_url(kind, old), template="redirect.html", kind="redirect",
                    title=getattr(item, "statement", None) or getattr(item, "title", None)
                    or getattr(item, "name", item.id), description="", updated=item.updated,
                    depends_on=frozenset({f"{kind}/{item.id}", SITE_KEY}),
                    context={"target": target}, in_sitemap=False))
    return pages


def _summary(markdown_text: str, fallback: str) -> str:
    text = plain_text(markdown_text) or fallback
    return text if len(text) <= 200 else text[:197].rsplit(" ", 1)[0] + "…"


ITEM_PAGES = {"events": event_page, "claims": claim_page, "sources": source_page,
              "entities": entity_page, "pages": markdown_page}


FAMILIES = {
    "home": lambda content, links: [home_page(content, links)],
    "timelines": lambda content, links: timeline_pages(content, links),
    "claims": lambda content, links: claims_index(content, links),
    "sources": lambda content, links: sources_index(content, links),
    "entities": lambda content, links: entities_index(content, links),
    "corrections": lambda content, links: [corrections_page(content, links)],
    "404": lambda content, links: [not_found_page(content)],
    "data": lambda content, links: [data_page(content)],
    "search": lambda content, links: [search_page(content, links)],
}


def data_page(content: Content) -> PageModel:
    site = content.site
    strings = strings_for(site)
    kinds = [{"kind": kind, "label": strings.get(kind, kind.capitalize()),
              "count": len(content.kind(kind)), "json": f"{DATA_DIR}{kind}.json",
              "csv": f"{DATA_DIR}{kind}.csv", "schema": f"{DATA_DIR}schemas/{EXPORTED[kind]}",
              "fields": field_rows(kind, site)} for kind in EXPORTED]
    # the page shows counts and the newest `updated`: what lists show, not notes
    keys = {listed(f"{kind}/{key}") for kind in EXPORTED for key in content.kind(kind)}
    return _page(content, url=DATA_DIR, template="data.html", kind="data",
                title=strings["open_data"],
                description=f"Every claim, event, source, entity and correction of "
                            f"{site.title}, as JSON and CSV, with schemas.",
                keys=keys, kinds=kinds, schemas=sorted(data_schemas()),
                site_json=f"{DATA_DIR}site.json", sources_count=len(content.sources),
                citation_title=f"{site.title}: {strings['open_data']}")


def site_wide_pages(content: Content, links: Links, families=FAMILIES) -> list[PageModel]:
    """The pages that gather many items: home, timelines, indexes, corrections, 404."""
    return [page for family in families for page in FAMILIES[family](content, links)]


def family_of(page: PageModel) -> str | None:
    """Which builder in FAMILIES made a site-wide page."""
    if page.kind in ("home", "timeline", "404", "search"):
        return {"home": "home", "timeline": "timelines", "404": "404", "search": "search"}[page.kind]
    if page.kind in ("index", "data"):
        return page.url.split("/", 1)[0]
    return None


def item_page(content: Content, links: Links, kind: str, key: str) -> PageModel | None:
    """The page of one item, or None when the kind has no pages of its own (timelines and
    corrections are shown on site-wide pages) or the item is not published."""
    builder = ITEM_PAGES.get(kind)
    item = content.kind(kind).get(key) if builder else None
    if item is None:
        return None
    return dataclasses.replace(builder(content, links, item), item=f"{kind}/{key}")


def build_pages(content: Content, links: Links | None = None) -> list[PageModel]:
    """Every page of the site, in a stable order."""
    links = link_content(content) if links is None else links
    pages = site_wide_pages(content, links)
    for kind in ITEM_PAGES:
        pages += [item_page(content, links, kind, key) for key in content.kind(kind)]
    pages += redirect_pages(content)
    return pages
