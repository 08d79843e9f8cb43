"""What the open data publishes, described from the editors' schemas (engine/schema.py): the
exported kinds, their CSV columns, the JSON Schemas under data/schemas/, and the reader's
words for each field on the data page. Depends on nothing but the schema, so the page models
and the export both build on it."""
from __future__ import annotations

import functools
import types
import typing

from pydantic import BaseModel

from . import schema

# Exported kinds, in the order the data page lists them, with their schema file.
EXPORTED = {"claims": "claim.schema.json", "events": "event.schema.json",
            "sources": "source.schema.json", "entities": "entity.schema.json",
            "corrections": "correction.schema.json", "timelines": "timeline.schema.json"}
# Editorial workflow fields: always false / in the past for a published item, so left out.
LEFT_OUT = {"draft", "publish_after"}
DATA_DIR = "data/"
PAGE_URL = "page_url"   # the field added to every item: its page on the site


def _single_model(annotation) -> type[BaseModel] | None:
    """The model class of a field holding one object (or None), not a list of them."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        found = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _single_model(found[0]) if len(found) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


@functools.cache
def csv_columns(kind: str) -> tuple[str, ...]:
    """The CSV header of a kind, from its schema: the same whatever the content."""
    columns = []
    for name, info in schema.KINDS[kind].model_fields.items():
        if name in LEFT_OUT:
            continue
        nested = _single_model(info.annotation)
        columns += [f"{name}.{sub}" for sub in nested.model_fields] if nested else [name]
    return (*columns, PAGE_URL)


JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@functools.cache
def data_schemas() -> dict[str, dict]:
    """The JSON Schemas published under data/schemas/: one per exported kind, describing one
    item of data/<kind>.json, and site.schema.json for data/site.json. They are the editors'
    schemas (engine/schema.py) made to describe exactly what is exported rather than what an
    editor may write: every field is written (an unset one as null or its default), so every
    field is required, at every level, and no other is allowed; `id` is always there; the
    workflow fields are left out and `page_url` is added. Made once per process (read, never
    changed): they depend only on engine/schema.py."""
    schemas = {"site.schema.json": _exactly(schema.Site.model_json_schema(mode="serialization"))}
    for kind, name in EXPORTED.items():
        item = schema.KINDS[kind].model_json_schema(mode="serialization")
        for field in LEFT_OUT:
            del item["properties"][field]
        item["properties"]["id"]["description"] = "the item's id: its file name, and part of its address"
        item["properties"][PAGE_URL] = {"type": "string", "format": "uri", "title": "Page Url",
                                        "description": "the item's page on the site, a full address"}
        schemas[name] = _exactly(item)
    return schemas


def _exactly(json_schema: dict) -> dict:
    """Every property of the schema and of its object definitions required, and no other."""
    for part in (json_schema, *json_schema.get("$defs", {}).values()):
        if "properties" in part:
            part["required"] = list(part["properties"])
            part["additionalProperties"] = False
    return {"$schema": JSON_SCHEMA_DIALECT, **json_schema}


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
    json_schema = data_schemas()[EXPORTED[kind]]
    rows = []
    for column in csv_columns(kind):
        if column == PAGE_URL:
            rows.append({"name": PAGE_URL, "type": "web address",
                         "description": f"the item's page on {site.title}"})
            continue
        prop = _property(json_schema, column)
        rows.append({"name": column, "type": _type_of(prop, json_schema.get("$defs", {})),
                     "description": prop.get("description", "")})
    return rows


