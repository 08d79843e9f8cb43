"""Issue 16 (pages): claim pages answer first. Model-level checks on the real site's build."""
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("claim-pages")
    subprocess.run([sys.executable, "build.py", "--strict", "--out", str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    return out


def _claim_pages(site):
    return sorted(p for p in (site / "claims").glob("*/index.html") if p.parent.name not in ("topic",))


def test_sections_answer_first(site):
    soup = BeautifulSoup((site / "claims/valuation-april-2018/index.html").read_text(), "html.parser")
    ids = [h.get("id") for h in soup.select("article h2")]
    assert ids.index("note-heading") < ids.index("figures-heading") < ids.index("sources-say")


def test_each_source_once_in_evidence(site):
    pages = [p for p in _claim_pages(site) if "source-rows" in p.read_text()]
    assert pages
    for page in pages:
        soup = BeautifulSoup(page.read_text(), "html.parser")
        heads = [li.get("id") for li in soup.select(".source-rows > li")]
        assert len(heads) == len(set(heads)), page


def test_grouped_figure_counts(site):
    from engine import claim_view
    soup = BeautifulSoup((site / "claims/valuation-april-2018/index.html").read_text(), "html.parser")
    rows = soup.select(".figure-groups tbody tr")
    counts = [int(r.select_one(".figure-count").get_text()) for r in rows]
    figures_in_evidence = soup.select(".source-rows .figure-value")
    assert sum(counts) == len(figures_in_evidence)
    assert len(rows) == len({f.get_text() for f in figures_in_evidence}) < len(figures_in_evidence)
    for row, count in zip(rows, counts):
        assert len(row.select("td:last-child a")) == count
    assert claim_view.evidence_rows  # the module the page model uses


def test_grouping_counts_a_source_once():
    from types import SimpleNamespace as N
    from engine import claim_view
    fig = N(measures="valuation", value=3, comparator="about", currency="USD", unit=None)
    other = N(measures="valuation", value=4, comparator="about", currency="USD", unit=None)
    a, b = N(id="a"), N(id="b")
    groups = claim_view.grouped_figures([{"figure": fig, "source": a}, {"figure": fig, "source": a},
                                         {"figure": fig, "source": b}, {"figure": other, "source": b}])
    assert [g["count"] for g in groups] == [2, 1]
    assert Counter(r["source"].id for r in claim_view.evidence_rows(
        [{"source": a}, {"source": a}, {"source": b}])) == {"a": 1, "b": 1}
