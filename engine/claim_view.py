"""Page-model helpers for the claim page (issue 16: answer first).

Pure functions from a claim's cited rows to what the template shows: the figures grouped so
that one table row stands for every outlet that gave the same figure ("about $3bn — 8 outlets"),
and the evidence list in which each source appears once.
"""
from __future__ import annotations


def figure_key(figure) -> tuple:
    """Figures that read the same to a reader: same value, comparator, currency, unit, measure."""
    return (figure.measures, figure.value, figure.comparator, figure.currency, figure.unit)


def grouped_figures(figure_rows: list[dict]) -> list[dict]:
    """One group per distinct figure, in the order each first appears; each group lists its
    sources once (a source citing the same figure twice counts once)."""
    groups: dict[tuple, dict] = {}
    for row in figure_rows:
        group = groups.setdefault(figure_key(row["figure"]),
                                  {"figure": row["figure"], "sources": [], "rows": []})
        if all(s.id != row["source"].id for s in group["sources"]):
            group["sources"].append(row["source"])
            group["rows"].append(row)
    for group in groups.values():
        group["count"] = len(group["sources"])
    return list(groups.values())


def evidence_rows(rows: list[dict]) -> list[dict]:
    """Each source once, in the claim's order; a source cited twice keeps its first citation."""
    seen: set[str] = set()
    out = []
    for row in rows:
        if row["source"].id not in seen:
            seen.add(row["source"].id)
            out.append(row)
    return out
