"""Page-model helpers for the entity page (issue 16): relations grouped under a subhead each,
with counts, a symmetric relation shown once, and "mentioned in" capped, the rest one click away.

Pure functions of the relations and mentions the page model has already looked up.
"""
from __future__ import annotations

# Relations that read the same from either side: "A competitor of B" is "B competitor of A".
SYMMETRIC = frozenset({"partner-of", "competitor-of"})
MENTIONS_SHOWN = 10   # claims and events each, at once; the rest behind a disclosure


def relation_groups(outgoing: list[tuple], incoming: list[tuple]) -> list[dict]:
    """(relation, other entity) pairs grouped by what they say about this entity: outgoing by
    kind ("investor in"), incoming by kind seen from here ("investors"), a symmetric kind as one
    group whichever side states it, and a symmetric pair stated from both sides once (the
    entity's own statement kept). Groups in order of first appearance, outgoing first; each
    group's entries by the other entity's name."""
    groups: dict[str, dict] = {}
    seen: set[tuple[str, str]] = set()
    for direction, pairs in (("out", outgoing), ("in", incoming)):
        for relation, other in pairs:
            symmetric = relation.kind in SYMMETRIC
            if symmetric:
                if (relation.kind, other.id) in seen:
                    continue
                seen.add((relation.kind, other.id))
            label_key = f"relation_{relation.kind}" + ("_inverse" if symmetric or direction == "in" else "")
            key = relation.kind if symmetric else f"{direction}-{relation.kind}"
            group = groups.setdefault(key, {"id": f"relations-{key}", "label_key": label_key, "entries": []})
            group["entries"].append((relation, other))
    for group in groups.values():
        group["entries"].sort(key=lambda pair: (pair[1].name.lower(), pair[1].id))
        group["count"] = len(group["entries"])
    return list(groups.values())


def capped(items: list, most: int = MENTIONS_SHOWN) -> dict:
    """The first `most` items, shown at once, and the rest, behind a "show all" disclosure that
    needs no JavaScript."""
    return {"shown": items[:most], "rest": items[most:], "total": len(items)}
