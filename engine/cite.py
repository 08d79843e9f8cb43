"""Citations: what a reference manager needs to cite a page of the site or one of its sources.

Pure functions, content in, text or bytes out: the `citation_*` and `DC.*` meta tags every page
carries (read by Zotero, Mendeley and Google Scholar), the suggested citation shown in the
"Cite this page" block, and CSL-JSON and BibTeX records for a page, a source or the dataset.
CSL-JSON uses the standard variables of CSL 1.0.2 (type, title, container-title, author,
issued, URL, accessed…); BibTeX escapes every LaTeX special character in text fields
(SECURITY.md, "Exports"), keeps
non-ASCII characters as UTF-8, and uses stable keys made from ids.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from . import schema
from .dates import FuzzyDate
from .formats import json_text, without_controls

# Which template variable holds the item on each kind of item page.
ITEM_CONTEXT = {"claim": "claim", "event": "event", "source": "source", "entity": "entity",
                "page": "article", "data": None}
# BibTeX key prefixes of our own pages; a source's key is its id, already a good citation key.
KEY_PREFIX = {"claim": "claim", "event": "event", "entity": "entity", "page": "page", "data": "dataset"}

CSL_TYPE = {
    "news-report": "article-newspaper", "syndicated-copy": "article-newspaper",
    "repost": "article-newspaper", "wire-copy": "article-newspaper",
    "company-statement": "document", "government-record": "document", "court-filing": "document",
    "law-firm-summary": "report", "academic-paper": "article-journal", "newsletter": "post",
    "blog": "post-weblog", "video": "motion_picture", "dataset": "dataset", "other": "document",
}
BIBTEX_ARTICLE_KINDS = {"news-report", "syndicated-copy", "repost", "wire-copy", "academic-paper"}


@dataclass(frozen=True)
class PageCitation:
    """How to cite one page of the site."""

    key: str                  # BibTeX key and CSL id, e.g. "claim-example-claim"
    kind: str                 # the page kind: claim, event, source, entity, page, data…
    title: str
    authors: tuple[str, ...]
    publisher: str
    container: str            # the site's title
    published: dt.date | None  # first published (the item's `added`), else last updated
    updated: dt.date | None    # None for a page that shows no dated item (the 404 page)
    url: str                  # absolute
    language: str
    licence: str
    downloads: str | None     # the page's folder, site-relative, when it has cite.json/cite.bib

    @property
    def downloads_are_original(self) -> bool:
        """On a source's page, cite.json and cite.bib cite the original, not our page."""
        return self.kind == "source"

    @property
    def show_block(self) -> bool:
        """Pages of one item (and the dataset's page) show a visible "Cite this page" block."""
        return self.kind in ITEM_CONTEXT


def page_citation(site: schema.Site, page) -> PageCitation:
    """The citation of a page model (engine.page_model.PageModel)."""
    holder = ITEM_CONTEXT.get(page.kind)
    item = page.context.get(holder) if holder else None
    published = getattr(item, "added", None) or page.updated
    downloads = page.url if page.kind in ITEM_CONTEXT and page.url.endswith("/") else None
    prefix = KEY_PREFIX.get(page.kind, page.kind)
    item_id = getattr(item, "id", None) or page.url.strip("/").replace("/", "-") or "home"
    return PageCitation(
        key=f"{prefix}-{item_id}" if page.kind != "data" else "dataset",
        kind=page.kind, title=page.context.get("citation_title", page.title), authors=tuple(a.name for a in site.authors),
        publisher=site.publisher.name, container=site.title, published=published,
        updated=page.updated, url=site.base_url + page.url, language=site.language,
        licence=site.licence.name, downloads=downloads)


def meta_tags(citation: PageCitation) -> list[tuple[str, str]]:
    """(name, content) pairs for <meta>: Highwire Press `citation_*` tags, which Zotero's
    embedded-metadata translator and Google Scholar read, and their Dublin Core twins."""
    tags = [("citation_title", citation.title)]
    tags += [("citation_author", name) for name in citation.authors]
    if citation.published:
        tags += [("citation_publication_date", citation.published.strftime("%Y/%m/%d")),
                 ("citation_date", citation.published.strftime("%Y/%m/%d")),
                 ("citation_online_date", citation.updated.strftime("%Y/%m/%d"))]
    tags += [("citation_publisher", citation.publisher),
             ("citation_public_url", citation.url),
             ("citation_language", citation.language),
             ("DC.title", citation.title)]
    tags += [("DC.creator", name) for name in citation.authors]
    tags += [("DC.publisher", citation.publisher)]
    if citation.published:
        tags += [("DC.date", citation.published.isoformat()), ("DC.modified", citation.updated.isoformat())]
    tags += [("DC.identifier", citation.url),
             ("DC.language", citation.language), ("DC.rights", citation.licence),
             ("DC.type", "Dataset" if citation.kind == "data" else "Text")]
    return tags


# --- CSL-JSON ------------------------------------------------------------------------------------

def _date_parts(point) -> list[int]:
    return [part for part in (point.year, point.month, point.day) if part]


def csl_date(value: FuzzyDate | dt.date) -> dict:
    """A CSL date as precise as known: [[2018]], [[2018, 4]], a range, "circa" for "around"."""
    if isinstance(value, dt.date):
        return {"date-parts": [[value.year, value.month, value.day]]}
    date = {"date-parts": [_date_parts(value.start)] + ([_date_parts(value.end)] if value.end else [])}
    if value.qualifier == "around":
        date["circa"] = True
    return date


def csl_for_page(citation: PageCitation) -> dict:
    record = {"id": citation.key, "type": "dataset" if citation.kind == "data" else "webpage",
              "title": citation.title, "container-title": citation.container,
              "publisher": citation.publisher, "author": [{"literal": n} for n in citation.authors],
              "issued": csl_date(citation.published), "URL": citation.url,
              "language": citation.language}
    if citation.updated != citation.published:
        record["note"] = f"Last updated {citation.updated.isoformat()}"
    return record


def csl_for_source(source: schema.Source) -> dict:
    record = {"id": source.id, "type": CSL_TYPE[source.kind], "title": source.title,
              "container-title": source.outlet, "language": source.language}
    if source.authors:
        record["author"] = [{"literal": name} for name in source.authors]
    if source.published:
        record["issued"] = csl_date(source.published)
    if source.url:
        record["URL"] = source.url
    if source.accessed:
        record["accessed"] = csl_date(source.accessed)
    if source.archived and source.archived.url:
        record["note"] = f"Archived copy: {source.archived.url} (captured {source.archived.captured})"
    return record


def csl_json(records: list[dict]) -> bytes:
    """A CSL-JSON file: always an array of items, one item per line."""
    lines = ",\n".join(json_text(r, sort_keys=True) for r in records)
    return f"[\n{lines}\n]\n".encode("utf-8")


# --- BibTeX --------------------------------------------------------------------------------------

# Braces become commands, not \{ and \}: BibTeX counts every brace, escaped or not, so a
# title with one lone brace would otherwise unbalance the entry.
LATEX_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&", "%": r"\%",
                  "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}"}
_SPECIAL = re.compile("[" + re.escape("".join(LATEX_SPECIALS)) + "]")


def latex_escape(text: str) -> str:
    """Text safe inside a BibTeX field: LaTeX's special characters escaped, whitespace folded
    (a blank line would end a paragraph), control characters replaced (formats.py); other
    characters, non-ASCII too, kept as they are."""
    return _SPECIAL.sub(lambda m: LATEX_SPECIALS[m.group()], " ".join(without_controls(text).split()))


def bibtex_url(url: str) -> str:
    """A URL for BibTeX's url field, read verbatim by biblatex and the url package: only the
    characters that would unbalance the field or break it (braces, backslash, whitespace and
    control characters) are percent-encoded, as UTF-8."""
    return re.sub(r"[{}\\\s\x00-\x1f\x7f-\x9f]",
                  lambda m: "".join(f"%{byte:02X}" for byte in m.group().encode("utf-8")), url)


def bibtex_key(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_:.-]", "-", key)


def _bibtex_name(name: str, organisation: bool) -> str:
    """An organisation, or a name BibTeX would split wrongly (a comma, an "and"), in braces."""
    text = latex_escape(name)
    if organisation or "," in name or re.search(r"\band\b", name, re.IGNORECASE):
        return "{" + text + "}"
    return text


def _bibtex_date(value: FuzzyDate | dt.date) -> str:
    """biblatex's ISO 8601 date field: 2018, 2018-04, 2019-10-07/2019-10-09, 2015~ (circa)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = value.start.iso() + (f"/{value.end.iso()}" if value.end else "")
    return text + "~" if value.qualifier == "around" and not value.end else text


def bibtex_entry(entry_type: str, key: str, fields: list[tuple[str, str]]) -> str:
    """One entry; `fields` hold values already escaped (or URLs already made safe)."""
    lines = [f"@{entry_type}{{{bibtex_key(key)},"]
    lines += [f"  {name} = {{{value}}}," for name, value in fields if value]
    return "\n".join(lines) + "\n}\n"


def bibtex_for_page(citation: PageCitation) -> str:
    fields = [("title", "{" + latex_escape(citation.title) + "}"),
              ("author", " and ".join(_bibtex_name(n, True) for n in citation.authors)),
              ("howpublished", latex_escape(citation.container)),
              ("publisher", latex_escape(citation.publisher)),
              ("year", str(citation.published.year)),
              ("date", citation.published.isoformat()),
              ("url", bibtex_url(citation.url)),
              ("langid", latex_escape(citation.language))]
    if citation.updated != citation.published:
        fields.append(("note", f"Last updated {citation.updated.isoformat()}"))
    return bibtex_entry("misc", citation.key, fields)


def bibtex_for_source(source: schema.Source) -> str:
    article = source.kind in BIBTEX_ARTICLE_KINDS
    fields = [("title", "{" + latex_escape(source.title) + "}"),
              ("author", " and ".join(_bibtex_name(n, False) for n in source.authors)),
              ("journal" if article else "howpublished", latex_escape(source.outlet))]
    if source.published:
        fields += [("year", str(source.published.year)), ("date", _bibtex_date(source.published))]
    if source.url:
        fields.append(("url", bibtex_url(source.url)))
    if source.accessed:
        fields.append(("urldate", source.accessed.isoformat()))
    if source.archived and source.archived.url:
        fields.append(("note", latex_escape(f"Archived copy: {source.archived.url} "
                                            f"(captured {source.archived.captured})")))
    fields.append(("langid", latex_escape(source.language)))
    return bibtex_entry("article" if article else "misc", source.id, fields)


def bibtex_file(entries: list[str]) -> bytes:
    return ("% Encoding: UTF-8\n\n" + "\n".join(entries)).encode("utf-8")
