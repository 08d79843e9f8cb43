"""The editors' web admin at /admin/: Decap CMS, from its pinned and verified npm tarball
(engine/decap_bundle.py; never from a CDN), with a config.yml generated from engine/schema.py
and site.yaml's vocabularies, so the form an editor fills in and the validation the build runs
can never disagree.

It is a site setting (`admin:` in site.yaml, with the Git backend the newsroom picks), not a
build flag: the deployed site must carry it for editors, deploy previews should match
production, and the dev server's incremental build must make the same files as a clean build.
A site without `admin:` gets no /admin/ at all; a site with it still builds where the bundle
has not been fetched, without /admin/, and the build says so once (`left_out`).
"""
from __future__ import annotations

import html
from pathlib import Path

import yaml
from pydantic import BaseModel

from . import decap_bundle, field_types, schema
from .load import MEDIA_FOLDER
from .problems import Problem

DECAP_VERSION = decap_bundle.VERSION
FILES = Path(__file__).parent / "admin_files"   # index.html and admin.js, ours

# (collection, model, the field an entry is listed and searched by, the $schema file it names)
COLLECTIONS = (
    ("claims", schema.Claim, "statement", "claim"),
    ("sources", schema.Source, "title", "source"),
    ("events", schema.Event, "title", "event"),
    ("entities", schema.Entity, "name", "entity"),
    ("timelines", schema.Timeline, "title", "timeline"),
    ("corrections", schema.Correction, "wrong", "correction"),
    ("pages", schema.Page, "title", None),
)
DISPLAY_FIELD = {name: field for name, _, field, _ in COLLECTIONS}
# Fields that hold the id of another item, by name, wherever they appear in the schema.
REFERENCES = {"source": "sources", "repost_of": "sources", "entities": "entities", "to": "entities",
              "events": "events", "event": "events", "funding_event": "events",
              "claims": "claims", "timelines": "timelines"}
VOCABULARIES = ("topic", "status")
SLUG_HINT = "lower-case letters, digits and single hyphens, e.g. series-c"   # site.yaml's topics and statuses


# --- config.yml from the schema -----------------------------------------------------------------

def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _options(site: schema.Site, name: str) -> list[dict]:
    items = site.topics if name == "topic" else site.statuses
    return [{"label": item.label, "value": item.id} for item in items]


def _nullable(spec: dict) -> dict:
    """The non-null branch of an `X | None` property."""
    branches = [b for b in spec.get("anyOf", []) if b.get("type") != "null"]
    return {**branches[0], **{k: v for k, v in spec.items() if k != "anyOf"}} if branches else spec


def _widget(name: str, spec: dict, defs: dict, site: schema.Site) -> dict:
    """A Decap widget for one JSON Schema property."""
    spec = _nullable(spec)
    if "$ref" in spec:
        target = defs[spec["$ref"].rsplit("/", 1)[1]]
        return {"widget": "object", "collapsed": False,
                "fields": _fields(target, defs, site)}
    kind = spec.get("type")
    if name in VOCABULARIES:
        return {"widget": "select", "options": _options(site, name)}
    if name in REFERENCES and (kind == "string" or kind == "array"):
        target = REFERENCES[name]
        return {"widget": "relation", "collection": target, "value_field": "{{slug}}",
                "search_fields": [DISPLAY_FIELD[target]], "display_fields": [DISPLAY_FIELD[target]],
                "multiple": kind == "array"}
    if kind == "array":
        items = _nullable(spec["items"])
        if "enum" in items:
            return {"widget": "select", "multiple": True, "options": list(items["enum"])}
        if "$ref" in items:
            return {"widget": "list", "fields": _fields(defs[items["$ref"].rsplit("/", 1)[1]], defs, site)}
        return {"widget": "list", "field": {"name": "item", "label": _label(name), **_widget("item", items, defs, site)}}
    if "enum" in spec:
        return {"widget": "select", "options": list(spec["enum"])}
    if kind == "boolean":
        return {"widget": "boolean"}
    if kind in ("integer", "number"):
        widget = {"widget": "number", "value_type": "int" if kind == "integer" else "float"}
        widget.update({key: spec[source] for key, source in (("min", "minimum"), ("max", "maximum"))
                       if source in spec})
        return widget
    if spec.get("format") == "date":
        return {"widget": "datetime", "format": "YYYY-MM-DD", "date_format": "YYYY-MM-DD",
                "time_format": False, "picker_utc": True}
    if spec.get("format") == "uri":
        return {"widget": "string", "pattern": ["^https?://", "a web address starting with https://"]}
    # Markdown fields are plain text areas: Decap's rich-text widget would rewrite [@citations]
    if spec.get("maxLength", 0) > field_types.MAX_TEXT:
        return {"widget": "text"}
    widget = {"widget": "string"}
    if "pattern" in spec:
        widget["pattern"] = [spec["pattern"], spec.get("description", "the expected form")]
    return widget


def _fields(model_schema: dict, defs: dict, site: schema.Site) -> list[dict]:
    required = set(model_schema.get("required", []))
    fields = []
    for name, spec in model_schema["properties"].items():
        field = {"label": _label(name), "name": name,
                 **_widget(name, spec, defs, site), "required": name in required}
        if field["widget"] == "object" and not field["required"]:
            _optional_inside(field["fields"])
        if isinstance(spec.get("default"), (bool, int, float)) or spec.get("enum") and "default" in spec:
            field["default"] = spec["default"]   # what a new entry starts with, as the build assumes
        description = spec.get("description") or _nullable(spec).get("description")
        if field["widget"] in ("select", "relation") and description == SLUG_HINT:
            description = None   # the choices are listed: the id's spelling is no help
        if description:
            field["hint"] = description
        fields.append(field)
    return fields


def _optional_inside(fields: list[dict]) -> None:
    """Decap checks the required fields of an optional object even when the object is left
    out (a claim source without a figure would not save): inside one, nothing is required in
    the form, and `build.py check` still reports a figure given without its value."""
    for field in fields:
        field["required"] = False
        _optional_inside(field.get("fields", []))


def _ordered(model: type[schema.Item], fields: list[dict]) -> list[dict]:
    """A kind's own fields first, then those every item has, as the content files are written."""
    common = set(schema.Item.model_fields)
    return [f for f in fields if f["name"] not in common] + [f for f in fields if f["name"] in common]


def collection(name: str, model: type[schema.Item], display: str, schema_file: str | None,
               site: schema.Site, folder: str) -> dict:
    model_schema = model.model_json_schema()
    fields = _ordered(model, _fields(model_schema, model_schema.get("$defs", {}), site))
    for field in fields:
        if field["name"] == "id":   # the file name gives the id; a new entry is named after it
            field["required"] = False
            field["hint"] = "the file name: set it once when creating the entry, then leave it"
    config = {"name": name, "label": name.capitalize(), "folder": f"{folder}/{name}",
              "create": True, "identifier_field": "id", "slug": "{{slug}}",
              "summary": "{{" + display + "}}"}
    if schema_file is None:   # Markdown with YAML front matter; the text after it is `body`
        config.update({"extension": "md", "format": "yaml-frontmatter"})
    else:
        config.update({"extension": "yaml", "format": "yaml"})
        # Decap writes a field's `comment` above it: on the first field, which every entry has,
        # it keeps the line editors' YAML plugins read the JSON Schema from
        fields[0]["comment"] = f"yaml-language-server: $schema=../../schemas/{schema_file}.schema.json"
    for field in fields:
        if field["name"] == "body":
            field["hint"] = "the page's text, in Markdown with [@source] citations"
    config["fields"] = fields
    return config


def content_folder(paths) -> str:
    """The content folder as the Git backend sees it: relative to the repository root."""
    content = paths.content.resolve()
    root = paths.root.resolve()
    return content.relative_to(root).as_posix() if content.is_relative_to(root) else content.name


def config(site: schema.Site, folder: str) -> dict:
    settings = site.admin
    backend = {"name": settings.backend, "branch": settings.branch}
    if settings.repo:
        backend["repo"] = settings.repo
    return {
        "backend": backend,
        "site_url": site.base_url,
        "media_folder": f"{folder}/{MEDIA_FOLDER}",   # required by Decap; the build refuses it, with why
        "collections": [collection(name, model, display, schema_file, site, folder)
                        for name, model, display, schema_file in COLLECTIONS],
    }


def config_yaml(config_data: dict) -> bytes:
    header = ("# Generated by engine/admin.py from engine/schema.py and site.yaml: do not edit.\n")
    return (header + yaml.dump(config_data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                                sort_keys=False, allow_unicode=True, width=100)).encode("utf-8")


def with_local_backend(config_bytes: bytes, url: str) -> bytes:
    """The config the dev server sends with `serve --admin`: Decap then reads and writes the
    content folder through the dev server's own local backend (engine/local_backend.py, at
    url) instead of the Git host."""
    return config_bytes + f"local_backend:\n  url: {url}\n".encode("utf-8")


SITE_FIELDS_USED = {"admin", "base_url", "topics", "statuses"}


def _config_file(site: schema.Site, folder: str, remembered: dict) -> bytes:
    """config.yml, made again only when what it shows of site.yaml changes (a dev server's
    full rebuild would otherwise spend most of 0.1 s on it)."""
    key = (site.model_dump_json(include=SITE_FIELDS_USED), folder)
    if key not in remembered:
        if len(remembered) >= 4:
            remembered.clear()
        remembered[key] = config_yaml(config(site, folder))
    return remembered[key]


def outputs(site: schema.Site, paths, meta_policy: str | None = None,
            remembered: dict | None = None) -> list[tuple[str, bytes]]:
    """The /admin/ files: [] when the site has no admin, or when Decap's bundle has not been
    fetched (`left_out` says so); decap_bundle.BundleError when the file there is not it.
    meta_policy: netlify.toml's policy for /admin/, for hosts that send no headers;
    `remembered`: the builder's config files (engine/memory.py)."""
    if site.admin is None:
        return []
    bundle = decap_bundle.load(paths.root)
    if bundle is None:
        return []
    page = (FILES / "index.html").read_bytes()
    if meta_policy:
        tag = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(meta_policy)}">'
        page = page.replace(b'<meta charset="utf-8">\n', b'<meta charset="utf-8">\n' + tag.encode() + b"\n", 1)
    files = [("admin/index.html", page),
             ("admin/admin.js", (FILES / "admin.js").read_bytes()),
             ("admin/config.yml", _config_file(site, content_folder(paths), {} if remembered is None else remembered))]
    return files + [(f"admin/{name}", data) for name, data in bundle.files]


def left_out(site: schema.Site, root: Path) -> str | None:
    """What a build says, once, when site.yaml asks for /admin/ and the bundle is not there."""
    if site.admin is None or decap_bundle.present(root):
        return None
    return (f"/admin/ (the browser editor site.yaml asks for) was left out: Decap CMS "
            f"{DECAP_VERSION} has not been fetched on this machine. To add it, run "
            f"`{decap_bundle.FETCH_HINT}` (one download from npm, {decap_bundle.SIZE}), then "
            "build again.")


def all_field_paths(model: type, prefix: str = "") -> set[str]:
    """Every field of a model and of the models inside it, as dotted paths (for the test)."""
    found = set()
    for name, info in model.model_fields.items():
        found.add(prefix + name)
        for inner in _models_in(info.annotation):
            found |= all_field_paths(inner, f"{prefix}{name}.")
    return found


def _models_in(annotation) -> list[type]:
    import typing
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def not_verified(error: decap_bundle.BundleError, root: Path):
    """The problem a build reports when the file where the bundle belongs is not the bundle."""
    shown = decap_bundle.location(root).relative_to(root).as_posix()
    return Problem(shown, 1, 1, f"this file {error}, so it was not published as /admin/: delete "
                   f"it and run `{decap_bundle.FETCH_HINT}` to fetch Decap CMS again")
