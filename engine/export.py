"""Open data: the published content as files under data/, and citation files beside the pages.

Pure functions from validated content (or page models) to bytes:

- data/<kind>.json: every published item of a kind with its full structure, as the schema in
  data/schemas/ describes it, plus `page_url`, its page on the site (a source's own `url` is
  the original's address);
- data/<kind>.csv: one row per item. Flattening: a plain value is the cell; an object field
  (a source's `archived`) becomes one column per sub-field, `archived.url`; a list becomes
  one cell holding a JSON array; an empty cell is a value that is not set;
- data/site.json (the site's title, topics and statuses), data/schemas/*.schema.json, the
  bibliography data/sources.bib and data/sources.csl.json;
- <page>/cite.json and <page>/cite.bib for the pages that show a "Cite this page" block.

Only published items are exported (Content holds nothing else). Output is deterministic: rows
sorted by id, JSON keys sorted, UTF-8, "\n" line endings for JSON and BibTeX, "\r\n" for CSV
(RFC 4180).
"""
from __future__ import annotations

import csv
import io
import json
import types
import typing

from pydantic import BaseModel

from . import cite, model, schema
from .strings import strings_for
from .validate import Content

# Exported kinds, in the order the data page lists them, with their schema file.
EXPORTED = {"claims": "claim.schema.json", "events": "event.schema.json",
            "sources": "source.schema.json", "entities": "entity.schema.json",
            "corrections": "correction.schema.json", "timelines": "timeline.schema.json"}
# Editorial workflow fields: always false / in the past for a published item, so left out.
LEFT_OUT = {"draft", "publish_after"}
DATA_DIR = "data/"
PAGE_URL = "page_url"   # the field added to every item: its page on the site


def _json_bytes(data) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def item_page_url(kind: str, item_id: str) -> str:
    """Where an item is shown on the site, site-relative."""
    if kind == "corrections":
        return f"corrections/#correction-{item_id}"
    return model.item_url(kind, item_id)


def item_record(site: schema.Site, kind: str, item) -> dict:
    """One item as exported: the schema's fields, less the workflow ones, plus `page_url`."""
    record = item.model_dump(mode="json", exclude=LEFT_OUT)
    record[PAGE_URL] = site.base_url + item_page_url(kind, item.id)
    return record


def _sorted_items(content: Content, kind: str) -> list:
    return [content.kind(kind)[key] for key in sorted(content.kind(kind))]


def dataset_json(content: Content, kind: str) -> bytes:
    site = content.site
    return _json_bytes({
        "title": f"{site.title}: {kind}", "kind": kind, "site": site.base_url,
        "publisher": site.publisher.name,
        "licence": site.licence.model_dump(mode="json"),
        "schema": f"schemas/{EXPORTED[kind]}",
        "count": len(content.kind(kind)),
        "items": [item_record(site, kind, item) for item in _sorted_items(content, kind)]})


def site_json(content: Content) -> bytes:
    return _json_bytes(content.site.model_dump(mode="json"))


# --- CSV ------------------------------------------------------------------------------------------

def _single_model(annotation) -> type[BaseModel] | None:
    """The model class of a field holding one object (or None), not a list of them."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        found = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _single_model(found[0]) if len(found) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def csv_columns(kind: str) -> list[str]:
    """The CSV header of a kind, from its schema: the same whatever the content."""
    columns = []
    for name, info in schema.KINDS[kind].model_fields.items():
        if name in LEFT_OUT:
            continue
        nested = _single_model(info.annotation)
        columns += [f"{name}.{sub}" for sub in nested.model_fields] if nested else [name]
    return columns + [PAGE_URL]


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def csv_row(record: dict, columns: list[str]) -> list[str]:
    row = []
    for column in columns:
        name, _, sub = column.partition(".")
        value = record.get(name)
        if sub:
            value = value.get(sub) if isinstance(value, dict) else None
        row.append(csv_cell(value))
    return row


def dataset_csv(content: Content, kind: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    columns = csv_columns(kind)
    writer.writerow(columns)
    for item in _sorted_items(content, kind):
        writer.writerow(csv_row(item_record(content.site, kind, item), columns))
    return buffer.getvalue().encode("utf-8")


# --- every data file ------------------------------------------------------------------------------

def schema_files() -> dict[str, bytes]:
    """The JSON Schemas, byte for byte as `python build.py schemas` writes them to schemas/."""
    return {name: _json_bytes(data) for name, data in sorted(schema.json_schemas().items())}


def data_files(content: Content) -> dict[str, bytes]:
    """Every file under data/, by site-relative path."""
    files = {f"{DATA_DIR}site.json": site_json(content)}
    for kind in EXPORTED:
        files[f"{DATA_DIR}{kind}.json"] = dataset_json(content, kind)
        files[f"{DATA_DIR}{kind}.csv"] = dataset_csv(content, kind)
    sources = _sorted_items(content, "sources")
    files[f"{DATA_DIR}sources.bib"] = cite.bibtex_file([cite.bibtex_for_source(s) for s in sources])
    files[f"{DATA_DIR}sources.csl.json"] = cite.csl_json([cite.csl_for_source(s) for s in sources])
    files.update({f"{DATA_DIR}schemas/{name}": data for name, data in schema_files().items()})
    return dict(sorted(files.items()))


def cite_files(site: schema.Site, pages) -> dict[str, bytes]:
    """cite.json and cite.bib beside every page that offers them: the page's own reference,
    except on a source's page, where they hold the original source's reference."""
    files = {}
    for page in pages:
        citation = cite.page_citation(site, page)
        if not citation.downloads:
            continue
        if page.kind == "source":
            source = page.context["source"]
            csl, bib = cite.csl_for_source(source), cite.bibtex_for_source(source)
        else:
            csl, bib = cite.csl_for_page(citation), cite.bibtex_for_page(citation)
        files[f"{citation.downloads}cite.json"] = cite.csl_json([csl])
        files[f"{citation.downloads}cite.bib"] = cite.bibtex_file([bib])
    return files


def outputs(content: Content, pages, with_data: bool = True) -> list:
    """The render stage's Output objects: the data files (unless with_data is False) and the
    citation files of `pages`."""
    from .render import Output
    found = [(path, Output("dataset", data)) for path, data in data_files(content).items()] \
        if with_data else []
    found += [(path, Output("citation", data)) for path, data in cite_files(content.site, pages).items()]
    return found


# --- the page that documents the dataset ----------------------------------------------------------

def _type_of(prop: dict, defs: dict) -> str:
    """A schema property's type, in a reader's words."""
    if "anyOf" in prop:
        kinds = [_type_of(p, defs) for p in prop["anyOf"] if p.get("type") != "null"]
        return " or ".join(kinds)
    if "$ref" in prop:
        return "object"
    if "enum" in prop:
        return "one of: " + ", ".join(map(str, prop["enum"]))
    kind = prop.get("type")
    if isinstance(kind, list):
        return "date as precise as known"
    if kind == "array":
        return "list"
    if prop.get("format") == "date":
        return "day (YYYY-MM-DD)"
    if prop.get("format") == "uri":
        return "web address"
    return {"string": "text", "integer": "whole number", "number": "number",
            "boolean": "true or false"}.get(kind, kind or "any")


def _property(json_schema: dict, column: str) -> dict:
    name, _, sub = column.partition(".")
    prop = json_schema["properties"].get(name, {})
    if sub:
        ref = next((p["$ref"] for p in [prop, *prop.get("anyOf", [])] if "$ref" in p), "")
        prop = json_schema["$defs"][ref.rsplit("/", 1)[-1]]["properties"][sub] if ref else {}
    return prop


def field_rows(kind: str, site: schema.Site) -> list[dict]:
    """What the data page says about each column of a kind: name, type and the schema's
    description."""
    json_schema = schema.json_schemas()[EXPORTED[kind]]
    rows = []
    for column in csv_columns(kind):
        if column == PAGE_URL:
            rows.append({"name": PAGE_URL, "type": "web address",
                         "description": f"the item's page on {site.title}"})
            continue
        prop = _property(json_schema, column)
        description = prop.get("description", "")
        if column == "id":
            description = "the item's id: its file name, and part of its address"
        rows.append({"name": column, "type": _type_of(prop, json_schema.get("$defs", {})),
                     "description": description})
    return rows


def data_page(content: Content) -> model.PageModel:
    site = content.site
    strings = strings_for(site)
    kinds = [{"kind": kind, "label": strings.get(kind, kind.capitalize()),
              "count": len(content.kind(kind)), "json": f"{DATA_DIR}{kind}.json",
              "csv": f"{DATA_DIR}{kind}.csv", "schema": f"{DATA_DIR}schemas/{EXPORTED[kind]}",
              "fields": field_rows(kind, site)} for kind in EXPORTED]
    keys = {f"{kind}/{key}" for kind in EXPORTED for key in content.kind(kind)}
    return model._page(content, url=DATA_DIR, template="data.html", kind="data",
                       title=strings["open_data"],
                       description=f"Every claim, event, source, entity and correction of "
                                   f"{site.title}, as JSON and CSV, with schemas.",
                       keys=keys, kinds=kinds, schemas=sorted(schema.json_schemas()),
                       site_json=f"{DATA_DIR}site.json", sources_count=len(content.sources))
