"""The editors' web admin at /admin/ (engine/admin.py): a Decap CMS config generated from the
schema, vendored Decap files, its own Content Security Policy that no public page gets, and an
edit made in the browser that the rebuilt site shows."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from conftest import NOW, ROOT, build, copy_fixture, paths_for
from site_server import netlify_headers, serve

from engine import admin, schema
from engine.headers import headers_for
from conftest import DevBuild
from conftest import build_site
from engine.pipeline import load_and_validate

ADMIN_SETTING = "\nadmin:\n  backend: git-gateway\n  branch: main\n"


def with_admin(content: Path) -> Path:
    with (content / "site.yaml").open("a", encoding="utf-8") as site:
        site.write(ADMIN_SETTING)
    return content


def site_of(content: Path) -> schema.Site:
    validated, problems = load_and_validate(paths_for(content), NOW)
    assert validated is not None, problems.items
    return validated.site


def config_of(content: Path) -> dict:
    return admin.config(site_of(content), "content")


def field_paths(fields: list[dict], prefix: str = "") -> dict[str, dict]:
    """Every field of a Decap collection, nested ones too, by dotted path."""
    found = {}
    for field in fields:
        path = prefix + field["name"]
        found[path] = field
        found.update(field_paths(field.get("fields", []), path + "."))
    return found


def test_the_config_has_every_field_of_the_schema_and_nothing_else(content):
    collections = {c["name"]: c for c in config_of(with_admin(content))["collections"]}
    assert {"sources", "claims", "events", "entities", "pages"} <= set(collections)
    for name, model, *_ in admin.COLLECTIONS:
        fields = field_paths(collections[name]["fields"])
        assert set(fields) == admin.all_field_paths(model), name
        for path, field in fields.items():
            info = _field_info(model, path)
            # required as in the schema, except the id (the file name) and inside an optional
            # object, which Decap would otherwise insist on even when the object is left out
            within_optional = any(not _field_info(model, parent).is_required()
                                  and fields[parent]["widget"] == "object"
                                  for parent in _parents(path))
            assert field["required"] == (info.is_required() and path != "id"
                                         and not within_optional), (name, path)
            if info.description and field["widget"] not in ("select", "relation"):
                assert field["hint"], (name, path)


def _parents(dotted: str) -> list[str]:
    parts = dotted.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


def _field_info(model, dotted: str):
    *parents, last = dotted.split(".")
    for name in parents:
        [model] = admin._models_in(model.model_fields[name].annotation)
    return model.model_fields[last]


def test_ids_of_other_items_are_chosen_from_their_collection(content):
    collections = {c["name"]: field_paths(c["fields"])
                   for c in config_of(with_admin(content))["collections"]}
    expected = {("claims", "sources.source"): ("sources", False),
                ("claims", "entities"): ("entities", True), ("claims", "events"): ("events", True),
                ("claims", "sources.figure.funding_event"): ("events", False),
                ("events", "claims"): ("claims", True), ("events", "sources.source"): ("sources", False),
                ("events", "timelines"): ("timelines", True),
                ("entities", "relations.to"): ("entities", False),
                ("sources", "repost_of"): ("sources", False)}
    for (collection, path), (target, multiple) in expected.items():
        field = collections[collection][path]
        assert (field["widget"], field["collection"], field["multiple"]) == ("relation", target, multiple)
        assert field["value_field"] == "{{slug}}"   # the file name is the id


def test_status_and_topic_choices_are_site_yaml_vocabularies(content):
    site = site_of(with_admin(content))
    topics = [t.id for t in site.topics]
    statuses = [s.id for s in site.statuses]
    seen = 0
    for collection in config_of(content)["collections"]:
        for path, field in field_paths(collection["fields"]).items():
            name = path.rsplit(".", 1)[-1]
            if name in ("topic", "status"):
                assert field["widget"] == "select", path
                assert [o["value"] for o in field["options"]] == (topics if name == "topic" else statuses)
                seen += 1
    assert seen >= 5   # claims, events, timelines, a claim's history


def test_yaml_collections_keep_the_schema_line_and_pages_are_front_matter(content):
    for collection in config_of(with_admin(content))["collections"]:
        if collection["name"] == "pages":
            assert (collection["extension"], collection["format"]) == ("md", "yaml-frontmatter")
            assert "body" in field_paths(collection["fields"])
            continue
        first = collection["fields"][0]
        assert first["required"], collection["name"]   # so every saved entry has the comment
        assert first["comment"].startswith("yaml-language-server: $schema=../../schemas/")
        schema_file = first["comment"].rsplit("/", 1)[1]
        assert (ROOT / "schemas" / schema_file).is_file()


def test_the_real_content_files_start_with_the_line_the_config_writes():
    config = admin.config(site_of(ROOT / "content"), "content")
    for collection in config["collections"]:
        if collection["name"] == "pages":
            continue
        for path in sorted((ROOT / collection["folder"]).glob("*.yaml"))[:5]:
            first_line = path.read_text("utf-8").splitlines()[0]
            assert first_line == "# " + collection["fields"][0]["comment"], path


def test_admin_is_built_from_vendored_files_only_when_site_yaml_asks(content, tmp_path):
    assert build(content, tmp_path / "without").ok
    assert not (tmp_path / "without" / "admin").exists()
    result = build(with_admin(content), tmp_path / "with", strict=True)
    assert result.ok, result.failures
    built = tmp_path / "with" / "admin"
    names = {p.name for p in built.iterdir()}
    assert {"index.html", "config.yml", "admin.js", "decap-cms.js"} <= names
    assert not [n for n in names if n.endswith(".map") or n.endswith(".cms.js") or n == "cms.js"]
    assert any(n.endswith(".wasm") for n in names)
    page = (built / "index.html").read_text("utf-8")
    assert "http" not in page   # nothing from a CDN
    config = yaml.safe_load((built / "config.yml").read_text("utf-8"))
    assert "local_backend" not in config   # only the dev server adds it (serve --admin)
    assert config["backend"] == {"name": "git-gateway", "branch": "main"}
    out = tmp_path / "with"
    for listing in ("sitemap.xml", "feed.xml"):
        assert "/admin" not in (out / listing).read_text("utf-8")
    for html in out.rglob("*.html"):
        if not html.relative_to(out).as_posix().startswith("admin/"):
            assert "admin/" not in html.read_text("utf-8"), html


def test_the_dev_build_makes_the_same_admin_as_a_clean_build(content, tmp_path):
    with_admin(content)
    dev = DevBuild(paths_for(content), tmp_path / "dev", NOW)
    assert dev.full().ok
    claim = content / "claims" / "valuation.yaml"
    claim.write_text(claim.read_text("utf-8").replace("about $50m", "about $51m"), "utf-8")
    assert dev.update().ok
    assert build_site(paths_for(content), tmp_path / "clean", NOW, dev=True).ok
    dev_files = {p.relative_to(tmp_path / "dev"): p.read_bytes() for p in (tmp_path / "dev").rglob("*") if p.is_file()}
    clean = {p.relative_to(tmp_path / "clean"): p.read_bytes() for p in (tmp_path / "clean").rglob("*") if p.is_file()}
    assert any(p.parts[0] == "admin" for p in dev_files)
    assert dev_files == clean


def test_no_public_path_gets_the_admins_relaxed_policy(real_site):
    config = ROOT / "netlify.toml"
    for path in sorted(real_site.rglob("*")):
        if not path.is_file():
            continue
        url = "/" + path.relative_to(real_site).as_posix()
        policy = headers_for(url, config)["Content-Security-Policy"]
        assert policy == netlify_headers(url)["Content-Security-Policy"]   # both read it alike
        if url.startswith("/admin/"):
            assert "'unsafe-eval'" in policy and "'unsafe-inline'" in policy
        else:
            # the search page alone may compile Pagefind's WebAssembly ('wasm-unsafe-eval')
            assert "'unsafe-eval'" not in policy and "'unsafe-inline'" not in policy, url
            assert "style-src 'self';" in policy and "'unsafe-eval'" not in policy, url
            assert "script-src 'self';" in policy or url.startswith("/search/"), url
    assert (real_site / "admin" / "index.html").is_file()


# --- in the browser, against the dev server's local backend -----------------------------------

def _wait_for_change(path: Path, before: str) -> None:
    for _ in range(300):
        if path.read_text("utf-8") != before:
            return
        time.sleep(0.1)


@pytest.mark.browser
def test_an_editor_changes_a_claim_in_the_browser_and_the_rebuilt_site_shows_it(tmp_path):
    from browser import ARGS, chromium_path
    from playwright.sync_api import sync_playwright

    from engine.local_backend import API_PATH
    from engine.serve import DevSite, allowed_hosts

    content = with_admin(copy_fixture(tmp_path))   # a copy: never the real content/
    out = tmp_path / "_site"
    assert build(content, out).ok
    # netlify.toml's headers: /admin/ under its own policy; the POSTs to the dev server's
    # local backend, on the same origin, as `serve --admin` answers them
    dev = DevSite(paths_for(content), out, NOW, drafts=False, admin=True)
    server, base = serve(out, post_app=dev.app)
    port = server.server_port
    dev.hosts = allowed_hosts("127.0.0.1", port)
    # what `serve --admin` sends: the built config plus Decap's local backend
    config = out / "admin" / "config.yml"
    config.write_bytes(admin.with_local_backend(config.read_bytes(),
                                                f"http://127.0.0.1:{port}{API_PATH}"))
    claim = content / "claims" / "round-size.yaml"   # a source with a figure, one without
    before = claim.read_text("utf-8")
    about = content / "pages" / "about.md"
    about_before = about.read_text("utf-8")
    violations, requests = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script("document.addEventListener('securitypolicyviolation', "
                                    "e => console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI));")
            page = context.new_page()
            context.on("console", lambda m: m.text.startswith("CSP ") and violations.append(m.text))
            context.on("request", lambda r: requests.append(r.url))
            response = page.goto(base + "admin/")
            assert "'unsafe-eval'" in response.headers["content-security-policy"]
            page.get_by_role("button", name="Login").click()
            page.get_by_text("Acme raised $10m in April 2018.").wait_for()
            page.screenshot(path=str(tmp_path / "admin-list.png"))
            page.goto(base + "admin/#/collections/claims/entries/round-size")
            statement = page.locator("input[id^='statement-field']")
            statement.wait_for()
            statement.fill("Acme raised $12m in April 2018.")
            # an optional field emptied: admin.js drops it, where Decap alone would write date: ''
            page.locator("input[id^='date-field']").fill("")
            page.screenshot(path=str(tmp_path / "admin-editor.png"))
            page.get_by_role("button", name="Publish").first.click()
            page.get_by_text("Publish now").click()
            _wait_for_change(claim, before)
            page.get_by_text("Changes saved").wait_for()   # Decap is done with this entry
            # a Markdown page: front matter, then the body, which must come back unchanged. In a
            # new tab: Decap, moved by the address alone from one entry to another, shows the
            # form of the new one with the fields of neither
            page = context.new_page()
            page.goto(base + "admin/#/collections/pages/entries/about")
            title = page.locator("input[id^='title-field']")
            title.wait_for()
            title.fill("About the Acme Files")
            page.get_by_role("button", name="Publish").first.click()
            page.get_by_text("Publish now").click()
            _wait_for_change(about, about_before)
            browser.close()
    finally:
        server.shutdown()
    saved = claim.read_text("utf-8")
    assert "Acme raised $12m in April 2018." in saved
    assert saved.startswith("# yaml-language-server: $schema=../../schemas/claim.schema.json\n")
    assert violations == []
    assert all(url.startswith(("http://127.0.0.1", "data:", "blob:")) for url in requests), requests
    _, problems = load_and_validate(paths_for(content), NOW)
    assert problems.errors + problems.warnings == []   # what `check --strict` fails on
    assert build(content, out, strict=True).ok
    assert "Acme raised $12m" in (out / "claims" / "round-size" / "index.html").read_text("utf-8")
    page_text = about.read_text("utf-8")
    assert page_text.startswith("---\n") and "title: About the Acme Files\n" in page_text
    assert page_text.split("\n---\n", 1)[1].strip() == about_before.split("\n---\n", 1)[1].strip()
    assert "About the Acme Files" in (out / "about" / "index.html").read_text("utf-8")
    shown, original = yaml.safe_load(saved), yaml.safe_load(before)
    assert "date" not in shown
    shown["statement"], shown["date"] = original["statement"], original["date"]
    assert shown == original   # nothing else changed: figure, relations, old ids, dates


def test_serve_admin_adds_the_local_backend_only_in_the_dev_servers_responses(content, tmp_path):
    from engine.serve import DevSite

    def get(site, path):
        answer = {}
        body = b"".join(site.app({"PATH_INFO": path, "HTTP_HOST": "localhost:8000"},
                                 lambda status, headers: answer.update(status=status)))
        assert answer["status"] == "200 OK", path
        return body

    with_admin(content)
    plain = DevSite(paths_for(content), tmp_path / "_plain", NOW, drafts=False)   # a server of its own
    plain.rebuild()
    editing = DevSite(paths_for(content), tmp_path / "_site", NOW, drafts=False, admin=True)
    editing.rebuild()
    assert "local_backend" not in yaml.safe_load(get(plain, "/admin/config.yml"))
    served = yaml.safe_load(get(editing, "/admin/config.yml"))
    # on the origin the page came from: the dev server answers Decap itself
    assert served["local_backend"] == {"url": "http://localhost:8000/_dev/api/v1"}
    assert b"local_backend" not in (tmp_path / "_site" / "admin" / "config.yml").read_bytes()
    # livereload would inject its script into any response with "</head>", scripts too
    built = (tmp_path / "_site" / "admin" / "decap-cms.js").read_bytes()
    assert b"</head>" in built
    assert b"</head>" not in get(editing, "/admin/decap-cms.js")
    assert admin.content_folder(paths_for(content)) == "content"


def test_on_a_host_without_headers_the_admin_page_carries_its_own_policy(content, tmp_path):
    from bs4 import BeautifulSoup
    from engine.headers import meta_policy
    from engine.pipeline import Deploy
    result = build_site(paths_for(with_admin(content)), tmp_path / "out", NOW,
                        deploy=Deploy(csp_meta=True))
    assert result.ok, result.failures
    soup = BeautifulSoup((tmp_path / "out" / "admin" / "index.html").read_text("utf-8"), "html.parser")
    [meta] = soup.find_all("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert meta["content"] == meta_policy("/admin/", ROOT / "netlify.toml")
    assert "'unsafe-eval'" in meta["content"] and "frame-ancestors" not in meta["content"]
    assert soup.head.find("meta") is soup.head.find("meta", charset=True)
