"""Who is connected to whom: the entity network around the investigation's central entity,
grouped by relation, as positions and shapes. Geometry only; templates/partials draw it."""
from __future__ import annotations

import math
from dataclasses import dataclass

from .charts import (
    BOLD,
    FONT,
    HEAD,
    HEAD_LINE,
    LINE,
    Box,
    Label,
    hit_box,
    label_box,
    rounded,
    text_width,
    wrap,
)
from .strings import fill

# The order of the groups, and which side of the central entity each stands on: those who give
# the company money, people or goods on the left; those it serves, works with or is listed by
# on the right.
GROUP_ORDER = (("in", "investor-in"), ("in", "founder-of"), ("in", "executive-of"),
               ("in", "supplier-to"), ("in", "subsidiary-of"), ("in", "part-of"),
               ("in", "customer-of"), ("in", "partner-of"), ("out", "partner-of"),
               ("out", "customer-of"), ("out", "supplier-to"), ("out", "investor-in"),
               ("in", "competitor-of"), ("out", "competitor-of"), ("in", "listed-by"),
               ("out", "listed-by"), ("out", "subsidiary-of"), ("out", "part-of"),
               ("out", "founder-of"), ("out", "executive-of"))


SYMMETRIC = {"partner-of", "competitor-of"}   # grouped the same whichever side names them


LEFT_GROUPS = {("in", "investor-in"), ("in", "founder-of"), ("in", "executive-of"), ("in", "supplier-to")}


SHAPES = {"person": "circle", "investor": "diamond", "company": "square", "police": "triangle",
          "government-body": "triangle-down", "university": "pentagon", "outlet": "cross",
          "organisation": "hexagon"}


def shape_path(shape: str, cx: float, cy: float, r: float = 5.0) -> str:
    """An SVG path for a marker, so each kind of entity has its own shape, not just a colour."""
    def polygon(points):
        return "M" + " L".join(f"{rounded(cx + px * r)},{rounded(cy + py * r)}" for px, py in points) + " Z"
    if shape == "circle":
        return (f"M{rounded(cx - r)},{rounded(cy)} A{r},{r} 0 1,0 {rounded(cx + r)},{rounded(cy)} "
                f"A{r},{r} 0 1,0 {rounded(cx - r)},{rounded(cy)} Z")
    if shape == "cross":
        return polygon([(-0.35, -1), (0.35, -1), (0.35, -0.35), (1, -0.35), (1, 0.35), (0.35, 0.35),
                        (0.35, 1), (-0.35, 1), (-0.35, 0.35), (-1, 0.35), (-1, -0.35), (-0.35, -0.35)])
    corners = {"square": 4, "diamond": 4, "triangle": 3, "triangle-down": 3, "pentagon": 5, "hexagon": 6}[shape]
    turn = {"square": 45, "diamond": 0, "triangle": 0, "triangle-down": 180, "pentagon": 0, "hexagon": 30}[shape]
    return polygon([(math.sin(math.radians(turn + 360 * i / corners)),
                     -math.cos(math.radians(turn + 360 * i / corners))) for i in range(corners)])


@dataclass(frozen=True)
class Connection:
    """One relation between the central entity and another, as the table shows it."""
    source_entity: str
    source_name: str
    target_entity: str
    target_name: str
    kind: str
    since: object
    until: object
    sources: tuple[str, ...]


@dataclass(frozen=True)
class NetNode:
    entity: str
    kind: str
    side: str            # "left" or "right"
    lines: tuple[Label, ...]
    details: tuple[Label, ...]   # every relation, when there are several
    marker: str          # an SVG path
    y: float             # the connector's height
    connector: tuple[float, float]   # x from, x to
    relations: tuple[Connection, ...]
    hit: Box


@dataclass(frozen=True)
class NetGroup:
    key: str
    side: str
    heading: tuple[Label, ...]
    nodes: tuple[NetNode, ...]


@dataclass(frozen=True)
class Network:
    width: float
    height: float
    title: str
    desc: str
    centre: str
    centre_lines: tuple[Label, ...]
    bar: tuple[float, float, float, float]    # x, y, width, height
    groups: tuple[NetGroup, ...]
    legend: tuple[tuple[str, str, Label], ...]   # (kind, marker path, label)

    @property
    def nodes(self) -> list[NetNode]:
        return [n for g in self.groups for n in g.nodes]


def central_entity(entities: dict) -> str | None:
    """The entity with the most relations, counting both ends (ties: the first id)."""
    degree: dict[str, int] = {}
    for entity in entities.values():
        for relation in entity.relations:
            if relation.to in entities:
                degree[entity.id] = degree.get(entity.id, 0) + 1
                degree[relation.to] = degree.get(relation.to, 0) + 1
    return min(degree, key=lambda e: (-degree[e], e)) if degree else None


def _legend(kinds: list[str], strings: dict[str, str], width: float) -> tuple[list, float]:
    """A key of marker shapes, wrapped into as many lines as the width needs; and its height."""
    legend, x, y = [], 0.0, 14.0
    for kind in kinds:
        text = strings[f"entity_{kind}"]
        if x and x + 14 + text_width(text) > width:
            x, y = 0.0, y + LINE
        legend.append((kind, shape_path(SHAPES[kind], x + 5, y - 4), Label(text, rounded(x + 13), rounded(y))))
        x += 14 + text_width(text) + 12
    return legend, y


def _related(entities: dict, centre_id: str) -> dict[str, list[tuple[tuple[str, str], Connection]]]:
    """Each entity related to the centre, with its connections as ((direction, kind),
    connection), in the order of the groups they belong to."""
    related: dict[str, list[tuple[tuple[str, str], Connection]]] = {}
    for entity in sorted(entities.values(), key=lambda e: e.id):
        for relation in entity.relations:
            if relation.to not in entities or centre_id not in (entity.id, relation.to) \
                    or entity.id == relation.to:
                continue
            other, direction = (entity.id, "in") if relation.to == centre_id else (relation.to, "out")
            direction = "in" if relation.kind in SYMMETRIC else direction
            related.setdefault(other, []).append(((direction, relation.kind), Connection(
                entity.id, entity.name, relation.to, entities[relation.to].name, relation.kind, relation.since, relation.until,
                tuple(c.source for c in relation.sources))))
    for found in related.values():
        found.sort(key=lambda pair: GROUP_ORDER.index(pair[0]))
    return related


@dataclass(frozen=True)
class _Columns:
    """Where things go: the bar down the middle, a column of text each side of it."""
    width: float
    bar_width: float = 80.0

    @property
    def column(self) -> float:
        return (self.width - self.bar_width - 36) / 2

    @property
    def bar_x(self) -> float:
        return self.width / 2 - self.bar_width / 2


def _group(key: tuple[str, str], members: list[str], entities: dict, related: dict, centre,
           strings: dict[str, str], columns: _Columns, y: float) -> tuple[NetGroup, float]:
    """One group of related entities on its side: its heading, then each entity with its
    marker and connector; and the y under it."""
    side = "left" if key in LEFT_GROUPS else "right"
    text_x = columns.column if side == "left" else columns.width - columns.column
    marker_x = text_x + 10 if side == "left" else text_x - 10
    anchor = "end" if side == "left" else "start"
    direction, kind = key
    word = strings[f"relation_{kind}_inverse"] if direction == "in" else strings[f"relation_{kind}"]
    heading_text = word[:1].upper() + word[1:] if direction == "in" else f"{centre.name} {word}"
    heading_lines = wrap(heading_text, columns.column, HEAD * BOLD)
    heading = tuple(Label(line, text_x, rounded(y + FONT + i * HEAD_LINE), anchor) for i, line in enumerate(heading_lines))
    y += HEAD_LINE * len(heading_lines) + 4
    nodes = []
    for member in sorted(members, key=lambda e: (entities[e].kind, entities[e].name.lower(), e)):
        entity = entities[member]
        lines = wrap(entity.name, columns.column - 4)
        labels = tuple(Label(line, text_x, rounded(y + FONT + i * (LINE - 1)), anchor) for i, line in enumerate(lines))
        words = list(dict.fromkeys(strings[f"relation_{k}"] for (_, k), _ in related[member]))
        detail_lines = wrap(", ".join(words), columns.column - 4) if len(words) > 1 else []
        details = tuple(Label(line, text_x, rounded(y + FONT + (len(lines) + i) * (LINE - 1)), anchor)
                        for i, line in enumerate(detail_lines))
        connector_y = rounded(y + FONT * 0.6)
        connector = (marker_x + 6, columns.bar_x) if side == "left" else (columns.bar_x + columns.bar_width, marker_x - 6)
        nodes.append(NetNode(
            entity=member, kind=entity.kind, side=side, lines=labels, details=details,
            marker=shape_path(SHAPES[entity.kind], marker_x, connector_y), y=connector_y,
            connector=(rounded(connector[0]), rounded(connector[1])),
            relations=tuple(c for _, c in related[member]),
            hit=hit_box((marker_x - 6, connector_y - 6, 12, 12), *map(label_box, labels + details))))
        y += (len(lines) + len(details)) * (LINE - 1) + 6
    return NetGroup(key=f"{direction}-{kind}", side=side, heading=heading, nodes=tuple(nodes)), y


def network(entities: dict, strings: dict[str, str], width: float = 340) -> Network | None:
    """The central entity as a bar down the middle; everyone related to it beside it, grouped
    by how they are related, each with a connector to the bar and a marker shaped by kind.
    Relations that do not involve the central entity are left to the entities' own pages."""
    centre_id = central_entity(entities)
    if centre_id is None:
        return None
    centre = entities[centre_id]
    related = _related(entities, centre_id)
    groups_of: dict[tuple[str, str], list[str]] = {}
    for other, found in related.items():
        groups_of.setdefault(found[0][0], []).append(other)
    kinds_shown = sorted({entities[e].kind for e in related} | {centre.kind}, key=list(SHAPES).index)
    legend, legend_bottom = _legend(kinds_shown, strings, width)
    columns = _Columns(width)
    top = legend_bottom + 14
    centre_lines = tuple(Label(line, rounded(width / 2), rounded(top + 4 + (i + 1) * LINE), "middle")
                         for i, line in enumerate(wrap(centre.name, columns.bar_width - 8)))
    ends = {"left": top + 8 + len(centre_lines) * LINE, "right": top + 8 + len(centre_lines) * LINE}
    groups = []
    for key in sorted(groups_of, key=GROUP_ORDER.index):
        side = "left" if key in LEFT_GROUPS else "right"
        group, ends[side] = _group(key, groups_of[key], entities, related, centre, strings, columns,
                                   ends[side] + 10)
        groups.append(group)
    bottom = max(ends.values()) + 4
    counts = "; ".join(f"{' '.join(line.text for line in g.heading)}: {', '.join(entities[n.entity].name for n in g.nodes)}"
                       for g in groups)
    desc = fill(strings["chart_network_desc"], centre=centre.name, n=len(related), groups=counts)
    return Network(width=width, height=rounded(bottom + 6), title=fill(strings["chart_network_title"],
                       centre=centre.name), desc=desc, centre=centre_id, centre_lines=centre_lines,
                   bar=(rounded(columns.bar_x), rounded(top), columns.bar_width, rounded(bottom - top)),
                   groups=tuple(groups), legend=tuple(legend))
