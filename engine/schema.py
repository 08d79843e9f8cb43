"""The content schema: one definition for validation, for the typed objects the templates get,
and for the JSON Schema files in schemas/ that editors' YAML plugins read.

Pydantic v2 because one class gives all three: it validates with precise error locations
(which validate.py maps back to YAML line and column), builds frozen typed objects, and exports
JSON Schema, so the editor's plugin and the build can never disagree.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from .field_types import (
    EMAIL,
    Contact,
    DateText,
    Day,
    Item,
    Markdown,
    Number,
    Slug,
    Strict,
    Text,
    WebURL,
    Whole,
    Word,
    checked_time_zone,
)
from .theme import checked_colour

# --- site.yaml --------------------------------------------------------------------------------

class Person(Strict):
    name: Text
    url: WebURL | None = None


class Licence(Strict):
    name: Text
    url: WebURL | None = None


class Topic(Strict):
    id: Slug
    label: Text
    description: Text


Tone = Literal["confirmed", "false", "disputed", "unverified", "neutral"]


class Rating(Strict):
    """How a status reads as a ClaimReview rating (1 = false … 5 = true), for fact-check
    aggregators such as Google's Fact Check Explorer."""

    value: int = Field(ge=1, le=5)
    label: Text


class Status(Strict):
    id: Slug
    label: Text
    description: Text
    rating: Rating | None = Field(None, description="leave out for statuses that are not a verdict")
    symbol: Text = Field(description="a character shown beside the label, so status never "
                                     "relies on colour alone, e.g. ✓")
    tone: Tone = Field(description="the colour family the stylesheet gives this status")


class Admin(Strict):
    """The editors' web admin at /admin/ (engine/admin.py): which Git host it saves to."""

    backend: Literal["git-gateway", "github", "gitlab", "gitea"] = Field(
        "git-gateway", description="git-gateway: Netlify Identity logins; github: GitHub accounts")
    repo: Annotated[str, StringConstraints(strict=True, pattern=r"^[\w.-]+/[\w.-]+$")] | None = Field(
        None, description="owner/name, for the github, gitlab and gitea backends")
    branch: Text = Field("main", description="the branch edits are committed to")


def _colour(mode: str):
    return Annotated[str, PlainValidator(lambda value: checked_colour(value, mode)),
                     WithJsonSchema({"type": "string", "pattern": "^#([0-9a-fA-F]{3}){1,2}$"})]


class Theme(Strict):
    accent: _colour("light") | None = Field(None, description='link and highlight colour on the '
                                            'light theme, as hex, e.g. "#0b5394" (4.5:1 contrast)')
    accent_dark: _colour("dark") | None = Field(None, description="the same on the dark theme")
    logo: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*"
                                                                r"\.(svg|png|webp)$")] | None = Field(
        None, description="an image in static/ or overrides/static/ shown in the header, e.g. logo.svg")


Currency = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z]{3}$")]


class Money(Strict):
    style: Literal["compact", "short"] = Field(
        "compact", description='in figures, charts, tables and cards: compact, the language\'s own '
        'short form ("US$3B"), or short, a newsroom\'s ("$3bn", "$410m"); write the same in your '
        'own text')
    symbols: dict[Currency, Annotated[str, StringConstraints(strict=True, min_length=1, max_length=8,
                                                           pattern=r"^[^\s<>&]+$")]] = Field(
        {}, max_length=50, description='a symbol in place of the language\'s own for a currency, '
        'e.g. USD: "$" where British English would write "US$"')


class Site(Strict):
    title: Text
    description: Text
    headline: Text | None = Field(None, description="the home page's headline, about the story; "
                                  "the site's title when left out")
    intro: Markdown = Field("", description="the story in brief for the home page: about three "
                                            "sentences, with [@source] citations")
    base_url: WebURL = Field(description="where the site lives; its path may be a sub-folder")
    language: Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")]
    money: Money = Field(Money(), description="how amounts of money are written everywhere")
    time_zone: Annotated[str, PlainValidator(lambda v: checked_time_zone(v)),
                         WithJsonSchema({"type": "string"})] = Field(
        description='an IANA time zone, e.g. "Europe/London"')
    publisher: Person
    authors: tuple[Person, ...] = Field(min_length=1)
    licence: Licence
    corrections_contact: Contact = Field(description="an email address or web page for corrections")
    topics: tuple[Topic, ...] = Field(min_length=1)
    statuses: tuple[Status, ...] = Field(min_length=1)
    strings: dict[str, Text | dict[str, Text]] = Field(
        {}, description="overrides for interface strings; one that carries a count may give its "
        "plural forms (zero, one, two, few, many, other)")
    theme: Theme | None = Field(None, description="colours and logo (engine/theme.py)")
    # capped: each spelling is one more branch tried at every character of every text
    spellings: dict[Word, Word] = Field(
        {}, max_length=200, description="house spellings, the word to avoid and the one to write (e.g. judgement: "
        "judgment): a warning wherever the newsroom's own words use the first (engine/house_style.py)")
    index_page_size: int = Field(200, ge=5, le=1_000_000, description="a list of claims, sources or entities "
                                 "longer than this is split into groups (topic, letter, kind) and pages")
    timeline_page_size: int = Field(60, ge=5, le=1_000_000, description="a timeline with more events than this is "
                                    "split by year, and a long year into pages")
    admin: Admin | None = Field(None, description="leave out to build the site without /admin/")

    @property
    def corrections_link(self) -> str:
        """Where the footer's corrections link goes: mailto: for an email address."""
        contact = self.corrections_contact
        return f"mailto:{contact}" if EMAIL.match(contact) else contact

    @property
    def base_path(self) -> str:
        path = "/" + self.base_url.split("://", 1)[1].partition("/")[2]
        return path if path.endswith("/") else path + "/"


# --- sources ----------------------------------------------------------------------------------

SourceKind = Literal[
    "news-report", "syndicated-copy", "repost", "wire-copy", "company-statement",
    "government-record", "court-filing", "law-firm-summary", "academic-paper", "newsletter",
    "blog", "video", "dataset", "other"]
# "text": no stored copy of the source could be read in full, so no words of it can be shown
SourceField = Literal["title", "outlet", "authors", "published", "url", "archived", "language", "text"]


class ArchivedCopy(Strict):
    url: WebURL | None = Field(None, description="the address of the archived copy")
    captured: DateText | None = Field(None, description="when the copy was made")
    unavailable: Text | None = Field(None, description="why no archived copy can be made")

    @model_validator(mode="after")
    def _either_copy_or_reason(self):
        if self.unavailable and (self.url or self.captured):
            raise ValueError("give either url and captured, or unavailable with a reason, not both")
        if not self.unavailable and not (self.url and self.captured):
            raise ValueError("an archived copy needs both url and captured "
                             "(or unavailable: with the reason)")
        return self


class Source(Item):
    title: Text = Field(description="the title as published")
    outlet: Text = Field(description="the publication, company or body that published it")
    authors: tuple[Text, ...] = Field((), description="the byline, one name each; empty if none is shown")
    published: DateText | None = Field(None, description="when it was published, as precise as known")
    url: WebURL | None = Field(None, description="leave out when the original is lost")
    repost_of: Slug | None = Field(None, description="the id of the source this copies")
    archived: ArchivedCopy | None = Field(None, description="an archived copy, or why there is none")
    accessed: Day | None = Field(None, description="the day the newsroom last read the original")
    kind: SourceKind = Field(description="what kind of document it is")
    language: Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")] = Field(
        "en", description="the language it is written in, as a BCP 47 tag, e.g. en, zh-Hans")
    notes: Markdown = Field("", description="the newsroom's notes on the source, in Markdown")
    unverified: tuple[SourceField, ...] = Field(
        (), description="fields whose value could not be checked against the source itself")


# --- claims -----------------------------------------------------------------------------------

Stance = Literal["supports", "contradicts", "reports", "silent"]
Measure = Literal["amount-raised", "valuation", "valuation-pre-money", "valuation-post-money",
                  "revenue", "loss", "count", "share", "other"]
MONEY_MEASURES = ("amount-raised", "valuation", "valuation-pre-money", "valuation-post-money")
Comparator = Literal["exactly", "about", "more-than", "at-least", "up-to", "less-than"]


class Figure(Strict):
    value: Number
    comparator: Comparator = "exactly"
    unit: Text | None = Field(None, description='what is counted, e.g. "cameras"')
    currency: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Z]{3}$")] | None = None
    as_of: DateText | None = None
    measures: Measure
    funding_event: Slug | None = Field(
        None, description="the event this amount raised or valuation belongs to (the funding "
                          "round, the listing, the report that gave it): puts the figure on the "
                          "funding chart of that event's timeline")

    @model_validator(mode="after")
    def _funding_event_only_for_money(self):
        if self.funding_event and self.measures not in MONEY_MEASURES:
            raise ValueError(f"funding_event is for an amount raised or a valuation, not a figure "
                             f'that measures "{self.measures}": change measures, or remove '
                             "funding_event")
        if self.funding_event and not self.currency:
            raise ValueError("a figure with a funding_event needs its currency, e.g. currency: USD")
        return self


class ClaimSource(Strict):
    source: Slug
    stance: Stance = Field(description="supports: the source makes the claim; reports: it says "
                                       "someone else made it; contradicts: it says otherwise; silent: "
                                       "read for the claim (often the source it is credited to), it "
                                       "does not contain it")
    locator: Text | None = Field(None, description="page, paragraph or time in the source")
    quote: Text | None = Field(None, description="a short quotation, as published")
    figure: Figure | None = None


class StatusChange(Strict):
    date: Day
    status: Slug
    reason: Text


class Claim(Item):
    statement: Text = Field(description="one sentence")
    headline: Text | None = Field(None, description="a short headline (about 8 words) restating the "
                                                    "statement, for long statements; no new facts")
    topic: Slug = Field(description="a topic id from site.yaml")
    status: Slug = Field(description="a status id from site.yaml: how well the sources support it")
    claimant: Text = Field(description="who asserts it")
    date: DateText | None = Field(None, description="when the claim was made")
    sources: tuple[ClaimSource, ...] = Field(description="every source that makes, reports or "
                                                         "contradicts the claim, or was read for it "
                                                         "and is silent")
    figures_differ_because: Text | None = Field(None, description="one sentence: why figures differ")
    note: Markdown = Field("", description="the site's own note, in Markdown with [@source] citations")
    history: tuple[StatusChange, ...] = Field((), description="earlier statuses: date, status, reason")
    events: tuple[Slug, ...] = Field((), description="ids of related events")
    entities: tuple[Slug, ...] = Field((), description="ids of the people and organisations involved")


# --- timelines and events ---------------------------------------------------------------------

class Timeline(Item):
    title: Text = Field(description="the timeline's title")
    description: Text = Field(description="one or two sentences on what the timeline follows")
    topic: Slug = Field(description="a topic id from site.yaml")
    order: Whole = Field(0, description="where it comes among the timelines, smallest first")


class Citation(Strict):
    source: Slug
    locator: Text | None = None


class Account(Strict):
    source: Slug
    says: Text
    date: DateText | None = None


class Dispute(Strict):
    note: Text = Field(description="what the sources disagree on")
    accounts: tuple[Account, ...] = Field(min_length=2, description="each source's account: source, says, date")


class Event(Item):
    title: Text = Field(description="what happened, in one line")
    date: DateText = Field(description="when it happened, as precise as known")
    timelines: tuple[Slug, ...] = Field(min_length=1, description="ids of the timelines it is on")
    topic: Slug = Field(description="a topic id from site.yaml")
    status: Slug | None = Field(None, description="e.g. reported, when the event is unconfirmed")
    body: Markdown = Field("", description="one paragraph in Markdown, with [@source] citations")
    sources: tuple[Citation, ...] = Field(description="the sources it rests on: source id, locator")
    disputed: Dispute | None = Field(None, description="when the sources disagree about it")
    claims: tuple[Slug, ...] = Field((), description="ids of related claims")
    entities: tuple[Slug, ...] = Field((), description="ids of the people and organisations involved")


# --- entities ---------------------------------------------------------------------------------

EntityKind = Literal["person", "company", "investor", "government-body", "police",
                     "university", "outlet", "organisation"]
RelationKind = Literal["investor-in", "customer-of", "partner-of", "subsidiary-of", "founder-of",
                       "executive-of", "listed-by", "competitor-of", "supplier-to", "part-of"]


class Relation(Strict):
    kind: RelationKind
    to: Slug
    since: DateText | None = None
    until: DateText | None = None
    event: Slug | None = Field(None, description="the event, e.g. the funding round, if any")
    sources: tuple[Citation, ...] = Field(min_length=1)
    note: Text | None = None


class Entity(Item):
    name: Text = Field(description="the name most sources use")
    kind: EntityKind = Field(description="what kind of person or organisation it is")
    aliases: tuple[Text, ...] = Field((), description="other names and spellings")
    description: Markdown = Field("", description="who or what it is, in Markdown with citations")
    relations: tuple[Relation, ...] = Field((), description="links to other entities: kind, to, "
                                            "since, until, event, sources, note")


# --- corrections and pages --------------------------------------------------------------------

class Correction(Item):
    date: Day = Field(description="the day the correction was made")
    item: Annotated[str, StringConstraints(strict=True,
                                           pattern=r"^(claims|events|sources|entities|pages)/[a-z0-9-]+$")] = Field(
        description="the item changed, as kind/id, e.g. claims/example-claim")
    wrong: Text = Field(description="what the site said")
    right: Markdown = Field(description="what is right, with citations")


ReportName = Literal["sources-by-outlet", "sources-by-kind"]   # engine/reports.py makes them


class Page(Item):
    title: Text
    slug: Slug
    summary: Text
    order: Whole = 0
    in_navigation: bool = True
    nav_title: Text | None = Field(None, description="a short name for the menu when the title is long")
    reports: tuple[ReportName, ...] = Field((), description="tables counted from the content, "
                                            "shown after the text, e.g. [sources-by-outlet]")
    body: Markdown = Field("", description="the Markdown after the front matter")


KINDS: dict[str, type[Item]] = {
    "sources": Source, "claims": Claim, "timelines": Timeline, "events": Event,
    "entities": Entity, "corrections": Correction,
}


def json_schemas() -> dict[str, dict]:
    """JSON Schema for every file kind, keyed by the file name to write under schemas/."""
    schemas = {"site.schema.json": Site.model_json_schema()}
    for kind, model in KINDS.items():
        schema = model.model_json_schema()
        schema["properties"]["id"]["description"] = "optional: defaults to the file name"
        schema["required"] = [name for name in schema["required"] if name != "id"]
        schemas[f"{kind[:-1] if kind != 'entities' else 'entity'}.schema.json"] = schema
    page = Page.model_json_schema()
    del page["properties"]["body"]
    page["required"] = [name for name in page["required"] if name != "id"]
    schemas["page.schema.json"] = page
    return schemas
