"""Stage 3, model: validated content to page models. Pure functions, no I/O.

A page model is everything a template lays out, already sorted, grouped and linked, plus what
the page was made from (`depends_on`: content keys such as "claims/valuation" and "site"), so a
later rebuild can tell which pages a change touches. Builders never write those keys: they
read the content through a view that records them (page_model.ContentView).
"""
from __future__ import annotations

import dataclasses
from itertools import groupby

from . import charts, claim_view, funding_chart, network_chart, schema
from .data_schemas import DATA_DIR, EXPORTED, data_schemas, field_rows
from .item_pages import (
    _correction_comment,
    _letter,
    claim_page,
    entity_page,
    event_page,
    markdown_page,
    source_page,
)
from .page_model import (
    SITE_KEY,
    ContentView,
    Group,
    Links,
    PageModel,
    by_date,
    chart_text,
    index_pages,
    is_split,
    item_label,
    item_url,
    link_content,
    make_page,
    newest_date,
    page_keys,
    page_url,
    updated_among,
    viewed,
)
from .strings import fill, strings_for
from .validate import Content

# --- one builder per page kind ------------------------------------------------------------------

def home_page(content: Content, links: Links) -> PageModel:
    content = viewed(content)
    strands = [{"timeline": timeline,
                "events": len([e for e in content.events.values() if timeline.id in e.timelines])}
               for timeline in sorted(content.timelines.values(), key=lambda t: (t.order, t.id))]
    # "latest updates" ranks every claim, event and page by date: any listing change may reorder it
    updates = sorted(
        [("claims", c) for c in content.claims.values()] + [("events", e) for e in content.events.values()]
        + [("pages", p) for p in content.pages.values()],
        key=lambda pair: (-pair[1].updated.toordinal(), pair[0], pair[1].id))[:8]
    corrections = sorted(content.corrections.values(), key=lambda c: (c.date, c.id), reverse=True)[:3]
    story = next((p for p in content.pages.values() if p.slug == "story"), None)
    content.cites("site", content.site)   # the intro's notes
    places = _event_places(_all_events_pages(content))
    strip = charts.topic_strip(by_date(content.events), list(content.site.topics),
                               lambda event: f"{places[event.id]}#event-{event.id}",
                               strings_for(content.site), language=content.site.language)
    return make_page(content, url="", template="home.html", kind="home", title=content.site.title,
                 description=content.site.description, strands=strands, topic_strip=strip,
                 updates=[_update(kind, item) for kind, item in updates],
                 corrections=corrections, story=story,
                 statuses=content.site.statuses)


def _update(kind: str, item) -> dict:
    if kind == "pages":
        return {"kind": "page", "title": item.title, "url": page_url(item), "updated": item.updated}
    return {"kind": kind[:-1], "url": item_url(kind, item.id), "updated": item.updated,
            "title": item_label(item)}


def _year_groups(events: list[schema.Event]) -> list[Group]:
    return [Group(str(year), year, str(year), list(group))
            for year, group in groupby(events, key=lambda e: e.date.year)]


def _all_events_pages(content: Content) -> list[PageModel]:
    content = viewed(content)
    everything = by_date(content.events)
    timelines = sorted(content.timelines.values(), key=lambda t: (t.order, t.id))
    return index_pages(content, url="timeline/", group_dir="", groups=_year_groups(everything), whole=True,
                  item_kind="events", template="timeline.html", kind="timeline",
                  size=content.site.timeline_page_size, title=strings_for(content.site)["timeline"],
                  description=fill(strings_for(content.site)["description_timeline"], description=content.site.description),
                  timeline=None, timelines=timelines, topic_strip=None, funding_chart=None,
                  filter_topics=[t for t in content.site.topics if any(e.topic == t.id for e in everything)])


def _event_places(pages: list[PageModel]) -> dict[str, str]:
    """Where each event is listed: the address of its timeline page (a year's page when the
    timeline is split)."""
    return {event.id: page.url for page in pages for group in page.context["groups"]
            for event in group.items}




def _with_charts(content: Content, pages: list[PageModel], events: list[schema.Event],
                 funding: bool, places: dict[str, str]) -> list[PageModel]:
    """Puts the charts on a timeline's first page (the only one, or the overview of a split
    one): the events per topic and year and, on a timeline with funding rounds, the figures
    of each round. The funding chart depends on the listing of every claim (figures are part
    of it), since any claim may gain a figure of a round."""
    strings, formatter = chart_text(content)
    first = pages[0]
    strip = charts.topic_strip(events, list(content.site.topics),
                               lambda event: f"{places[event.id]}#event-{event.id}", strings,
                               language=content.site.language)
    chart, read, shown = None, viewed(content), viewed(content)   # what the chart reads; what it shows
    if funding:
        figures = funding_chart.funding_figures(read, formatter, {e.id for e in events})
        chart = funding_chart.funding_chart(read, formatter, strings, figures)
        for figure in figures:   # taken to be shown: the page's date is the newest of them
            shown.claims[figure.claim]
            shown.sources[figure.source]
    first = dataclasses.replace(
        first, context={**first.context, "topic_strip": strip, "funding_chart": chart},
        depends_on=page_keys(first.depends_on | read.keys), updated=newest_date(first.updated, updated_among(content, shown.keys)))
    return [first] + pages[1:]


def timeline_pages(content: Content, links: Links) -> list[PageModel]:
    content = viewed(content)
    everything = by_date(content.events)
    timelines = sorted(content.timelines.values(), key=lambda t: (t.order, t.id))
    all_events = _all_events_pages(content)
    pages = _with_charts(content, all_events, everything, False, _event_places(all_events))
    for timeline in timelines:
        read = content.fresh()
        events = [read.events[e.id] for e in everything if timeline.id in e.timelines]
        own = index_pages(read, url=item_url("timelines", timeline.id), group_dir="", whole=True,
                        groups=_year_groups(events), item_kind="events", template="timeline.html",
                        kind="timeline", size=content.site.timeline_page_size, title=timeline.title, description=timeline.description,
                        timeline=timeline, topic_strip=None, funding_chart=None,
                        timelines=sorted(read.timelines.values(), key=lambda t: (t.order, t.id)),
                        filter_topics=[t for t in content.site.topics if any(e.topic == t.id for e in events)])
        pages += _with_charts(content, own, events, True, _event_places(own)) if events else own
    return pages


def claims_index(content: Content, links: Links) -> list[PageModel]:
    """The claims by topic, then a list of its own for each status (claims/status/<id>/)."""
    content = viewed(content)
    strings, claims = strings_for(content.site), list(content.claims.values())
    pages = _claims_by_topic(content, claims, url="claims/", title=strings["claims"], current=None,
                             description=fill(strings["description_claims"], title=content.site.title))
    for status in content.site.statuses:
        chosen = [c for c in claims if c.status == status.id]
        if chosen:
            pages += _claims_by_topic(content, chosen, url=claim_view.status_url(status.id), current=status.id,
                                      title=f'{strings["claims"]}: {status.label}', description=status.description)
    return pages


def _claims_by_topic(content: ContentView, claims: list, *, url: str, current: str | None, **fields) -> list[PageModel]:
    content = content.fresh()   # each list reads every claim's listing: its status summary counts them all
    groups = [Group(topic.id, topic, topic.label,
                    sorted((c for c in claims if c.topic == topic.id), key=claim_view.index_order))
              for topic in content.site.topics]
    return index_pages(content, url=url, group_dir="topic/", groups=groups, item_kind="claims",
                  size=content.site.index_page_size, template="claims.html", kind="index",
                  status_summary=claim_view.status_summary(content.claims.values(), content.site.statuses, current),
                  claims_total=len(content.claims), status_current=current, **fields)


def sources_index(content: Content, links: Links) -> list[PageModel]:
    content = viewed(content)
    ordered = sorted(content.sources.values(),
                     key=lambda s: (s.outlet.lower(), s.published.sort_key() if s.published else ("",), s.id))
    letters = sorted({_letter(s.outlet) for s in ordered}, key=lambda l: (l == "other", l))
    groups = [Group(letter, letter.upper() if letter != "other" else "#",
                    letter.upper() if letter != "other" else "#",
                    [s for s in ordered if _letter(s.outlet) == letter]) for letter in letters]
    return index_pages(content, url="sources/", group_dir="letter/", groups=groups, item_kind="sources",
                  size=content.site.index_page_size,
                  template="sources.html", kind="index", title=strings_for(content.site)["sources"],
                  description=fill(strings_for(content.site)["description_sources"], title=content.site.title),
                  shown_with=lambda view, source: [view.kind(kind)[key] for kind, key in links.citing.get(source.id, [])],
                  citing={key: len(links.citing.get(key, [])) for key in content.sources})


def entities_index(content: Content, links: Links) -> list[PageModel]:
    content = viewed(content)
    strings = strings_for(content.site)
    kinds = sorted({e.kind for e in content.entities.values()})
    groups = [Group(kind, kind, strings[f"entity_{kind}"],
                    sorted((e for e in content.entities.values() if e.kind == kind),
                           key=lambda e: (e.name.lower(), e.id))) for kind in kinds]
    pages = index_pages(content, url="entities/", group_dir="kind/", groups=groups, item_kind="entities",
                   size=content.site.index_page_size,
                   template="entities.html", kind="index", title=strings["entities"],
                   description=fill(strings_for(content.site)["description_entities"], title=content.site.title),
                   network=None)
    diagram = network_chart.network(content.entities, strings)
    if diagram:
        read = viewed(content)   # the sources of the relations drawn, which the diagram's table lists
        for source in sorted({s for n in diagram.nodes for r in n.relations for s in r.sources}):
            read.sources[source]
        first = pages[0]
        pages[0] = dataclasses.replace(first, context={**first.context, "network": diagram},
                                       depends_on=page_keys(first.depends_on | read.keys))
    return pages


def corrections_page(content: Content, links: Links) -> PageModel:
    content = viewed(content)
    ordered = sorted((content.corrections.whole(key) for key in content.corrections),
                     key=lambda c: (c.date, c.id), reverse=True)
    targets = {c.id: correction_target(content, c.item) for c in ordered}
    return make_page(content, url="corrections/", template="corrections.html", kind="index",
                 title=strings_for(content.site)["corrections"],
                 description=fill(strings_for(content.site)["description_corrections"], title=content.site.title),
                 corrections=ordered, targets=targets,
                 structured_data={"@context": "https://schema.org", "@type": "WebPage",
                                  "name": strings_for(content.site)["corrections"],
                                  "url": content.site.base_url + "corrections/",
                                  "correction": [_correction_comment(c) for c in ordered]}
                 if ordered else None)


def correction_target(content: Content, key: str) -> dict:
    kind, _, item_id = key.partition("/")
    item = content.kind(kind)[item_id]
    label = item_label(item)
    url = page_url(item) if kind == "pages" else item_url(kind, item_id)
    return {"kind": kind, "label": label, "url": url}


def not_found_page(content: Content) -> PageModel:
    page = make_page(viewed(content), url="404.html", template="404.html", kind="404",
                 title=strings_for(content.site)["page_not_found"],
                 description=content.site.description)
    return PageModel(**{**page.__dict__, "in_sitemap": False})


def search_page(content: Content, links: Links) -> PageModel:
    """The search page: Pagefind runs in the browser. Without JavaScript it still lists the
    indexes by kind, topic and year, linked to the pages that exist (a topic or a year has a
    page of its own once its index is split, else an anchor on the index)."""
    content = viewed(content)
    strings = strings_for(content.site)
    # the claims index and the timeline have a page per topic and per year once they are split
    topic_pages = is_split(len(content.claims), content.site.index_page_size)
    year_pages = is_split(len(content.events), content.site.timeline_page_size)
    topics = [(topic, f"claims/topic/{topic.id}/" if topic_pages else f"claims/#group-{topic.id}")
              for topic in content.site.topics if any(c.topic == topic.id for c in content.claims.values())]
    years = [(group.key, f"timeline/{group.key}/" if year_pages else f"timeline/#year-{group.key}")
             for group in _year_groups(by_date(content.events))]
    kinds = [(strings[key], url) for key, url in (("claims", "claims/"), ("timeline", "timeline/"),
             ("sources", "sources/"), ("entities", "entities/"), ("corrections", "corrections/"))]
    page = make_page(content, url="search/", template="search.html", kind="search",
                 title=strings["search"],
                 description=fill(strings["search_description"], title=content.site.title),
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
                    title=item_label(item) or item.id, description="", updated=item.updated,
                    depends_on=frozenset({f"{kind}/{item.id}", SITE_KEY}),
                    context={"target": target}, in_sitemap=False))
    return pages


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
    content = viewed(content)
    site = content.site
    strings = strings_for(site)
    # the page shows how many of each kind there are and the newest `updated`: what lists show
    items = {kind: list(content.kind(kind).values()) for kind in EXPORTED}
    kinds = [{"kind": kind, "label": strings.get(kind, kind.capitalize()),
              "count": len(items[kind]), "json": f"{DATA_DIR}{kind}.json",
              "csv": f"{DATA_DIR}{kind}.csv", "schema": f"{DATA_DIR}schemas/{EXPORTED[kind]}",
              "fields": field_rows(kind, site)} for kind in EXPORTED]
    return make_page(content, url=DATA_DIR, template="data.html", kind="data",
                title=strings["open_data"],
                description=f"Every claim, event, source, entity and correction of "
                            f"{site.title}, as JSON and CSV, with schemas.",
                kinds=kinds, schemas=sorted(data_schemas()),
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
    view = ContentView(content)
    return dataclasses.replace(builder(view, links, view.kind(kind).whole(key)), item=f"{kind}/{key}")


def build_pages(content: Content, links: Links | None = None) -> list[PageModel]:
    """Every page of the site, in a stable order."""
    links = link_content(content) if links is None else links
    pages = site_wide_pages(content, links)
    for kind in ITEM_PAGES:
        pages += [item_page(content, links, kind, key) for key in content.kind(kind)]
    pages += redirect_pages(content)
    return pages
