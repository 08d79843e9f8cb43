"""Lighthouse (mobile) on the main page kinds of the real site, served with Netlify's headers:
accessibility, best practices and SEO at 100. Performance is recorded by bench/lighthouse.py."""
from __future__ import annotations

import pytest

from lighthouse import lighthouse

pytestmark = pytest.mark.browser

MARKED = ("accessibility", "best-practices", "seo")   # performance: bench/lighthouse.py
PAGES = ["", "timeline/", "claims/valuation-april-2018/", "sources/cnbc-2018-04-09/", "story/",
         "search/"]


@pytest.mark.parametrize("path", PAGES)
def test_lighthouse_scores_100_for_accessibility_best_practices_and_seo(served, real_site, path):
    assert (real_site / path / "index.html").is_file(), path
    result = lighthouse(served + path, categories=MARKED)
    assert result["scores"] == dict.fromkeys(MARKED, 100), result["failing"]
