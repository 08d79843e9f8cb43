"""Open data: the published content as files under data/, and citation files beside the pages.

Pure functions from validated content (or page models) to bytes:

- data/<kind>.json: every published item of a kind with its full structure, as the schema in
  data/schemas/ describes it, plus `page_url`, its page on the site (a source's own `url` is
  the original's address);
- data/<kind>.csv: one row per item. Flattening: a plain value is the cell; an object field
  (a source's `archived`) becomes one column per sub-field, `archived.url`; a list becomes
  one cell holding a JSON array; an empty cell is a value that is not set; a text cell that a
  spreadsheet would run as a formula gets a leading `'` (formats.csv_text), numbers never do
  (SECURITY.md, "Exports");
- data/site.json (the site's title, topics and statuses), data/schemas/*.schema.json (one per
  kind, describing exactly an item of data/<kind>.json, and one for data/site.json), the
  bibliography data/sources.bib and data/sources.csl.json;
- <page>/cite.json and <page>/cite.bib for the pages that show a "Cite this page" block.

Only published items are exported (Content holds nothing else). Output is deterministic: rows
sorted by id, JSON keys sorted, one item per line in the JSON lists, UTF-8, "\n" line endings
for JSON and BibTeX, "\r\n" for CSV (RFC 4180).
"""
from __future__ import annotations

import csv
import functools
import io
import math

from . import cite, page_model, schema
from .data_schemas import (
    DATA_DIR,
    EXPORTED,
    LEFT_OUT,
    PAGE_URL,
    csv_columns,
    data_schemas,
)
from .formats import NotFinite, csv_text, json_text
from .outputs import Output
from .validate import Content




def _json_bytes(data) -> bytes:
    return (json_text(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def item_page_url(kind: str, item_id: str) -> str:
    """Where an item is shown on the site, site-relative."""
    if kind == "corrections":
        return f"corrections/#correction-{item_id}"
    return page_model.item_url(kind, item_id)


def item_record(site: schema.Site, kind: str, item) -> dict:
    """One item as exported: the schema's fields, less the workflow ones, plus `page_url`."""
    record = item.model_dump(mode="json", exclude=LEFT_OUT)
    record[PAGE_URL] = site.base_url + item_page_url(kind, item.id)
    return record


def _sorted_items(content: Content, kind: str) -> list:
    return [content.kind(kind)[key] for key in sorted(content.kind(kind))]


def _compact(data) -> str:
    return json_text(data, sort_keys=True)


def json_lines_document(header: dict, list_key: str, lines: list[bytes]) -> bytes:
    """JSON with the header's fields one per line, then the list with one record (already
    encoded, UTF-8) per line: readable, a one-line diff per changed item, and fast to write."""
    fields = [f"{_compact(key)}: {_compact(value)}," for key, value in sorted(header.items())]
    opening = ("{\n" + "\n".join(fields) + f"\n{_compact(list_key)}: [\n").encode("utf-8")
    return b"".join((opening, b",\n".join(lines), b"\n]\n}\n" if lines else b"]\n}\n"))


class ItemMemo:
    """Each item's exported forms, kept while the item object stays the same: the dev server
    swaps in a new object only for an edited item, so after an edit only that item is
    serialised again (a clean build starts empty). An entry holds its item, so an id() is
    never reused while its entry lives; entries of items gone from the content are dropped
    at the end of each export."""

    def __init__(self):
        self.entries: dict[tuple[str, int], tuple] = {}
        self.used: dict[tuple[str, int], tuple] = {}

    def get(self, tag: str, item, context, make):
        key = (tag, id(item))
        entry = self.entries.get(key)
        if entry is None or entry[0] is not item or entry[1] != context:
            entry = (item, context, make())
        self.used[key] = entry
        return entry[2]

    def sweep(self) -> None:
        self.entries, self.used = self.used, {}



def item_forms(site: schema.Site, kind: str, item, where: str | None = None) -> tuple[bytes, bytes]:
    """An item's line in the JSON file and its record in the CSV file, as UTF-8 bytes: a str
    with one curly quote in it takes two bytes a character, and all of a kind's lines are held
    at once (as str, the build's peak at 10,000 claims was 60 MB higher). `where` names the
    item's file in the error a non-finite number makes."""
    record = item_record(site, kind, item)
    try:
        line = _compact(record).encode("utf-8")
    except NotFinite:
        raise NotFinite(where or f"{kind}/{item.id}", f"a number of {kind}/{item.id}") from None
    return line, csv_line(csv_row(record, csv_columns(kind))).encode("utf-8")


def dataset_files(content: Content, kind: str, memo: "ItemMemo | None" = None) -> tuple[bytes, bytes]:
    """data/<kind>.json and data/<kind>.csv. With `memo`, an item's forms are made again only
    when the item has changed since the last export (the dev server)."""
    site = content.site
    def forms_of(item):
        return item_forms(site, kind, item, content.files.get(f"{kind}/{item.id}"))
    forms = [memo.get(kind, item, site.base_url, lambda item=item: forms_of(item))
             if memo else forms_of(item) for item in _sorted_items(content, kind)]
    header = {"title": f"{site.title}: {kind}", "kind": kind, "site": site.base_url,
              "publisher": site.publisher.name, "licence": site.licence.model_dump(mode="json"),
              "schema": f"schemas/{EXPORTED[kind]}", "count": len(forms)}
    return (json_lines_document(header, "items", [line for line, _ in forms]),
            csv_document(csv_columns(kind), [row for _, row in forms]))


def site_json(content: Content) -> bytes:
    return _json_bytes(content.site.model_dump(mode="json"))


# --- CSV ------------------------------------------------------------------------------------------

def csv_cell(value) -> str:
    """A plain value as a cell: text made inert for spreadsheets (formats.csv_text), numbers
    as they are, so -3 stays a number; a list or an object as compact JSON (it starts with [
    or {, never a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json_text(value, sort_keys=True, separators=(",", ":"))
    if isinstance(value, str):
        return csv_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise NotFinite(what=f"the value {value}")
    return str(value)


def csv_row(record: dict, columns) -> list[str]:
    row = []
    for column in columns:
        name, _, sub = column.partition(".")
        value = record.get(name)
        if sub:
            value = value.get(sub) if isinstance(value, dict) else None
        row.append(csv_cell(value))
    return row


def csv_line(cells) -> str:
    """One CSV record, quoted as needed, ending in CRLF (RFC 4180)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(cells)
    return buffer.getvalue()


def csv_document(columns, lines: list[bytes]) -> bytes:
    return b"".join((csv_line(columns).encode("utf-8"), *lines))


# --- every data file ------------------------------------------------------------------------------

@functools.cache
def schema_files() -> dict[str, bytes]:
    """data/schemas/*.schema.json, as bytes."""
    return {name: _json_bytes(data) for name, data in sorted(data_schemas().items())}


def data_file_items(content: Content, memo: "ItemMemo | None" = None):
    """Every file under data/ as (site-relative path, bytes), one kind at a time."""
    yield f"{DATA_DIR}site.json", site_json(content)
    for kind in EXPORTED:
        json_file, csv_file = dataset_files(content, kind, memo)
        yield f"{DATA_DIR}{kind}.json", json_file
        yield f"{DATA_DIR}{kind}.csv", csv_file
        del json_file, csv_file   # let a streaming build free each kind before the next
    make = lambda source: (cite.bibtex_for_source(source), cite.csl_for_source(source))   # noqa: E731
    references = [memo.get("references", source, None, lambda source=source: make(source)) if memo
                  else make(source) for source in _sorted_items(content, "sources")]
    if memo:
        memo.sweep()
    yield f"{DATA_DIR}sources.bib", cite.bibtex_file([bib for bib, _ in references])
    yield f"{DATA_DIR}sources.csl.json", cite.csl_json([csl for _, csl in references])
    for name, data in schema_files().items():
        yield f"{DATA_DIR}schemas/{name}", data


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


def outputs(content: Content, pages, with_data: bool = True, memo: ItemMemo | None = None) -> list:
    """The render stage's Output objects: the data files (unless with_data is False) and the
    citation files of `pages`. The dev server calls it after every edit with its `memo`: item
    forms made before are kept while their item stays the same."""
    return [output for batch in output_batches(content, pages, with_data, memo) for output in batch]


CITE_BATCH = 2000   # pages whose citation files are made, written and let go at a time


def output_batches(content: Content, pages, with_data: bool = True, memo: ItemMemo | None = None):
    """The same a few files at a time, for a build that writes them as they come; without
    `memo`, nothing is kept once a batch is made."""
    if with_data:
        for path, data in data_file_items(content, memo):
            yield [(path, Output("dataset", data))]
    for start in range(0, len(pages), CITE_BATCH):
        yield [(path, Output("citation", data))
               for path, data in cite_files(content.site, pages[start:start + CITE_BATCH]).items()]
