"""Unit tests of the model and the renderer (issue 18): pure functions on small inputs, beside the
whole-site tests. The content is the fixture's ten items, read once."""
from __future__ import annotations

import dataclasses
import hashlib
import time

import pytest
from conftest import FIXTURE, NOW, paths_for
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from engine import page_model, search
from engine.environment import asset_paths, json_ld
from engine.item_pages import claim_page, source_page
from engine.model import build_pages, item_page
from engine.outputs import Output, safe_output_path
from engine.pipeline import load_and_validate
from engine.problems import ContentError, Problem
from engine.render import Collector, render_page
from engine.site import Options, Site
from engine.template_errors import TemplateFailure
from engine.timings import Timings


@pytest.fixture(scope="module")
def content():
    validated, problems = load_and_validate(paths_for(FIXTURE), NOW)
    assert validated is not None, problems.items
    return validated


# --- page_model: addresses, keys, links ------------------------------------------------------------

def test_item_addresses_and_keys():
    assert page_model.item_url("claims", "valuation") == "claims/valuation/"
    assert page_model.listed("claims/valuation") == "claims/valuation@listed"
    assert page_model.item_key("claims/valuation@listed") == "claims/valuation"
    assert page_model.item_key("claims/valuation") == "claims/valuation"


def test_a_listing_changes_with_what_lists_show_not_with_the_own_page_fields(content):
    claim = content.claims["valuation"]
    signature = page_model.listing_signature("claims", claim)
    assert page_model.listing_signature("claims", claim.model_copy(update={"note": "Another note."})) == signature
    assert page_model.listing_signature("claims", claim.model_copy(update={"statement": "Another."})) != signature


def test_links_turn_every_reference_around(content):
    links = page_model.link_content(content)
    assert ("claims", "valuation") in links.citing["wire"]
    assert ("claims", "valuation") in links.citing["daily-report"]
    removed = dataclasses.replace(links, citing={k: list(v) for k, v in links.citing.items()})
    removed.remove("claims", "valuation", content.claims["valuation"])
    assert ("claims", "valuation") not in removed.citing.get("wire", [])
    removed.add("claims", "valuation", content.claims["valuation"])
    assert removed.citing["wire"] == links.citing["wire"]


# --- model: page models from content ------------------------------------------------------------

def test_the_content_view_records_each_item_taken_listed_or_whole(content):
    view = page_model.ContentView(content)
    assert view.keys == {"site"}                                  # every page depends on site.yaml
    assert view.claims["valuation"] is content.claims["valuation"]
    assert "no-such-claim" not in view.claims
    assert view.keys == {"site", "claims/valuation@listed", "claims/no-such-claim@listed"}
    event = view.events.whole("round-a")                          # its body is shown: its notes too
    assert {"events/round-a", "sources/daily-report"} <= view.keys and event.id == "round-a"
    other = view.fresh()                                          # another page records apart
    assert other.keys == {"site"} and len(other.sources) == len(content.sources) and other.keys == {"site"}
    assert sorted(other.entities.values(), key=lambda e: e.id) and other.keys == {"site"} | {
        f"entities/{key}@listed" for key in content.entities}
    assert page_model.make_page(other, url="x/", template="t.html", kind="index", title="T",
                                description="D").depends_on == frozenset(other.keys)


def test_a_claim_page_records_what_it_was_made_from(content):
    links = page_model.link_content(content)
    view = page_model.ContentView(content)
    page = claim_page(view, links, view.claims.whole("valuation"))
    assert (page.url, page.template, page.kind) == ("claims/valuation/", "claim.html", "claim")
    assert page.output_path == "claims/valuation/index.html"
    assert "claims/valuation" in page.depends_on
    assert {"sources/wire", "sources/daily-report"} <= page.depends_on   # its notes cite them
    assert "claims/round-size" not in page.depends_on   # a claim it does not show


def test_a_source_page_lists_what_cites_it(content):
    links = page_model.link_content(content)
    view = page_model.ContentView(content)
    page = source_page(view, links, view.sources.whole("wire"))
    assert page.url == "sources/wire/"
    assert "claims/valuation@listed" in page.depends_on


def test_item_page_is_the_builder_by_kind_and_none_for_what_has_no_page(content):
    links = page_model.link_content(content)
    page = item_page(content, links, "claims", "valuation")
    assert page.item == "claims/valuation" and page.url == "claims/valuation/"
    assert item_page(content, links, "claims", "no-such-claim") is None
    assert item_page(content, links, "corrections", next(iter(content.corrections), "x")) is None


def test_the_page_list_is_deterministic_and_has_one_page_per_address(content):
    first = build_pages(content)
    assert [p.url for p in first] == [p.url for p in build_pages(content)]
    assert len({p.output_path for p in first}) == len(first)


# --- render: one page, and the files of a site ---------------------------------------------------

def environment_with(tmp_path, **templates: str) -> Environment:
    for name, text in templates.items():
        (tmp_path / name).write_text(text, "utf-8")
    return Environment(loader=FileSystemLoader([str(tmp_path)]), undefined=StrictUndefined,
                       autoescape=True)


def test_render_page_gives_bytes_and_positions_a_template_error(tmp_path):
    page = page_model.PageModel(url="x/", template="ok.html", kind="page", title="<T>", description="d",
                                updated=None, depends_on=frozenset())
    env = environment_with(tmp_path, **{"ok.html": "<h1>{{ page.title }}</h1>\n",
                                        "bad.html": "<h1>\n{{ page.nope }}</h1>\n"})
    assert render_page(env, page) == b"<h1>&lt;T&gt;</h1>"   # escaped; Jinja drops the last newline
    with pytest.raises(TemplateFailure) as failed:
        render_page(env, dataclasses.replace(page, template="bad.html"))
    assert (failed.value.path, failed.value.line, failed.value.column) == (str(tmp_path / "bad.html"), 2, 9)


def test_the_collector_refuses_a_path_outside_the_folder_and_a_path_claimed_twice():
    collector = Collector({"a.html": "content/claims/a.yaml"})
    collector.add([("a.html", Output("claim", b"1")), ("a.html", Output("claim", b"2")),
                   ("../up.html", Output("claim", b"3"))])
    with pytest.raises(ContentError) as failed:
        collector.result()
    assert [str(p) for p in failed.value.problems] == [
        '../up.html:1:1: the output path "../up.html" would leave the site folder: use a plain id',
        'content/claims/a.yaml:1:1: two items would be written to "a.html": give one of them another id or slug']
    assert safe_output_path("claims/a/index.html") == "claims/a/index.html"
    assert safe_output_path("/etc/passwd") is None


def test_assets_get_their_content_hash_except_on_the_dev_server():
    static = {"style.css": b"a{}", "logo.svg": b"<svg/>"}
    digest = hashlib.sha256(b"a{}").hexdigest()[:12]
    assert asset_paths(static, True) == {"style.css": f"assets/style.{digest}.css", "logo.svg": "static/logo.svg"}
    assert asset_paths(static, False) == {"style.css": "static/style.css", "logo.svg": "static/logo.svg"}


def test_json_ld_cannot_close_its_script_block():
    assert str(json_ld({"name": "</script><b>&"})) == '{"name":"\\u003c/script\\u003e\\u003cb\\u003e\\u0026"}'


# --- the build session's helpers -----------------------------------------------------------------

def test_a_nested_step_is_counted_once():
    timings = Timings()

    def outer():
        time.sleep(0.02)
        timings.run("write", time.sleep, 0.05)
    started = time.perf_counter()
    timings.run("render", outer)
    total = time.perf_counter() - started
    assert timings.stages["write"] >= 0.05 and timings.stages["render"] >= 0.02
    # render's own time, without the write inside it: counted twice, the sum would exceed the
    # total by the write's 50 ms
    assert abs(timings.stages["render"] + timings.stages["write"] - total) < 0.01


def test_every_failure_of_a_step_becomes_positioned_problems(tmp_path):
    site = Site(paths_for(FIXTURE), Options(now=NOW))
    problem = Problem("content/claims/a.yaml", 3, 9, "wrong")

    def content_error():
        raise ContentError([problem])
    assert not site.attempt(content_error) and site.result.failures == [problem]

    def template_error():
        raise TemplateFailure(str(tmp_path / "t.html"), 2, 5, "template error: broken")
    assert not site.attempt(template_error)
    assert site.result.failures == [Problem(site.problems.display_path(tmp_path / "t.html"), 2, 5,
                                            "template error: broken")]

    def index_error():
        raise search.SearchIndexError("Pagefind stopped")
    assert not site.attempt(index_error)
    assert [str(p) for p in site.result.failures] == ["search index:1:1: Pagefind stopped"]
    assert site.attempt(lambda: None)


def test_an_item_is_called_by_its_statement_title_or_name(content):
    assert page_model.item_label(content.claims["valuation"]) == content.claims["valuation"].statement
    assert page_model.item_label(content.sources["wire"]) == content.sources["wire"].title
    entity = next(iter(content.entities.values()))
    assert page_model.item_label(entity) == entity.name


def test_an_index_is_split_only_past_its_page_size():
    assert not page_model.is_split(20, 20) and page_model.is_split(21, 20)
