"""Charts drawn at build time: content in, a chart model out, with every mark's coordinates,
label and link already computed. Templates only draw the model as inline SVG (no JavaScript),
and print the same data as a table beside it.

Pure functions, no I/O. Text widths are estimated from the number of characters (no font is
measured), so the layout is the same on every machine.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from .strings import fill, number_text

CHAR_WIDTH = 0.6      # average width of a character of the sans stack, in font sizes
BOLD = 1.22           # a bold line is about this much wider
# Sizes in viewBox units. A chart is drawn 340 units wide: 308 px on a 320 px phone (where it
# reaches into the page's margins: 12.2 px text), 358 px on a 390 px one, at most 28rem on a
# wide screen (static/style.css).
FONT = 13.5           # labels; static/style.css sets the same on the <svg>
HEAD = 14.5           # headings (.c-head)
LINE = 17             # the height of one line of labels
HEAD_LINE = 19        # and of one line of a heading
BESIDE = 8            # from a mark to the label written beside it


def text_width(text: str, size: float = FONT) -> float:
    return len(text) * size * CHAR_WIDTH


def wrap(text: str, width: float, size: float = FONT) -> list[str]:
    """Words into lines no wider than `width` (a single long word keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _r(value: float) -> float:
    return round(value, 1)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above `value`: the end of a readable axis."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float
    anchor: str = "start"     # SVG text-anchor


Box = tuple[float, float, float, float]     # x, y, width, height


def hit_box(*boxes: Box, pad: float = 2) -> Box:
    """The smallest box around the given ones, padded: the area a pointer can click."""
    x0 = min(b[0] for b in boxes) - pad
    y0 = min(b[1] for b in boxes) - pad
    x1 = max(b[0] + b[2] for b in boxes) + pad
    y1 = max(b[1] + b[3] for b in boxes) + pad
    return (_r(x0), _r(y0), _r(x1 - x0), _r(y1 - y0))


def label_box(label: Label, size: float = FONT) -> Box:
    width = text_width(label.text, size)
    start = {"start": label.x, "middle": label.x - width / 2, "end": label.x - width}[label.anchor]
    return (start, label.y - size, width, size * 1.3)


def place_beside(items: list[tuple[float, str]], left: float, right: float) -> list[tuple[int, float, str]]:
    """Labels for the marks of one lane, (x, text) in x order: the last mark's label beside it on
    the marks' own line (line 0) when it fits before `right`, and the first mark's beside it on
    the left when that fits after `left`, so neither crosses another mark; every other label
    (and one that fits on neither side) goes under the marks, from line 1, by place_labels.
    Returns (line, x, anchor) per item."""
    placed: list[tuple[int, float, str] | None] = [None] * len(items)
    (first, first_text), (last, last_text) = items[0], items[-1]
    if last + BESIDE + text_width(last_text) <= right:
        placed[-1] = (0, _r(last + BESIDE), "start")
    if placed[0] is None and first - BESIDE - text_width(first_text) >= left:
        placed[0] = (0, _r(first - BESIDE), "end")
    rest = [i for i, place in enumerate(placed) if place is None]
    for i, (line, x, anchor) in zip(rest, place_labels([items[i] for i in rest], left, right)):
        placed[i] = (line + 1, x, anchor)
    return placed   # type: ignore[return-value]


def place_labels(items: list[tuple[float, str]], left: float, right: float,
                 gap: float = 6) -> list[tuple[int, float, str]]:
    """Each (x, text) gets a line (0, 1, …) and an anchor so no two labels overlap: labels go,
    left to right, into the first line where they fit; a label that would run past `right`
    ends at its mark instead of starting there. Returns (line, start x, anchor)."""
    line_ends: list[float] = []
    placed = []
    for x, text in items:
        width = text_width(text)
        start, anchor = (x - width, "end") if x + width > right else (x, "start")
        start = max(start, left)
        line = next((i for i, end in enumerate(line_ends) if start >= end + gap), len(line_ends))
        if line == len(line_ends):
            line_ends.append(start + width)
        else:
            line_ends[line] = start + width
        placed.append((line, start if anchor == "start" else start + width, anchor))
    return placed


# --- funding: rounds, amounts raised and reported valuations ------------------------------------

MONEY_LANES = {"amount-raised": "raised", "valuation": "valuation",
               "valuation-pre-money": "valuation", "valuation-post-money": "valuation"}
LANE_ORDER = ("raised", "valuation")


@dataclass(frozen=True)
class FundingFigure:
    """One source's figure for one round, as the table shows it."""
    event: str
    lane: str
    currency: str
    value: float
    text: str          # "more than $3B"
    measure: str       # "valuation"
    as_of: object      # FuzzyDate or None
    source: str
    outlet: str
    claim: str


@dataclass(frozen=True)
class ValueMark:
    """Every figure of one value in one lane of one round."""
    x: float
    y: float
    shape: str         # "square" (raised) or "circle" (valuation): not colour alone
    label: Label       # "$3B (8 reports)"
    claim: str         # the claim page the mark links to
    figures: tuple[FundingFigure, ...]
    tooltip: str
    hit: Box


@dataclass(frozen=True)
class Lane:
    key: str
    label: Label
    y: float
    x0: float
    x1: float
    ticks: tuple[float, ...]
    range: tuple[float, float] | None     # min and max x when sources disagree
    range_text: str | None                 # "$3B to $4.5B"
    marks: tuple[ValueMark, ...]


@dataclass(frozen=True)
class Round:
    event: str
    date: object
    title: str
    heading: tuple[Label, ...]    # date and title, wrapped
    y: float
    lanes: tuple[Lane, ...]
    hit: Box           # the heading, linked to the event


@dataclass(frozen=True)
class Axis:
    key: str
    label: Label
    y: float
    ticks: tuple[tuple[float, Label], ...]


@dataclass(frozen=True)
class FundingChart:
    width: float
    height: float
    title: str
    desc: str
    axes: tuple[Axis, ...]
    axes_again: tuple[Axis, ...]     # the same scales under a long chart: () for a short one
    rounds: tuple[Round, ...]
    figures: tuple[FundingFigure, ...]


def funding_figures(content, formatter, events: set[str] | None = None,
                    claims=None) -> list[FundingFigure]:
    """Every figure of money raised or of a valuation that names its funding round (an event),
    in claim and source order: of the given claims, or of all."""
    found = []
    for claim in sorted(content.claims.values() if claims is None else claims, key=lambda c: c.id):
        for cited in claim.sources:
            figure = cited.figure
            if (figure is None or figure.measures not in MONEY_LANES or not figure.currency
                    or figure.funding_event not in content.events
                    or (events is not None and figure.funding_event not in events)):
                continue
            found.append(FundingFigure(
                event=figure.funding_event, lane=MONEY_LANES[figure.measures],
                currency=figure.currency, value=figure.value, text=formatter.figure(figure),
                measure=figure.measures, as_of=figure.as_of, source=cited.source,
                outlet=content.sources[cited.source].outlet, claim=claim.id))
    return found


# A chart with more rounds than this repeats its scales at the bottom (about two phone screens).
ROUNDS_BEFORE_SCALE_AGAIN = 4


def funding_chart(content, formatter, strings: dict[str, str], figures: list[FundingFigure],
                  width: float = 340) -> FundingChart | None:
    """Rounds top to bottom in date order (a time axis that stays readable on a phone, where
    rounds weeks apart would collide on a horizontal one); in each round one lane per measure,
    each on a scale shared by every round so growth over time shows. Where sources give
    different figures, a bar spans them and each figure is a mark with its own label."""
    if not figures:
        return None
    formatter_number = functools.lru_cache(maxsize=None)(formatter.number)   # Babel is slow
    in_lane: dict[tuple, list[FundingFigure]] = {}
    for f in figures:
        in_lane.setdefault((f.event, f.lane, f.currency), []).append(f)
    events = sorted({f.event for f in figures}, key=lambda e: (content.events[e].date.sort_key(), e))
    lane_keys = sorted({(f.lane, f.currency) for f in figures},
                       key=lambda k: (LANE_ORDER.index(k[0]), k[1]))
    several_currencies = len({c for _, c in lane_keys}) > 1

    def lane_name(key):
        name = strings[f"chart_lane_{key[0]}"]
        return f"{name} ({key[1]})" if several_currencies else name

    gutter, right = 78.0, width - 8
    scale_max = {key: nice_ceiling(max(f.value for f in figures if (f.lane, f.currency) == key))
                 for key in lane_keys}

    def x_of(key, value):
        return _r(gutter + (right - gutter) * value / scale_max[key])

    def ticks_of(key):
        """0 to the end of the scale in 5, 4, 2 or 1 steps: the most whose labels fit."""
        top = scale_max[key]
        for parts in (5, 4, 2, 1):
            values = [top * i / parts for i in range(parts + 1)]
            texts = [formatter_number(v, key[1]) if v else "0" for v in values]
            spans = [(x_of(key, v) - text_width(t) / 2, x_of(key, v) + text_width(t) / 2)
                     for v, t in zip(values, texts)]
            spans[0] = (gutter, gutter + text_width(texts[0]))
            spans[-1] = (right - text_width(texts[-1]), right)
            if all(b[0] >= a[1] + 8 for a, b in zip(spans, spans[1:])):
                return list(zip(values, texts))
        return [(0.0, "0"), (top, formatter_number(top, key[1]))]

    def scales(y: float) -> tuple[list[Axis], float]:
        """Each lane's scale, one under the other from `y`; and the y under them."""
        axes = []
        for key in lane_keys:
            y += LINE
            axes.append(Axis(key=f"{key[0]}-{key[1]}",
                             label=Label(lane_name(key), 0, _r(y)), y=_r(y + 5),
                             ticks=tuple((x_of(key, v), Label(text, x_of(key, v), _r(y),
                                                              "end" if v == scale_max[key] else "middle" if v else "start"))
                                         for v, text in ticks_of(key))))
            y += 9
        return axes, y

    axes, y = scales(4.0)
    rounds = []
    for event_id in events:
        event = content.events[event_id]
        y += 14
        date_text = formatter.fuzzy(event.date)
        heading = []
        for line in wrap(f"{date_text} · {event.title}", width - 4, HEAD * BOLD):
            y += HEAD_LINE
            heading.append(Label(line, 2, _r(y)))   # 2: a bold "J" reaches left of its x
        round_y = y
        lanes = []
        for key in lane_keys:
            mine = in_lane.get((event_id, *key), [])
            if not mine:
                continue
            y += LINE + 2
            baseline = _r(y)
            values = sorted({f.value for f in mine})
            marks_input = []
            for value in values:
                at_value = [f for f in mine if f.value == value]
                by_claim: dict[str, int] = {}
                for f in at_value:
                    by_claim[f.claim] = by_claim.get(f.claim, 0) + 1
                claim = min(by_claim, key=lambda c: (-by_claim[c], c))
                value_text = formatter_number(value, key[1])
                count = fill(strings["chart_reports"], n=len(at_value))
                marks_input.append((value, value_text, f"{value_text} ({count})", claim, tuple(at_value)))
            placed = place_beside([(x_of(key, v), label) for v, _, label, _, _ in marks_input],
                                  left=gutter, right=width)
            lines_under = max(line for line, _, _ in placed)
            marks = []
            for (value, value_text, label, claim, at_value), (line, lx, anchor) in zip(marks_input, placed):
                tooltip = "; ".join(f"{f.text}: {f.outlet}" for f in at_value)
                # beside the mark: centred on its line; under it: a line each, clear of that one
                text_y = baseline + FONT * 0.35 if line == 0 else baseline + 8 + FONT + (line - 1) * LINE
                text = Label(label, _r(lx), _r(text_y), anchor)
                marks.append(ValueMark(
                    x=x_of(key, value), y=baseline, shape="square" if key[0] == "raised" else "circle",
                    label=text, claim=claim, figures=at_value, tooltip=tooltip,
                    hit=hit_box((x_of(key, value) - 5, baseline - 5, 10, 10), label_box(text))))
            disagree = len(values) > 1
            lanes.append(Lane(
                key=key[0], label=Label(lane_name(key), 0, _r(baseline + 4)), y=baseline,
                x0=gutter, x1=right, ticks=tuple(x for x, _ in axes[lane_keys.index(key)].ticks),
                range=(x_of(key, values[0]), x_of(key, values[-1])) if disagree else None,
                range_text=fill(strings["chart_range"], low=formatter_number(values[0], key[1]),
                                                         high=formatter_number(values[-1], key[1]))
                if disagree else None,
                marks=tuple(marks)))
            y = baseline + 10 + lines_under * LINE
        rounds.append(Round(event=event_id, date=event.date, title=event.title,
                            heading=tuple(heading), y=_r(round_y), lanes=tuple(lanes),
                            hit=hit_box(*(label_box(line, HEAD * BOLD) for line in heading))))
    axes_again: list[Axis] = []
    if len(rounds) > ROUNDS_BEFORE_SCALE_AGAIN:
        axes_again, y = scales(y + 10)
    disagreements = [f"{r.title}: {lane.label.text.lower()} {lane.range_text}"
                     for r in rounds for lane in r.lanes if lane.range_text]
    desc = fill(strings["chart_funding_desc"], 
        n=len(rounds), first=formatter.fuzzy(content.events[events[0]].date),
        last=formatter.fuzzy(content.events[events[-1]].date))
    if disagreements:
        desc += " " + fill(strings["chart_funding_disagree"], list="; ".join(disagreements))
    ordered = sorted(figures, key=lambda f: (events.index(f.event), lane_keys.index((f.lane, f.currency)),
                                             f.value, f.outlet.lower(), f.source, f.claim))
    return FundingChart(width=width, height=_r(y + 8), title=strings["chart_funding_title"],
                        desc=desc, axes=tuple(axes), axes_again=tuple(axes_again), rounds=tuple(rounds),
                        figures=tuple(ordered))


# --- the timeline at a glance: events per topic and year ------------------------------------------

@dataclass(frozen=True)
class StripCell:
    topic: str
    year: int
    count: int
    x: float           # the bar's left edge
    y: float           # the bar's top
    width: float
    height: float
    label: Label       # the count, above the bar
    url: str           # the first event of this topic and year, on its timeline page
    tooltip: str
    hit: Box


@dataclass(frozen=True)
class StripRow:
    topic: str
    label: Label
    baseline: float
    cells: tuple[StripCell, ...]
    total: int


@dataclass(frozen=True)
class TopicStrip:
    width: float
    height: float
    title: str
    desc: str
    years: tuple[int, ...]
    year_labels: tuple[Label, ...]
    gutter: float
    rows: tuple[StripRow, ...]

    def count(self, topic: str, year: int) -> StripCell | None:
        return next((c for r in self.rows if r.topic == topic for c in r.cells if c.year == year), None)


def topic_strip(events: list, topics: list, place, strings: dict[str, str],
                width: float = 340, language: str = "en") -> TopicStrip | None:
    """One row per topic, one bar per year (height by number of events, the number written
    above it); each bar links to the first of its events on the timeline. `events` come in
    date order; `place(event)` is the address of the event on its timeline page."""
    if not events:
        return None
    by_cell: dict[tuple[str, int], list] = {}
    for event in events:
        by_cell.setdefault((event.topic, event.date.year), []).append(event)
    topics = [t for t in topics if any(topic == t.id for topic, _ in by_cell)]
    years = tuple(range(min(y for _, y in by_cell), max(y for _, y in by_cell) + 1))
    gutter = _r(min(110.0, max(text_width(t.label, HEAD * BOLD) for t in topics) + 8))
    column = (width - gutter) / len(years)
    tallest = max(len(found) for found in by_cell.values())
    bar_width, bar_height, row_height = _r(min(column * 0.6, 18)), 22.0, 40.0
    rows = []
    for index, topic in enumerate(topics):
        baseline = 4 + (index + 1) * row_height
        cells = []
        for column_index, year in enumerate(years):
            mine = by_cell.get((topic.id, year), [])
            if not mine:
                continue
            height = _r(max(2.0, bar_height * len(mine) / tallest))
            centre = gutter + column * (column_index + 0.5)
            tooltip = fill(strings["chart_strip_cell"], n=len(mine), topic=topic.label, year=year)
            count = Label(number_text(len(mine), language), _r(centre), _r(baseline - height - 3), "middle")
            cells.append(StripCell(
                topic=topic.id, year=year, count=len(mine), x=_r(centre - bar_width / 2),
                y=_r(baseline - height), width=bar_width, height=height, label=count,
                url=place(mine[0]), tooltip=tooltip,
                hit=hit_box((centre - column / 2 + 1, baseline - row_height + 6, column - 2, row_height - 6), pad=0)))
        rows.append(StripRow(topic=topic.id, label=Label(topic.label, 0, _r(baseline - 2)),
                             baseline=_r(baseline), cells=tuple(cells),
                             total=sum(c.count for c in cells)))
    axis_y = 4 + len(topics) * row_height + LINE + 2
    every = 1 if column >= text_width("2000") + 4 else 2
    def year_label(i: int, year: int) -> Label:
        """Under its column; the last one ends at the edge rather than run past it."""
        centre = gutter + column * (i + 0.5)
        if centre + text_width(str(year)) / 2 > width:
            return Label(str(year), _r(width), _r(axis_y), "end")
        return Label(str(year), _r(centre), _r(axis_y), "middle")

    year_labels = tuple(year_label(i, year) for i, year in enumerate(years) if i % every == 0)
    per_year = {year: sum(len(found) for (_, y), found in by_cell.items() if y == year) for year in years}
    busiest = max(years, key=lambda year: (per_year[year], -year))
    desc = fill(strings["chart_strip_desc"], 
        first=years[0], last=years[-1],
        topics="; ".join(f"{t.label} {row.total}" for t, row in zip(topics, rows)),
        busiest=busiest, n=per_year[busiest])
    return TopicStrip(width=width, height=_r(axis_y + 6), title=strings["chart_strip_title"],
                      desc=desc, years=years, year_labels=year_labels, gutter=gutter,
                      rows=tuple(rows))


# --- who is connected to whom --------------------------------------------------------------------

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
        return "M" + " L".join(f"{_r(cx + px * r)},{_r(cy + py * r)}" for px, py in points) + " Z"
    if shape == "circle":
        return (f"M{_r(cx - r)},{_r(cy)} A{r},{r} 0 1,0 {_r(cx + r)},{_r(cy)} "
                f"A{r},{r} 0 1,0 {_r(cx - r)},{_r(cy)} Z")
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
        legend.append((kind, shape_path(SHAPES[kind], x + 5, y - 4), Label(text, _r(x + 13), _r(y))))
        x += 14 + text_width(text) + 12
    return legend, y


def network(entities: dict, strings: dict[str, str], width: float = 340) -> Network | None:
    """The central entity as a bar down the middle; everyone related to it beside it, grouped
    by how they are related, each with a connector to the bar and a marker shaped by kind.
    Relations that do not involve the central entity are left to the entities' own pages."""
    centre_id = central_entity(entities)
    if centre_id is None:
        return None
    centre = entities[centre_id]
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
    groups_of: dict[tuple[str, str], list[str]] = {}
    for other, found in related.items():
        groups_of.setdefault(found[0][0], []).append(other)
    kinds_shown = sorted({entities[e].kind for e in related} | {centre.kind}, key=list(SHAPES).index)
    legend, legend_bottom = _legend(kinds_shown, strings, width)
    bar_width = 80.0
    column_width = (width - bar_width - 36) / 2
    bar_x = width / 2 - bar_width / 2
    top = legend_bottom + 14
    centre_lines = tuple(Label(line, _r(width / 2), _r(top + 4 + (i + 1) * LINE), "middle")
                         for i, line in enumerate(wrap(centre.name, bar_width - 8)))
    ends = {"left": top + 8 + len(centre_lines) * LINE, "right": top + 8 + len(centre_lines) * LINE}
    groups = []
    for key in sorted(groups_of, key=GROUP_ORDER.index):
        side = "left" if key in LEFT_GROUPS else "right"
        text_x = column_width if side == "left" else width - column_width
        marker_x = text_x + 10 if side == "left" else text_x - 10
        anchor = "end" if side == "left" else "start"
        y = ends[side] + 10
        direction, kind = key
        word = strings[f"relation_{kind}_inverse"] if direction == "in" else strings[f"relation_{kind}"]
        heading_text = word[:1].upper() + word[1:] if direction == "in" else f"{centre.name} {word}"
        heading_lines = wrap(heading_text, column_width, HEAD * BOLD)
        heading = tuple(Label(line, text_x, _r(y + FONT + i * HEAD_LINE), anchor) for i, line in enumerate(heading_lines))
        y += HEAD_LINE * len(heading_lines) + 4
        nodes = []
        for member in sorted(groups_of[key], key=lambda e: (entities[e].kind, entities[e].name.lower(), e)):
            entity = entities[member]
            lines = wrap(entity.name, column_width - 4)
            labels = tuple(Label(line, text_x, _r(y + FONT + i * (LINE - 1)), anchor) for i, line in enumerate(lines))
            words = list(dict.fromkeys(strings[f"relation_{k}"] for (_, k), _ in related[member]))
            detail_lines = wrap(", ".join(words), column_width - 4) if len(words) > 1 else []
            details = tuple(Label(line, text_x, _r(y + FONT + (len(lines) + i) * (LINE - 1)), anchor)
                            for i, line in enumerate(detail_lines))
            connector_y = _r(y + FONT * 0.6)
            connector = (marker_x + 6, bar_x) if side == "left" else (bar_x + bar_width, marker_x - 6)
            nodes.append(NetNode(
                entity=member, kind=entity.kind, side=side, lines=labels, details=details,
                marker=shape_path(SHAPES[entity.kind], marker_x, connector_y), y=connector_y,
                connector=(_r(connector[0]), _r(connector[1])),
                relations=tuple(c for _, c in related[member]),
                hit=hit_box((marker_x - 6, connector_y - 6, 12, 12), *map(label_box, labels + details))))
            y += (len(lines) + len(details)) * (LINE - 1) + 6
        ends[side] = y
        groups.append(NetGroup(key=f"{direction}-{kind}", side=side, heading=heading, nodes=tuple(nodes)))
    bottom = max(ends.values()) + 4
    counts = "; ".join(f"{' '.join(line.text for line in g.heading)}: {', '.join(entities[n.entity].name for n in g.nodes)}"
                       for g in groups)
    desc = fill(strings["chart_network_desc"], centre=centre.name, n=len(related), groups=counts)
    return Network(width=width, height=_r(bottom + 6), title=fill(strings["chart_network_title"], 
                       centre=centre.name), desc=desc, centre=centre_id, centre_lines=centre_lines,
                   bar=(_r(bar_x), _r(top), bar_width, _r(bottom - top)), groups=tuple(groups),
                   legend=tuple(legend))
