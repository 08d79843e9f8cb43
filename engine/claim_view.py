"""Page-model helpers for the claim page (issue 16: answer first).

Pure functions from a claim's cited rows to what the template shows: the figures grouped so
that one table row stands for every outlet that gave the same figure ("about $3bn — 8 outlets"),
and the evidence list in which each source appears once, with every citation of it.
"""
from __future__ import annotations

from .dates import YEAR, FuzzyDate, parse_fuzzy_date


def as_of_month(as_of: FuzzyDate | None) -> FuzzyDate | None:
    """The month (or the year, when only the year is known) a figure holds at. Outlets that
    report the same valuation on 9, 10 and 11 April state one fact, as of April; a valuation as
    of 2017 and the same number as of 2018 are two."""
    if as_of is None or as_of.end or as_of.qualifier:   # a span or "early 2018": as written
        return as_of
    start = as_of.start
    return parse_fuzzy_date(str(start.year) if start.precision == YEAR else f"{start.year:04d}-{start.month:02d}")


def figure_key(figure) -> tuple:
    """Figures that state the same fact: same value, comparator, currency, unit, measure, and
    the same month they hold at."""
    month = as_of_month(figure.as_of)
    return (figure.measures, figure.value, figure.comparator, figure.currency, figure.unit,
            str(month) if month else "")


def grouped_figures(figure_rows: list[dict]) -> list[dict]:
    """One group per distinct figure, in the order each first appears; each group lists its
    sources once (a source citing the same figure twice counts once)."""
    groups: dict[tuple, dict] = {}
    for row in figure_rows:
        group = groups.setdefault(figure_key(row["figure"]),
                                  {"figure": row["figure"], "as_of": as_of_month(row["figure"].as_of),
                                   "sources": [], "rows": []})
        if all(s.id != row["source"].id for s in group["sources"]):
            group["sources"].append(row["source"])
            group["rows"].append(row)
    for group in groups.values():
        group["count"] = len(group["sources"])
    return list(groups.values())


def evidence_rows(rows: list[dict]) -> list[dict]:
    """Each source once, in the order the claim first cites it, with every citation of it in the
    claim's order (a source cited twice, for two figures or two passages, keeps both), and
    the stance that colours the row."""
    by_source: dict[str, dict] = {}
    for row in rows:
        entry = by_source.setdefault(row["source"].id, {"source": row["source"], "citations": []})
        entry["citations"].append(row["cited"])
    for entry in by_source.values():   # the row's colour: its one stance, or "mixed"
        stances = {cited.stance for cited in entry["citations"]}
        entry["stance"] = stances.pop() if len(stances) == 1 else "mixed"
    return list(by_source.values())


def index_order(claim) -> tuple:
    """A topic's claims in the order the story met them: by the date each claim was made
    (undated last), then by statement."""
    dated = claim.date is not None
    return (not dated, claim.date.sort_key() if dated else (), claim.statement.lower(), claim.id)


def status_summary(claims, statuses, current: str | None = None) -> list[dict]:
    """Counts by status, in the site's order of statuses, each with the address of its own
    list; statuses no claim has are left out."""
    counts: dict[str, int] = {}
    for claim in claims:
        counts[claim.status] = counts.get(claim.status, 0) + 1
    return [{"status": status, "count": counts[status.id], "url": status_url(status.id),
             "current": status.id == current}
            for status in statuses if counts.get(status.id)]


def status_url(status_id: str) -> str:
    return f"claims/status/{status_id}/"
