"""Open data under /data/ and citations: the dataset files and their page, the citation meta
tags on every page, the "Cite this page" block, and the CSL-JSON and BibTeX files."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from bs4 import BeautifulSoup
from jsonschema import Draft202012Validator
from pybtex.database import parse_string

from conftest import FIXTURE, NOW, build, copy_fixture, page, paths_for
from engine import schema
from engine.export import EXPORTED, LEFT_OUT, csv_columns
from engine.pipeline import load_and_validate

HIDDEN = ("draft-claim", "Acme has a secret customer", "embargoed", "Acme plans a listing", "secret/",
          "Not yet")
# CSL 1.0.2's item types and the variables we may write (https://docs.citationstyles.org/).
CSL_TYPES = {"article", "article-journal", "article-magazine", "article-newspaper", "dataset",
             "document", "motion_picture", "post", "post-weblog", "report", "webpage"}
CSL_VARIABLES = {"id", "type", "title", "container-title", "publisher", "author", "issued",
                 "accessed", "URL", "language", "note"}
HOSTILE = 'Tom & Jerry\'s 100% $5 #1 a_b {x} } { ~tilde ^caret \\back "q" — Zürich 北京'


@pytest.fixture(scope="module")
def content():
    validated, problems = load_and_validate(paths_for(FIXTURE), NOW)
    assert validated is not None, problems.items
    return validated


def test_json_holds_every_published_item_with_its_full_structure(site, content):
    for kind, schema_name in EXPORTED.items():
        data = json.loads((site / f"data/{kind}.json").read_text("utf-8"))
        assert data["licence"] == {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
        assert (site / "data" / data["schema"]).is_file()
        ids = [record["id"] for record in data["items"]]
        assert ids == sorted(content.kind(kind)) and data["count"] == len(ids), kind
        for record in data["items"]:
            url = record.pop("page_url")
            assert url.startswith("https://example.org/") and record["id"] in url
            # the record is the item itself: it validates against the schema and equals it
            again = schema.KINDS[kind].model_validate(record)
            assert again.model_dump(exclude=LEFT_OUT) == \
                content.kind(kind)[record["id"]].model_dump(exclude=LEFT_OUT)
    site_data = json.loads((site / "data/site.json").read_text("utf-8"))
    assert schema.Site.model_validate(site_data) == content.site


def test_csv_has_one_row_per_item_flattened_as_documented(site, content):
    for kind in EXPORTED:
        raw = (site / f"data/{kind}.csv").read_bytes()
        assert raw.split(b"\n", 1)[0].endswith(b"\r") and raw.endswith(b"\r\n")   # RFC 4180 CRLF
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
        header, rows = rows[0], rows[1:]
        assert header == list(csv_columns(kind)) and header[0] == "id" and header[-1] == "page_url"
        assert [row[0] for row in rows] == sorted(content.kind(kind))
        items = {r["id"]: r for r in json.loads((site / f"data/{kind}.json").read_text())["items"]}
        for row in rows:
            record = items[row[0]]
            for column, cell in zip(header, row):
                name, _, sub = column.partition(".")
                value = record[name].get(sub) if sub and record[name] else (None if sub else record[name])
                if isinstance(value, (list, dict)):
                    assert json.loads(cell) == value, (kind, column)
                elif value is None:
                    assert cell == "", (kind, column)
                else:
                    assert cell == (str(value).lower() if isinstance(value, bool) else str(value))
    sources = list(csv.DictReader(io.StringIO((site / "data/sources.csv").read_text("utf-8"))))
    daily = next(row for row in sources if row["id"] == "daily-report")
    assert daily["archived.url"].startswith("https://web.archive.org/") and daily["archived.captured"]


def test_drafts_and_embargoed_items_stay_out_of_the_data_and_citations(site):
    files = [p for p in site.rglob("*") if p.suffix in (".json", ".csv", ".bib")]
    assert len(files) > 20
    for path in files:
        text = path.read_text("utf-8")
        for hidden in HIDDEN:
            assert hidden not in text, (path, hidden)


def published_validator(site, name: str) -> Draft202012Validator:
    """A JSON Schema validator (draft 2020-12, formats checked) for a schema the site publishes."""
    published = json.loads((site / "data" / "schemas" / name).read_text("utf-8"))
    Draft202012Validator.check_schema(published)
    assert published["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    return Draft202012Validator(published, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("which", ["site", "real_site"])
def test_every_exported_item_validates_against_the_schema_published_beside_it(which, request):
    """What anyone who downloads the data and its schemas can check, for the fixture site (every
    kind, corrections included) and the real one."""
    site = request.getfixturevalue(which)
    assert sorted(p.name for p in (site / "data" / "schemas").iterdir()) == \
        sorted([*EXPORTED.values(), "site.schema.json"])
    for kind, name in EXPORTED.items():
        data = json.loads((site / f"data/{kind}.json").read_text("utf-8"))
        assert data["schema"] == f"schemas/{name}"
        validator = published_validator(site, name)
        assert data["items"] or which == "real_site", kind
        for record in data["items"]:
            problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                        for e in validator.iter_errors(record)]
            assert not problems, (kind, record["id"], problems)
    site_data = json.loads((site / "data/site.json").read_text("utf-8"))
    assert not [e.message for e in published_validator(site, "site.schema.json").iter_errors(site_data)]


def test_the_schemas_describe_exactly_what_is_exported(site):
    """No field exported without being in the schema, none in the schema that is not exported,
    at every level: a record with a field more, or one less, is refused."""
    claims = published_validator(site, "claim.schema.json")
    sources = published_validator(site, "source.schema.json")
    claim = json.loads((site / "data/claims.json").read_text("utf-8"))["items"][0]
    source = next(s for s in json.loads((site / "data/sources.json").read_text("utf-8"))["items"]
                  if s["archived"])
    assert claims.is_valid(claim) and sources.is_valid(source)
    assert not claims.is_valid({**claim, "exported_but_not_described": 1})
    for field in ("page_url", "id", "sources"):
        assert not claims.is_valid({k: v for k, v in claim.items() if k != field}), field
    for field in LEFT_OUT:
        assert not claims.is_valid({**claim, field: False}), field
    assert not sources.is_valid({**source, "archived": {**source["archived"], "extra": "x"}})
    assert not sources.is_valid({**source, "archived": {k: v for k, v in source["archived"].items()
                                                        if k != "captured"}})


def test_the_data_page_documents_every_file_and_is_linked_from_every_footer(site):
    for url in ("", "claims/valuation/", "about/"):
        assert page(site, url).find("footer").find("a", href="/data/") is not None, url
    soup = page(site, "data/")
    links = {a["href"] for a in soup.find("main").find_all("a")}
    files = {"/" + p.relative_to(site).as_posix() for p in (site / "data").rglob("*")
             if p.is_file() and p.name not in ("index.html", "cite.json", "cite.bib")}
    assert files <= links, files - links
    assert soup.find("a", rel="license", href="https://creativecommons.org/licenses/by/4.0/")
    claims = soup.find(id="fields-claims").find_next("table")
    rows = {tr.td.get_text(): tr.find_all("td")[2].get_text() for tr in claims.tbody.find_all("tr")}
    assert rows["statement"] == "one sentence"                    # the schema's own description
    assert set(rows) == set(csv_columns("claims"))
    sources = soup.find(id="fields-sources").find_next("table")
    assert "archived.url" in sources.get_text()
    assert soup.find(class_="cite-this").find("a", href="/data/cite.bib") is not None
    assert "“The Acme Files: Open data”" in soup.find(class_="suggested-citation").get_text()
    [dataset] = csl_records(site / "data/cite.json")
    assert dataset["type"] == "dataset" and dataset["title"] == "The Acme Files: Open data"


def html_pages(site):
    for path in sorted(site.rglob("*.html")):
        soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        if soup.find("meta", attrs={"http-equiv": "refresh"}):
            continue   # a redirect stub, not a page
        yield path, soup


def test_every_page_carries_citation_meta_tags(site):
    count = 0
    for path, soup in html_pages(site):
        meta = {}
        for tag in soup.find_all("meta", attrs={"name": True}):
            meta.setdefault(tag["name"], []).append(tag["content"])
        title = soup.find("meta", property="og:title")["content"]
        if path.parent.name == "data":   # the dataset is cited with the site's name
            title = f"The Acme Files: {title}"
        assert meta["citation_title"] == [title], path
        assert meta["citation_public_url"] == [soup.find("link", rel="canonical")["href"]], path
        assert meta["citation_author"] == ["Ada Reporter"] and meta["DC.creator"] == ["Ada Reporter"]
        assert meta["citation_publisher"] == ["Example Newsroom"]
        assert meta["DC.identifier"] == meta["citation_public_url"] and meta["DC.title"]
        if path.name == "404.html":   # it shows no dated item: no date, rather than the build's
            assert not {"citation_publication_date", "citation_online_date", "DC.date",
                        "DC.modified"} & set(meta), path
            continue
        assert re.fullmatch(r"\d{4}/\d{2}/\d{2}", meta["citation_publication_date"][0])
        assert meta["citation_date"] == meta["citation_publication_date"]
        assert meta["DC.identifier"] == meta["citation_public_url"] and meta["DC.title"]
        count += 1
    assert count > 15
    claim = page(site, "claims/valuation/")
    assert claim.find("meta", attrs={"name": "citation_publication_date"})["content"] == "2026/11/01"


@pytest.mark.parametrize("url", ["claims/valuation/", "events/round-a/", "sources/wire/",
                                 "entities/acme/", "about/"])
def test_item_and_markdown_pages_have_a_cite_block_with_downloads(site, url):
    soup = page(site, url)
    block = soup.find("section", class_="cite-this")
    assert block.h2.get_text() == "Cite this page"
    text = block.find(class_="suggested-citation").get_text()
    title = soup.find("meta", property="og:title")["content"]
    assert f"“{title}”" in text and f"https://example.org/{url}" in text and "accessed" in text
    assert "Ada Reporter" in text and "The Acme Files" in text
    for name in ("cite.bib", "cite.json"):
        assert block.find("a", href=f"/{url}{name}") is not None
        assert (site / url / name).is_file()


def test_index_pages_have_no_cite_block(site):
    assert page(site, "claims/").find(class_="cite-this") is None


def csl_records(path):
    records = json.loads(path.read_text("utf-8"))
    assert isinstance(records, list) and records
    for record in records:
        assert set(record) <= CSL_VARIABLES, set(record) - CSL_VARIABLES
        assert record["type"] in CSL_TYPES and record["id"] and record["title"]
        for variable in ("issued", "accessed"):
            if variable in record:
                parts = record[variable]["date-parts"]
                assert 1 <= len(parts) <= 2 and all(
                    1 <= len(p) <= 3 and all(isinstance(n, int) for n in p) for p in parts)
        for name in record.get("author", []):
            assert set(name) <= {"literal", "family", "given"}
    return records


def test_csl_json_files_use_standard_variables(site):
    paths = sorted(site.rglob("cite.json")) + [site / "data/sources.csl.json"]
    assert len(paths) >= 12
    for path in paths:
        csl_records(path)
    [claim] = csl_records(site / "claims/valuation/cite.json")
    assert claim == {
        "id": "claim-valuation", "type": "webpage", "title": "The round valued Acme at about $50m.",
        "container-title": "The Acme Files", "publisher": "Example Newsroom",
        "author": [{"literal": "Ada Reporter"}], "issued": {"date-parts": [[2026, 11, 1]]},
        "URL": "https://example.org/claims/valuation/", "language": "en",
        "note": "Last updated 2026-11-02"}
    sources = {r["id"]: r for r in csl_records(site / "data/sources.csl.json")}
    assert sources["weekly-copy"]["issued"] == {"date-parts": [[2018, 4]]}     # a month stays a month
    assert sources["daily-report"]["accessed"] == {"date-parts": [[2026, 11, 1]]}
    [original] = csl_records(site / "sources/wire/cite.json")
    assert original == sources["wire"]


def braces_balance(text: str) -> bool:
    """BibTeX's own rule: every brace counts, escaped or not."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def unescape(value: str) -> str:
    """LaTeX back to text, for the characters an escaper must handle (written independently)."""
    for latex, char in ((r"\textbackslash{}", "\\"), (r"\textbraceleft{}", "{"),
                        (r"\textbraceright{}", "}"), (r"\textasciitilde{}", "~"),
                        (r"\textasciicircum{}", "^"), (r"\&", "&"), (r"\%", "%"), (r"\$", "$"),
                        (r"\#", "#"), (r"\_", "_")):
        value = value.replace(latex, char)
    return value


def bibtex(path):
    text = path.read_text("utf-8")
    assert braces_balance(text), path
    for entry in re.split(r"\n(?=@)", text.split("\n", 2)[2]):
        assert re.fullmatch(r"@(misc|article)\{[A-Za-z0-9_:.-]+,\n(  [a-z]+ = \{.*\},\n)+\}\n+", entry), entry
        for field, value in re.findall(r"^  ([a-z]+) = \{(.*)\},$", entry, re.M):
            assert braces_balance(value), (path, field)
            if field != "url":   # LaTeX specials escaped in every text field
                plain = re.sub(r"\\(textbackslash|textbraceleft|textbraceright|textasciitilde|"
                               r"textasciicircum)\{\}|\\[&%$#_]", "", value)
                assert not re.search(r"[&%$#_~^\\]", plain), (path, field, value)
    return parse_string(text, "bibtex")


def test_bibtex_files_parse_with_stable_keys(site):
    for path in sorted(site.rglob("*.bib")):
        bibtex(path)
    sources = bibtex(site / "data/sources.bib")
    assert list(sources.entries) == ["daily-report", "weekly-copy", "wire"]
    assert sources.entries["wire"].fields["url"] == "https://wire.example.com/acme"
    assert sources.entries["daily-report"].type == "article"
    claim = bibtex(site / "claims/valuation/cite.bib").entries["claim-valuation"]
    assert claim.type == "misc" and claim.fields["url"] == "https://example.org/claims/valuation/"
    assert [str(p) for p in claim.persons["author"]] == ["{Ada Reporter}"]     # one corporate name
    assert list(bibtex(site / "events/round-a/cite.bib").entries) == ["event-round-a"]


def test_a_hostile_title_is_escaped_in_bibtex_and_intact_everywhere_else(tmp_path):
    content = copy_fixture(tmp_path)
    claim = content / "claims/valuation.yaml"
    claim.write_text(claim.read_text().replace(
        "statement: The round valued Acme at about $50m.",
        "statement: " + json.dumps(HOSTILE, ensure_ascii=False)), encoding="utf-8")
    source = content / "sources/wire.yaml"
    source.write_text(source.read_text().replace(
        "title: Acme valued at $50m, sources say", "title: " + json.dumps(HOSTILE, ensure_ascii=False)
    ).replace("outlet: Wire Service", "outlet: Wire & Co\nauthors: [\"Doe, Jane\", Li Wei]"),
        encoding="utf-8")
    out = tmp_path / "out"
    result = build(content, out)
    assert result.ok, result.failures
    entry = bibtex(out / "claims/valuation/cite.bib").entries["claim-valuation"]
    assert unescape(entry.fields["title"][1:-1]) == HOSTILE          # inside the case-keeping braces
    wire = bibtex(out / "data/sources.bib").entries["wire"]
    assert unescape(wire.fields["title"][1:-1]) == HOSTILE and wire.fields["journal"] == r"Wire \& Co"
    assert [str(p) for p in wire.persons["author"]] == ["{Doe, Jane}", "Wei, Li"]   # kept as written
    assert bibtex(out / "sources/wire/cite.bib").entries["wire"].fields["title"] == wire.fields["title"]
    assert csl_records(out / "claims/valuation/cite.json")[0]["title"] == HOSTILE
    assert {r["id"]: r for r in csl_records(out / "data/sources.csl.json")}["wire"]["title"] == HOSTILE
    claims = json.loads((out / "data/claims.json").read_text("utf-8"))["items"]
    assert next(c for c in claims if c["id"] == "valuation")["statement"] == HOSTILE
    rows = list(csv.DictReader(io.StringIO((out / "data/claims.csv").read_text("utf-8"), newline="")))
    assert next(r for r in rows if r["id"] == "valuation")["statement"] == HOSTILE
    soup = page(out, "claims/valuation/")
    assert soup.find("meta", attrs={"name": "citation_title"})["content"] == HOSTILE
    assert f"“{HOSTILE}”" in soup.find(class_="suggested-citation").get_text()


def test_the_data_may_be_fetched_from_other_sites_on_netlify():
    from site_server import netlify_headers
    assert netlify_headers("/data/claims.json")["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in netlify_headers("/claims/x/")
    assert "'none'" in netlify_headers("/data/claims.json")["Content-Security-Policy"]


def test_the_dev_server_keeps_the_data_and_citations_in_step_with_an_edit(tmp_path):
    import os
    from conftest import DevBuild
    from conftest import build_site
    content = copy_fixture(tmp_path)
    dev = DevBuild(paths_for(content), tmp_path / "dev", NOW)
    assert dev.update().ok
    source = content / "sources/wire.yaml"
    source.write_text(source.read_text().replace("title: Acme valued at $50m, sources say",
                                                 "title: Acme valued at $50m & more"))
    os.utime(source, (2_000_000_000, 2_000_000_000))
    assert dev.update().ok
    assert "Acme valued at $50m & more" in dev.files["data/sources.json"].data.decode()
    assert r"Acme valued at \$50m \& more" in dev.files["data/sources.bib"].data.decode()
    assert r"\& more" in dev.files["sources/wire/cite.bib"].data.decode()
    clean = build_site(paths_for(content), tmp_path / "clean", NOW, dev=True, workers=1)
    generated = [p for p in clean.files if p.startswith("data/") or p.endswith(("cite.json", "cite.bib"))]
    assert len(generated) > 30
    for path in generated:
        assert dev.files[path].data == clean.files[path].data, path
