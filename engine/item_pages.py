"""The page of each item: an event, a claim, a source, an entity, a Markdown page. Pure functions
from the validated content (and its reverse links) to page models. Each builder reads the
content through a view (page_model.ContentView) that records what the page depends on: the
item itself whole (model.item_page takes it), what else it shows whole (`whole`: a correction's
text), and the listing of anything else it takes."""
from __future__ import annotations

from . import claim_view, entity_view, funding_chart, schema
from .markdown import plain_text
from .page_model import ContentView, Links, PageModel, by_date, chart_text, item_url, make_page, page_url
from .reports import reports_for
from .strings import fill, strings_for


def event_page(content: ContentView, links: Links, event: schema.Event) -> PageModel:
    claims = [content.claims[c] for c in links.claims_of_event.get(event.id, []) if c in content.claims]
    entities = [content.entities[e] for e in event.entities]
    corrections = [content.corrections.whole(c) for c in links.corrections_of.get(f"events/{event.id}", [])]
    return make_page(content, url=item_url("events", event.id), template="event.html", kind="event",
                 title=event.title, description=_summary(event.body, event.title),
                 event=event, claims=claims, entities=entities, corrections=corrections,
                 timelines=[content.timelines[t] for t in event.timelines])


def _figure_rows(claim: schema.Claim, content: ContentView) -> list[dict]:
    return [{"figure": cited.figure, "source": content.sources[cited.source], "cited": cited}
            for cited in claim.sources if cited.figure]


def claim_page(content: ContentView, links: Links, claim: schema.Claim) -> PageModel:
    rows = claim_view.evidence_rows([{"cited": cited, "source": content.sources[cited.source]}
                                     for cited in claim.sources])
    figures = _figure_rows(claim, content)
    differ = len({(f["figure"].value, f["figure"].measures, f["figure"].comparator)
                  for f in figures}) > 1
    event_ids = links.events_of_claim.get(claim.id, [])
    corrections = [content.corrections.whole(c) for c in links.corrections_of.get(f"claims/{claim.id}", [])]
    statuses = {s.id: s for s in content.site.statuses}
    chart = None
    if differ and any(f["figure"].funding_event for f in figures):
        strings, formatter = chart_text(content)
        chart = funding_chart.funding_chart(content, formatter, strings,
                                     funding_chart.funding_figures(content, formatter, claims=[claim]))
    return make_page(content, url=item_url("claims", claim.id), template="claim.html", kind="claim",
                 funding_chart=chart,
                 title=claim.statement, description=fill(strings_for(content.site)["claim_description"], 
                     status=statuses[claim.status].label, statement=claim.statement,
                     claimant=claim.claimant),
                 claim=claim, status=statuses[claim.status], rows=rows, figures=figures,
                 figures_differ=differ, figure_groups=claim_view.grouped_figures(figures),
                 history=[(change, statuses[change.status]) for change in claim.history],
                 events=by_date(content.events, event_ids),
                 entities=[content.entities[e] for e in claim.entities],
                 corrections=corrections,
                 topic=next(t for t in content.site.topics if t.id == claim.topic),
                 structured_data=_claim_review(content, claim, statuses[claim.status], corrections))


def _letter(outlet: str) -> str:
    first = outlet.strip()[:1].lower()
    return first if "a" <= first <= "z" else "other"


def _claim_review(content: ContentView, claim: schema.Claim, status: schema.Status,
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


def source_page(content: ContentView, links: Links, source: schema.Source) -> PageModel:
    # everything that cites it (listed: its "cited by" lists), the kinds it does not list too
    citing = [(kind, content.kind(kind)[key]) for kind, key in links.citing.get(source.id, [])]
    by_kind = lambda wanted: [item for kind, item in citing if kind == wanted]  # noqa: E731
    claims = by_kind("claims")
    stances = {claim.id: [c.stance for c in claim.sources if c.source == source.id] for claim in claims}
    reposts = [content.sources[key] for key in links.reposts_of.get(source.id, [])]
    original = content.sources.get(source.repost_of) if source.repost_of else None
    return make_page(content, url=item_url("sources", source.id), template="source.html", kind="source",
                 title=source.title, description=f"{source.outlet}: {source.title}",
                 source=source, claims=claims, stances=stances,
                 events=by_date(content.events, [e.id for e in by_kind("events")]),
                 entities=by_kind("entities"), pages=by_kind("pages"),
                 reposts=reposts, original=original)


def entity_page(content: ContentView, links: Links, entity: schema.Entity) -> PageModel:
    outgoing = [(relation, content.entities[relation.to]) for relation in entity.relations]
    incoming = sorted(((content.entities[key].relations[index], content.entities[key]) for key, index
                       in links.incoming_relations.get(entity.id, [])),
                      key=lambda pair: (pair[0].kind, pair[1].name.lower(), pair[1].id))
    mentions = links.mentions_of_entity.get(entity.id, [])
    claims = [content.claims[key] for kind, key in mentions if kind == "claims"]
    events = by_date(content.events, [key for kind, key in mentions if kind == "events"])
    return make_page(content, url=item_url("entities", entity.id), template="entity.html",
                 kind="entity", title=entity.name,
                 description=_summary(entity.description, entity.name),
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


def markdown_page(content: ContentView, links: Links, page: schema.Page) -> PageModel:
    site = content.site
    article = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": page.title,
               "description": page.summary, "datePublished": page.added.isoformat(),
               "dateModified": page.updated.isoformat(), "inLanguage": site.language,
               "author": [{"@type": "Person", "name": a.name, **({"url": a.url} if a.url else {})}
                          for a in site.authors],
               "publisher": _publisher(site), "url": site.base_url + page_url(page)}
    return make_page(content, url=page_url(page), template="page.html", kind="page", title=page.title,
                 description=page.summary, article=page, structured_data=article, reports=reports_for(content, page.reports))


def _summary(markdown_text: str, fallback: str) -> str:
    text = plain_text(markdown_text) or fallback
    return text if len(text) <= 200 else text[:197].rsplit(" ", 1)[0] + "…"
