"""netlify.toml, parsed: the headers every reader gets."""
from __future__ import annotations

import re
import tomllib

from conftest import ROOT
from site_server import netlify_headers

CONFIG = tomllib.loads((ROOT / "netlify.toml").read_text())


def directives(csp: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}


def test_build_settings():
    assert CONFIG["build"]["publish"] == "_site"
    assert CONFIG["build"]["command"].split(" && ") == [
        "make untracked-only", "pip install -r requirements.txt", "python build.py fetch-admin",
        "python build.py --strict"]   # Python alone: no npm, no Node
    assert CONFIG["build"]["environment"]["PYTHON_VERSION"] == "3.11"
    assert any(r["to"] == "/404.html" and r["status"] == 404 for r in CONFIG["redirects"])


def test_every_path_gets_strict_security_headers():
    for path in ("/", "/claims/x/", "/static/style.css", "/feed.xml"):
        headers = netlify_headers(path)
        csp = directives(headers["Content-Security-Policy"])
        assert csp["default-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert "base-uri" in csp and "form-action" in csp
        for sources in csp.values():
            assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"} & set(sources)
        assert set(csp["script-src"]) == {"'self'"} and set(csp["style-src"]) == {"'self'"}
        max_age = int(re.search(r"max-age=(\d+)", headers["Strict-Transport-Security"]).group(1))
        assert max_age >= 365 * 24 * 3600
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] in ("no-referrer", "same-origin", "strict-origin")
        assert "camera=()" in headers["Permissions-Policy"]


def test_fingerprinted_assets_are_cached_for_a_year_and_pages_are_revalidated():
    assert netlify_headers("/assets/style.0123456789ab.css")["Cache-Control"] == \
        "public, max-age=31536000, immutable"
    for path in ("/", "/claims/x/", "/feed.xml", "/static/favicon.svg"):
        assert "Cache-Control" not in netlify_headers(path)   # Netlify's default: must-revalidate
    assert "Content-Security-Policy" in netlify_headers("/assets/style.0123456789ab.css")


def test_the_header_merge_replicates_netlify(tmp_path):
    """netlify-cli's headersForPath: every block matching the path, in file order, merged with
    Object.assign, so a later block replaces a header of the same name and keeps the others."""
    config = tmp_path / "netlify.toml"
    config.write_text('[[headers]]\n  for = "/*"\n  [headers.values]\n    A = "1"\n    B = "1"\n'
                      '[[headers]]\n  for = "/x/*"\n  [headers.values]\n    B = "2"\n')
    assert netlify_headers("/x/", config) == {"A": "1", "B": "2"}
    assert netlify_headers("/y/", config) == {"A": "1", "B": "1"}


def test_only_the_search_page_may_compile_webassembly(real_site):
    """Pagefind needs 'wasm-unsafe-eval'; no other path gets it, whatever the blocks' order."""
    paths = {"/" + p.relative_to(real_site).as_posix() for p in real_site.rglob("*") if p.is_file()}
    paths |= {path[: -len("index.html")] for path in paths if path.endswith("/index.html")}
    paths |= {"/", "/search", "/searching/", "/no/such/page/", "/pagefind/pagefind.js"}
    search = {"/search/", "/search/index.html"}
    assert search <= paths
    for path in sorted(paths):
        if path.startswith("/admin/"):
            continue   # the editors' Decap CMS has its own policy: tests/test_admin.py
        csp = directives(netlify_headers(path)["Content-Security-Policy"])
        allowed = "'wasm-unsafe-eval'" in csp["script-src"]
        assert allowed == (path in search), path
        expected = {"'self'", "'wasm-unsafe-eval'"} if allowed else {"'self'"}
        assert set(csp["script-src"]) == expected, path
        assert csp["connect-src"] == ["'self'"] and csp["default-src"] == ["'none'"], path
    site_wide = directives(netlify_headers("/")["Content-Security-Policy"])
    search_page = directives(netlify_headers("/search/")["Content-Security-Policy"])
    assert {k: v for k, v in search_page.items() if k != "script-src"} == \
        {k: v for k, v in site_wide.items() if k != "script-src"}
