"""The template environment of a build: Jinja with the site's filters and globals, the static
files and where each is published, and which templates a template uses. Pages are rendered
with it in engine/render.py."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path, PurePosixPath

from babel import Locale
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    pass_context,
    select_autoescape,
)
from markupsafe import Markup

from . import cards, search, theme
from .cite import meta_tags as citation_meta_tags
from .cite import page_citation
from .compiled_templates import PARTIAL_FUNCTIONS, SiteEnvironment
from .formatter import Formatter
from .memory import Memory
from .note_marks import footnote_text
from .page_model import item_url, page_url
from .paths import Paths
from .problems import Problems
from .robust_links import archived_link_attributes, original_link_attributes
from .strings import Plural, fill, number_text, strings_for
from .template_errors import TemplateFailure, failure_of, missing_template
from .validate import Content


def template_closure(env: Environment, name: str, known: dict | None = None) -> frozenset[str]:
    """A template and every template it extends, includes, imports or renders through one of
    PARTIAL_FUNCTIONS, read from their syntax trees."""
    known = {} if known is None else known
    if name not in known:
        known[name] = frozenset({name})   # a template that includes itself stops here
        found = {name}
        source, filename, _ = env.loader.get_source(env, name)
        for child in sorted(env.references.of(source, name, filename), key=str):
            if child is None:
                raise TemplateFailure(filename, 1, 1, "template error: a template name computed at render "
                                      "time cannot be tracked: name the template in quotes")
            try:
                found |= template_closure(env, child, known)
            except TemplateNotFound as error:
                if error.name != child:
                    raise
                folders = [Path(folder) for folder in env.loader.searchpath]
                raise missing_template(filename, source, child, folders) from None
        known[name] = frozenset(found)
    return known[name]


def compile_all(env: Environment, folders: list[Path], problems: Problems) -> int:
    """Reads and compiles every template a build could use (an override hides the default of the
    same name), adding a problem for each that fails; how many were read. What `check` does
    without rendering: errors that depend on the content show up when the pages are built."""
    names = env.list_templates(filter_func=lambda name: not name.startswith("."))
    for name in names:
        try:
            env.get_template(name)
            template_closure(env, name)   # and every template it names exists
        except TemplateFailure as failure:
            problems.items.append(failure.problem(problems))
        except TemplateError as error:
            problems.items.append(failure_of(error, folders, name).problem(problems))
    return len(names)


def _url_for(base_path: str):
    def url(path: str = "") -> str:
        return base_path + path.lstrip("/")
    return url


FINGERPRINTED = (".css", ".js")


def asset_paths(static: dict[str, bytes], fingerprint: bool) -> dict[str, str]:
    """Where each static file is written. Our CSS and JS get their content hash in the name,
    so browsers may cache them for a year; the dev server keeps stable names, so a CSS edit
    there does not change every page."""
    placed = {}
    for name, data in static.items():
        path = PurePosixPath(name)
        if fingerprint and path.suffix in FINGERPRINTED:
            digest = hashlib.sha256(data).hexdigest()[:12]
            placed[name] = f"assets/{path.with_name(f'{path.stem}.{digest}{path.suffix}')}"
        else:
            placed[name] = f"static/{name}"
    return placed


def make_environment(paths: Paths, content: Content, assets: dict[str, str], memory: Memory) -> Environment:
    """Jinja for one site: its templates (the overrides first), escaping, and the site's
    globals, partials and filters; compiled code, rendered Markdown and the card fonts come
    from the builder's `memory`."""
    strings = strings_for(content.site)
    formatter = Formatter(content.site.language, strings, content.site.money)
    env = SiteEnvironment(
        loader=FileSystemLoader([str(p) for p in paths.templates]),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, bytecode_cache=memory.compiled, references=memory.references)
    _add_globals(env, content, assets, strings)
    _add_partials(env, content, strings, formatter, memory.cards.fonts)
    _add_filters(env, content.site, strings, formatter, memory.fragments)
    return env


def _add_globals(env: Environment, content: Content, assets: dict[str, str], strings: dict) -> None:
    """What every template can read: the site, its strings, its addresses and its lists."""
    site = content.site
    url = _url_for(site.base_path)
    origin = site.base_url.split("://", 1)[0] + "://" + site.base_url.split("://", 1)[1].split("/", 1)[0]

    def t(key: str, **values) -> str:
        text = strings[key]
        return fill(text, **values)

    def plural_forms(key: str) -> tuple[tuple[str, str], ...]:
        """A string's plural forms as (CLDR category, text), for a script that fills in a
        count (it picks the form with Intl.PluralRules, the same CLDR rules); () for one text."""
        text = strings[key]
        return text.forms if isinstance(text, Plural) else ()

    @pass_context
    def cite(context, source_id: str, locator: str | None = None) -> Markup:
        return context["notes"].cite(source_id, locator)

    @pass_context
    def cite_all(context, cited: list) -> Markup:
        return context["notes"].cite_all(cited)

    env.globals.update(
        site=site, t=t, plural_forms=plural_forms, url=url, asset=lambda name: url(assets[name]), abs_url=lambda path="": origin + url(path),
        item_url=lambda kind, item_id: url(item_url(kind, item_id)),
        page_url=lambda page: url(page_url(page)), sources=content.sources,
        statuses_by_id={s.id: s for s in site.statuses}, topics_by_id={t.id: t for t in site.topics},
        nav_pages=sorted((p for p in content.pages.values() if p.in_navigation),
                         key=lambda p: (p.order, p.title)),
        footer_pages=sorted((p for p in content.pages.values() if not p.in_navigation),
                            key=lambda p: (p.order, p.title)),
        pages_by_slug={p.slug: p for p in content.pages.values()},
        original_link=original_link_attributes, archived_link=archived_link_attributes,
        cite=cite, cite_all=cite_all, foreign=lambda language: language if language.split("-")[0] != site.language.split("-")[0] else "",
        text_direction=Locale.parse(site.language.replace("-", "_")).text_direction,
        theme_stylesheet=theme.STYLESHEET if theme.STYLESHEET in assets else None,
        logo=site.theme.logo if site.theme else None)


def _add_partials(env: Environment, content: Content, strings: dict, formatter: Formatter, fonts) -> None:
    """The partials repeated on many pages, rendered once per build for each argument (a
    citation for every note, a card for every listed claim), a note's sidenote text, each page's
    social card and citation."""
    site = content.site
    remembered: dict[tuple, Markup] = {}   # ("citation", source, locator) or ("claim_card", id)

    def citation(source_id: str, locator: str | None = None) -> Markup:
        key = ("citation", source_id, locator)
        if key not in remembered:
            remembered[key] = Markup(env.get_template(PARTIAL_FUNCTIONS["citation"]).render(
                source=content.sources[source_id], locator=locator))
        return remembered[key]

    def claim_card(claim_id: str) -> Markup:
        key = ("claim_card", claim_id)
        if key not in remembered:
            remembered[key] = Markup(env.get_template(PARTIAL_FUNCTIONS["claim_card"]).render(
                claim=content.claims[claim_id]))
        return remembered[key]

    def note_text(note) -> str:
        """A note in plain text, for its sidenote: a source as outlet, title, date and place in
        it; a footnote's own words."""
        if note.source_id is None:
            return footnote_text(note.html or "")
        source = content.sources[note.source_id]
        parts = [source.outlet, source.title]
        if source.published:
            parts.append(formatter.fuzzy(source.published))
        if note.locator:
            parts.append(note.locator)
        return ", ".join(parts) + "."

    env.globals["note_text"] = note_text
    env.globals["remembered_partials"] = remembered
    site_card = cards.site_card(site, fonts.covers)
    env.globals["card_of"] = lambda page: cards.card_for(page, site_card, strings, fonts.covers)
    env.globals.update(citation=citation, claim_card=claim_card)
    env.globals.update(page_citation=lambda page: page_citation(site, page),
                       citation_meta=citation_meta_tags)


def _add_filters(env: Environment, site, strings: dict, formatter: Formatter, fragments) -> None:
    """Markdown, dates, numbers and figures in the site's language; the search page's fields."""
    @pass_context
    def markdown(context, text: str, inline: bool = False) -> Markup:
        return fragments.render(text, context["notes"], inline=inline)

    def language_name(code: str) -> str:
        try:
            return Locale.parse(code.replace("-", "_")).get_display_name(formatter.locale) or code
        except (ValueError, LookupError):
            return code

    env.filters.update(number=lambda n: number_text(n, site.language),
                       language_name=language_name, markdown=markdown, fuzzy=formatter.fuzzy,
                       day=formatter.day, figure=formatter.figure, json_ld=json_ld)
    topics_by_id = {topic.id: topic for topic in site.topics}
    env.globals["search_fields"] = lambda page: search.page_fields(
        page, topics_by_id, strings, formatter.fuzzy, formatter.day)


def json_ld(data: dict) -> Markup:
    """Structured data for a <script type="application/ld+json"> block, from a serializer, with
    <, > and & escaped so that no text from the content can close the block."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def css_without_comments(css: bytes) -> bytes:
    """A stylesheet as readers receive it: its comments are for the people who edit it. Strings
    are kept whole (a "/*" in quotes is no comment); a comment between two words becomes a
    space; lines a comment leaves empty go. A file that is not UTF-8 is left as it is."""
    try:
        text = css.decode("utf-8")
    except UnicodeDecodeError:
        return css
    out: list[str] = []
    i, quote = 0, None
    while i < len(text):
        char = text[i]
        if quote:
            out.append(text[i:i + 2] if char == "\\" else char)
            i += 2 if char == "\\" else 1
            quote = None if char == quote else quote
        elif char in "\"'":
            out.append(char)
            quote, i = char, i + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
            if out and not out[-1][-1:].isspace() and i < len(text) and not text[i].isspace():
                out.append(" ")
        else:
            out.append(char)
            i += 1
    kept = re.sub(r"(?m)^[ \t]*\n|[ \t]+$", "", "".join(out))
    return kept.encode("utf-8")


def static_files(paths: Paths, site=None) -> dict[str, bytes]:
    """Every static file; one in overrides/static replaces the default of the same name. With
    the site, also theme.css made from its theme variables (engine/theme.py)."""
    found: dict[str, bytes] = {}
    for folder in reversed(paths.static):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    data = path.read_bytes()
                    found[path.relative_to(folder).as_posix()] = \
                        css_without_comments(data) if path.suffix == ".css" else data
    themed = theme.stylesheet(site.theme) if site is not None else None
    if themed is not None:
        found[theme.STYLESHEET] = themed
    return dict(sorted(found.items()))
