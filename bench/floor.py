"""The floor: the least work any Python build of this content must do, in one process, in a
tight loop, with the same libraries the engine uses.

    python bench/floor.py --content /tmp/bench/content --out /tmp/bench/floor

1. load: read every YAML file under content/ (site.yaml and every item) with
   yaml.load(CSafeLoader);
2. markdown: render every claim's `note` with markdown_it.MarkdownIt("commonmark");
3. write: render a trivial Jinja template (title + html) per claim page and write it to
   out/claims/<id>/index.html, plus an index page listing every claim.

With --loader compose, files are read with yaml.compose(CSafeLoader) and the nodes turned into
plain values by a ten-line walk (the way engine/load.py reads them), instead of yaml.load, whose
constructor is pure Python even with CSafeLoader and costs about three times as much.

With --all-kinds it also parses the Markdown pages' front matter and writes one page per source,
event, entity and page too (rendering their Markdown field), which is closer to the number of
pages the engine writes; the headline floor is the claims-only one.

Prints one line of JSON: seconds per step, pages written, and the import time.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

STARTED = time.perf_counter()

from pathlib import Path  # noqa: E402

import jinja2  # noqa: E402
import yaml  # noqa: E402
from markdown_it import MarkdownIt  # noqa: E402

IMPORTED = time.perf_counter()

PAGE = jinja2.Template(
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ title }}</title>"
    "</head><body><h1>{{ title }}</h1>\n{{ html | safe }}</body></html>\n", autoescape=True)
INDEX = jinja2.Template(
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ title }}</title>"
    "</head><body><h1>{{ title }}</h1><ul>\n{% for id, title in items %}"
    "<li><a href=\"{{ id }}/\">{{ title }}</a></li>\n{% endfor %}</ul></body></html>\n",
    autoescape=True)
MARKDOWN_FIELD = {"claims": "note", "sources": "notes", "events": "body", "entities": "description"}
TITLE_FIELD = {"claims": "statement", "sources": "title", "events": "title", "entities": "name"}


def _value(node):
    """A composed YAML node as a plain value: text stays text, like engine/load.py."""
    if isinstance(node, yaml.MappingNode):
        return {key.value: _value(value) for key, value in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_value(item) for item in node.value]
    if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        return float(node.value) if "." in node.value else int(node.value)
    return node.value


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def run(content: Path, out: Path, all_kinds: bool = False, how: str = "load") -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if how == "load":
        def parse(text: str):
            return yaml.load(text, Loader=loader)
    else:
        def parse(text: str):
            return _value(yaml.compose(text, Loader=loader))
    md = MarkdownIt("commonmark")
    times: dict[str, float] = {}
    started = time.perf_counter()
    items: dict[str, dict[str, dict]] = {}
    parse((content / "site.yaml").read_text("utf-8"))
    for folder in sorted(p for p in content.iterdir() if p.is_dir() and p.name != "pages"):
        items[folder.name] = {path.stem: parse(path.read_text("utf-8"))
                              for path in sorted(folder.glob("*.yaml"))}
    pages: dict[str, dict] = {}
    if all_kinds and (content / "pages").is_dir():
        for path in sorted((content / "pages").glob("*.md")):
            _, front, body = path.read_text("utf-8").split("---\n", 2)
            pages[path.stem] = {**parse(front), "body": body}
    times["load"] = time.perf_counter() - started

    kinds = list(MARKDOWN_FIELD) if all_kinds else ["claims"]
    started = time.perf_counter()
    html = {kind: {key: md.render(item.get(MARKDOWN_FIELD[kind], "") or "")
                   for key, item in items.get(kind, {}).items()} for kind in kinds}
    html["pages"] = {key: md.render(page["body"]) for key, page in pages.items()}
    times["markdown"] = time.perf_counter() - started

    started = time.perf_counter()
    written = 0
    for kind in kinds:
        for key, item in items.get(kind, {}).items():
            write(out / kind / key / "index.html",
                  PAGE.render(title=item[TITLE_FIELD[kind]], html=html[kind][key]))
            written += 1
        write(out / kind / "index.html",
              INDEX.render(title=kind, items=[(k, i[TITLE_FIELD[kind]]) for k, i in items.get(kind, {}).items()]))
        written += 1
    for key, page in pages.items():
        write(out / page["slug"] / "index.html", PAGE.render(title=page["title"], html=html["pages"][key]))
        written += 1
    times["write"] = time.perf_counter() - started
    return {"times": times, "loop": sum(times.values()), "pages": written,
            "files_read": 1 + sum(len(v) for v in items.values()) + len(pages)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--all-kinds", action="store_true")
    parser.add_argument("--loader", choices=("load", "compose"), default="load")
    args = parser.parse_args(argv)
    result = run(args.content, args.out, args.all_kinds, args.loader)
    result["imports"] = IMPORTED - STARTED
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
