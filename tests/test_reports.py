"""Reports on pages (`reports:` in the front matter): tables counted from the content at build
time, after the page's Markdown; the real methodology page shows sources by outlet and kind."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from conftest import ROOT, build, page, problems_of


def expected_counts(content: Path, field: str, labels=None) -> dict[str, tuple[int, int]]:
    """(sources, archived) per outlet or kind, straight from the YAML files."""
    sources = [yaml.safe_load(p.read_text("utf-8")) for p in sorted((content / "sources").glob("*.yaml"))]
    sources = [s for s in sources if not s.get("draft")]
    label = (lambda s: labels[f"kind_{s[field]}"]) if labels else (lambda s: s[field])
    counts = Counter(label(s) for s in sources)
    archived = Counter(label(s) for s in sources if (s.get("archived") or {}).get("url"))
    return {name: (counts[name], archived[name]) for name in counts}


def shown_counts(soup, name: str) -> tuple[dict[str, tuple[int, int]], tuple[int, int], list[str]]:
    section = soup.find(id=f"report-{name}").find_parent("section")
    rows = {}
    for row in section.select("tbody tr"):
        rows[row.th.get_text()] = tuple(int(td.get_text()) for td in row.find_all("td"))
    total = tuple(int(td.get_text()) for td in section.select_one("tfoot tr").find_all("td"))
    return rows, total, [row.th.get_text() for row in section.select("tbody tr")]


def kind_labels() -> dict[str, str]:
    return yaml.safe_load((ROOT / "engine" / "translations" / "en.yaml").read_text("utf-8"))


def check_page(out: Path, url: str, content: Path):
    soup = page(out, url)
    for name, field, labels in (("sources-by-outlet", "outlet", None),
                                ("sources-by-kind", "kind", kind_labels())):
        rows, total, order = shown_counts(soup, name)
        expected = expected_counts(content, field, labels)
        assert rows == expected, name
        assert total == (sum(c for c, _ in expected.values()), sum(a for _, a in expected.values()))
        assert order == sorted(order, key=lambda label: (-rows[label][0], label.lower(), label))
    # after the Markdown, inside the article
    article = soup.find("article")
    assert article.find(id="report-sources-by-outlet") is not None
    assert article.find_all(["p", "section"])[-1].name == "section"


def test_reports_are_counted_from_the_content(site):
    from conftest import FIXTURE
    check_page(site, "about/", FIXTURE)
    rows, total, _ = shown_counts(page(site, "about/"), "sources-by-outlet")
    assert rows["The Daily"] == (1, 1) and total == (3, 1)


def test_reports_follow_the_content_when_it_changes(content, tmp_path):
    wire = content / "sources" / "wire.yaml"
    wire.write_text(wire.read_text("utf-8").replace("outlet: Wire Service", "outlet: The Daily"),
                    encoding="utf-8")
    out = tmp_path / "_site"
    assert build(content, out).ok
    check_page(out, "about/", content)
    rows, _, _ = shown_counts(page(out, "about/"), "sources-by-outlet")
    assert rows["The Daily"] == (2, 1) and "Wire Service" not in rows


def test_a_page_without_reports_has_no_report_tables(site):
    assert page(site, "claims/").find(class_="report") is None


def test_an_unknown_report_is_an_editors_error(content):
    about = content / "pages" / "about.md"
    about.write_text(about.read_text("utf-8").replace("[sources-by-outlet, sources-by-kind]",
                                                      "[sources-by-outlit]"), encoding="utf-8")
    [problem] = [p for p in problems_of(content) if "notice:" not in p]
    assert problem.startswith("content/pages/about.md:6:11: ")
    assert '(did you mean "sources-by-outlet"?)' in problem


def test_the_methodology_page_counts_the_real_sources(real_site):
    check_page(real_site, "methodology/", ROOT / "content")
