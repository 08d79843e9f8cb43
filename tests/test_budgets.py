"""Pages that load at once on a cheap phone: size budgets on the real site, measured gzipped."""
from __future__ import annotations

import gzip

from bs4 import BeautifulSoup

HTML_BUDGET = 30 * 1024
CSS_BUDGET = 5 * 1024
JS_BUDGET = 5 * 1024


def public_pages(site):
    """Every HTML page readers get: not /admin/, the editors' Decap CMS (tests/test_admin.py)."""
    return [p for p in site.rglob("*.html") if not p.relative_to(site).as_posix().startswith("admin/")]


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def test_every_html_page_is_within_30_kb_gzipped(real_site):
    sizes = {p.relative_to(real_site).as_posix(): gzipped(p.read_bytes())
             for p in public_pages(real_site)}
    over = {page: size for page, size in sizes.items() if size > HTML_BUDGET}
    assert over == {}
    assert len(sizes) > 100


def test_the_stylesheet_and_our_javascript_are_within_5_kb_gzipped(real_site):
    [css] = (real_site / "assets").glob("style.*.css")
    assert gzipped(css.read_bytes()) <= CSS_BUDGET
    scripts = list((real_site / "assets").glob("*.js"))
    assert scripts
    assert sum(gzipped(s.read_bytes()) for s in scripts) <= JS_BUDGET


def test_no_web_fonts_and_every_image_is_sized_and_lazy(real_site):
    assert not [p for p in real_site.rglob("*") if p.suffix in (".woff", ".woff2", ".ttf", ".otf")]
    for path in public_pages(real_site):
        soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        for image in soup.find_all("img"):
            assert image.get("width") and image.get("height"), path
            assert image.get("loading") == "lazy" or image.find_parent("header"), path


def test_no_script_is_needed_to_read_a_page(real_site):
    for path in public_pages(real_site):
        soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        for script in soup.find_all("script", src=True):
            assert script.has_attr("defer") or script.has_attr("async"), path
