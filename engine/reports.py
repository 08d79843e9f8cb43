"""Reports a page can ask for in its front matter (`reports: [sources-by-outlet]`): tables
counted from the content at build time, shown after the page's Markdown. A report is a pure
function of the content; adding one is adding a function to REPORTS (and its name to
schema.ReportName)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable

from . import schema
from .strings import strings_for
from .validate import Content


@dataclass(frozen=True)
class ReportRow:
    label: str
    count: int
    archived: int


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    label_heading: str
    rows: tuple[ReportRow, ...]
    total: ReportRow


def _has_archived_copy(source: schema.Source) -> bool:
    return bool(source.archived and source.archived.url)


def _sources_by(content: Content, name: str, group: Callable[[schema.Source], str],
                label_heading: str) -> Report:
    """Sources counted by one property, most numerous first, with how many are archived."""
    strings = strings_for(content.site)
    sources = list(content.sources.values())
    counts = Counter(group(s) for s in sources)
    archived = Counter(group(s) for s in sources if _has_archived_copy(s))
    rows = tuple(ReportRow(label, counts[label], archived[label])
                 for label in sorted(counts, key=lambda label: (-counts[label], label.lower(), label)))
    return Report(name=name, title=strings[f"report_{name.replace('-', '_')}"],
                  label_heading=label_heading, rows=rows,
                  total=ReportRow(strings["report_all_sources"], len(sources), sum(archived.values())))


def sources_by_outlet(content: Content) -> Report:
    return _sources_by(content, "sources-by-outlet", lambda s: s.outlet,
                       strings_for(content.site)["outlet"])


def sources_by_kind(content: Content) -> Report:
    strings = strings_for(content.site)
    return _sources_by(content, "sources-by-kind", lambda s: strings[f"kind_{s.kind}"],
                       strings["kind"])


REPORTS: dict[str, Callable[[Content], Report]] = {
    "sources-by-outlet": sources_by_outlet,
    "sources-by-kind": sources_by_kind,
}

def reports_for(content: Content, names) -> list[Report]:
    return [REPORTS[name](content) for name in names]
