"""Charts drawn at build time: content in, a chart model out, with every mark's coordinates,
label and link already computed. Templates only draw the model as inline SVG (no JavaScript),
and print the same data as a table beside it.

Pure functions, no I/O. Text widths are estimated from the number of characters (no font is
measured), so the layout is the same on every machine.
"""
from __future__ import annotations

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


def rounded(value: float) -> float:
    """A coordinate as written in the SVG: a tenth of a pixel is enough."""
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
    return (rounded(x0), rounded(y0), rounded(x1 - x0), rounded(y1 - y0))


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
        placed[-1] = (0, rounded(last + BESIDE), "start")
    if placed[0] is None and first - BESIDE - text_width(first_text) >= left:
        placed[0] = (0, rounded(first - BESIDE), "end")
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
    gutter = rounded(min(110.0, max(text_width(t.label, HEAD * BOLD) for t in topics) + 8))
    column = (width - gutter) / len(years)
    tallest = max(len(found) for found in by_cell.values())
    bar_width, bar_height, row_height = rounded(min(column * 0.6, 18)), 22.0, 40.0
    rows = []
    for index, topic in enumerate(topics):
        baseline = 4 + (index + 1) * row_height
        cells = []
        for column_index, year in enumerate(years):
            mine = by_cell.get((topic.id, year), [])
            if not mine:
                continue
            height = rounded(max(2.0, bar_height * len(mine) / tallest))
            centre = gutter + column * (column_index + 0.5)
            tooltip = fill(strings["chart_strip_cell"], n=len(mine), topic=topic.label, year=year)
            count = Label(number_text(len(mine), language), rounded(centre), rounded(baseline - height - 3), "middle")
            cells.append(StripCell(
                topic=topic.id, year=year, count=len(mine), x=rounded(centre - bar_width / 2),
                y=rounded(baseline - height), width=bar_width, height=height, label=count,
                url=place(mine[0]), tooltip=tooltip,
                hit=hit_box((centre - column / 2 + 1, baseline - row_height + 6, column - 2, row_height - 6), pad=0)))
        rows.append(StripRow(topic=topic.id, label=Label(topic.label, 0, rounded(baseline - 2)),
                             baseline=rounded(baseline), cells=tuple(cells),
                             total=sum(c.count for c in cells)))
    axis_y = 4 + len(topics) * row_height + LINE + 2
    every = 1 if column >= text_width("2000") + 4 else 2
    def year_label(i: int, year: int) -> Label:
        """Under its column; the last one ends at the edge rather than run past it."""
        centre = gutter + column * (i + 0.5)
        if centre + text_width(str(year)) / 2 > width:
            return Label(str(year), rounded(width), rounded(axis_y), "end")
        return Label(str(year), rounded(centre), rounded(axis_y), "middle")

    year_labels = tuple(year_label(i, year) for i, year in enumerate(years) if i % every == 0)
    per_year = {year: sum(len(found) for (_, y), found in by_cell.items() if y == year) for year in years}
    busiest = max(years, key=lambda year: (per_year[year], -year))
    desc = fill(strings["chart_strip_desc"], 
        first=years[0], last=years[-1],
        topics="; ".join(f"{t.label} {row.total}" for t, row in zip(topics, rows)),
        busiest=busiest, n=per_year[busiest])
    return TopicStrip(width=width, height=rounded(axis_y + 6), title=strings["chart_strip_title"],
                      desc=desc, years=years, year_labels=year_labels, gutter=gutter,
                      rows=tuple(rows))
