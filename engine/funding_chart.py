"""The funding chart: rounds, amounts raised and reported valuations on one time axis, each
mark linked to the claim and source behind it. Geometry only; templates/partials draw it."""
from __future__ import annotations

import functools
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
    nice_ceiling,
    place_beside,
    rounded,
    text_width,
    wrap,
)
from .strings import fill

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


class _Scales:
    """One scale per lane (measure and currency), shared by every round so growth over time
    shows; `axes` draws them, one under the other."""

    def __init__(self, figures: list[FundingFigure], strings: dict[str, str], number, width: float):
        self.strings, self.number = strings, number
        self.keys = sorted({(f.lane, f.currency) for f in figures},
                           key=lambda k: (LANE_ORDER.index(k[0]), k[1]))
        self.several_currencies = len({c for _, c in self.keys}) > 1
        self.gutter, self.right = 78.0, width - 8
        self.top = {key: nice_ceiling(max(f.value for f in figures if (f.lane, f.currency) == key))
                    for key in self.keys}

    def name(self, key) -> str:
        name = self.strings[f"chart_lane_{key[0]}"]
        return f"{name} ({key[1]})" if self.several_currencies else name

    def x(self, key, value) -> float:
        return rounded(self.gutter + (self.right - self.gutter) * value / self.top[key])

    def ticks(self, key) -> list[tuple[float, str]]:
        """0 to the end of the scale in 5, 4, 2 or 1 steps: the most whose labels fit."""
        top = self.top[key]
        for parts in (5, 4, 2, 1):
            values = [top * i / parts for i in range(parts + 1)]
            texts = [self.number(v, key[1]) if v else "0" for v in values]
            spans = [(self.x(key, v) - text_width(t) / 2, self.x(key, v) + text_width(t) / 2)
                     for v, t in zip(values, texts)]
            spans[0] = (self.gutter, self.gutter + text_width(texts[0]))
            spans[-1] = (self.right - text_width(texts[-1]), self.right)
            if all(b[0] >= a[1] + 8 for a, b in zip(spans, spans[1:])):
                return list(zip(values, texts))
        return [(0.0, "0"), (top, self.number(top, key[1]))]

    def axes(self, y: float) -> tuple[list[Axis], float]:
        """Each lane's scale, one under the other from `y`; and the y under them."""
        axes = []
        for key in self.keys:
            y += LINE
            ticks = tuple((self.x(key, v), Label(text, self.x(key, v), rounded(y),
                                                 "end" if v == self.top[key] else "middle" if v else "start"))
                          for v, text in self.ticks(key))
            axes.append(Axis(key=f"{key[0]}-{key[1]}", label=Label(self.name(key), 0, rounded(y)),
                             y=rounded(y + 5), ticks=ticks))
            y += 9
        return axes, y


def _marks(scales: _Scales, key, mine: list[FundingFigure], baseline: float, width: float) -> tuple[list, int]:
    """A lane's marks, one per value its sources give, each labelled with the value and how
    many reports give it (beside the mark, or on a line under it when they would collide);
    and how many lines the labels take under the lane."""
    marks_input = []
    for value in sorted({f.value for f in mine}):
        at_value = [f for f in mine if f.value == value]
        by_claim: dict[str, int] = {}
        for f in at_value:
            by_claim[f.claim] = by_claim.get(f.claim, 0) + 1
        claim = min(by_claim, key=lambda c: (-by_claim[c], c))
        value_text = scales.number(value, key[1])
        count = fill(scales.strings["chart_reports"], n=len(at_value))
        marks_input.append((value, f"{value_text} ({count})", claim, tuple(at_value)))
    placed = place_beside([(scales.x(key, v), label) for v, label, _, _ in marks_input],
                          left=scales.gutter, right=width)
    marks = []
    for (value, label, claim, at_value), (line, lx, anchor) in zip(marks_input, placed):
        tooltip = "; ".join(f"{f.text}: {f.outlet}" for f in at_value)
        # beside the mark: centred on its line; under it: a line each, clear of that one
        text_y = baseline + FONT * 0.35 if line == 0 else baseline + 8 + FONT + (line - 1) * LINE
        text = Label(label, rounded(lx), rounded(text_y), anchor)
        x = scales.x(key, value)
        marks.append(ValueMark(
            x=x, y=baseline, shape="square" if key[0] == "raised" else "circle",
            label=text, claim=claim, figures=at_value, tooltip=tooltip,
            hit=hit_box((x - 5, baseline - 5, 10, 10), label_box(text))))
    return marks, max(line for line, _, _ in placed)


def _round(scales: _Scales, event, in_lane: dict, axes: list[Axis], y: float, formatter,
           width: float) -> tuple[Round, float]:
    """One round: its date and title, then a lane per measure it has figures for; and the y
    under it. Where sources give different figures, a bar spans them."""
    y += 14
    heading = []
    for line in wrap(f"{formatter.fuzzy(event.date)} · {event.title}", width - 4, HEAD * BOLD):
        y += HEAD_LINE
        heading.append(Label(line, 2, rounded(y)))   # 2: a bold "J" reaches left of its x
    round_y = y
    lanes = []
    for key in scales.keys:
        mine = in_lane.get((event.id, *key), [])
        if not mine:
            continue
        y += LINE + 2
        baseline = rounded(y)
        marks, lines_under = _marks(scales, key, mine, baseline, width)
        low, high = min(f.value for f in mine), max(f.value for f in mine)
        disagree = low != high
        lanes.append(Lane(
            key=key[0], label=Label(scales.name(key), 0, rounded(baseline + 4)), y=baseline,
            x0=scales.gutter, x1=scales.right, ticks=tuple(x for x, _ in axes[scales.keys.index(key)].ticks),
            range=(scales.x(key, low), scales.x(key, high)) if disagree else None,
            range_text=fill(scales.strings["chart_range"], low=scales.number(low, key[1]),
                            high=scales.number(high, key[1])) if disagree else None,
            marks=tuple(marks)))
        y = baseline + 10 + lines_under * LINE
    return Round(event=event.id, date=event.date, title=event.title, heading=tuple(heading),
                 y=rounded(round_y), lanes=tuple(lanes),
                 hit=hit_box(*(label_box(line, HEAD * BOLD) for line in heading))), y


def funding_chart(content, formatter, strings: dict[str, str], figures: list[FundingFigure],
                  width: float = 340) -> FundingChart | None:
    """Rounds top to bottom in date order (a time axis that stays readable on a phone, where
    rounds weeks apart would collide on a horizontal one); in each round one lane per measure,
    each on a scale shared by every round so growth over time shows. Where sources give
    different figures, a bar spans them and each figure is a mark with its own label."""
    if not figures:
        return None
    scales = _Scales(figures, strings, functools.lru_cache(maxsize=None)(formatter.number), width)   # Babel is slow
    in_lane: dict[tuple, list[FundingFigure]] = {}
    for f in figures:
        in_lane.setdefault((f.event, f.lane, f.currency), []).append(f)
    events = sorted({f.event for f in figures}, key=lambda e: (content.events[e].date.sort_key(), e))
    axes, y = scales.axes(4.0)
    rounds = []
    for event_id in events:
        placed, y = _round(scales, content.events[event_id], in_lane, axes, y, formatter, width)
        rounds.append(placed)
    axes_again: list[Axis] = []
    if len(rounds) > ROUNDS_BEFORE_SCALE_AGAIN:
        axes_again, y = scales.axes(y + 10)
    disagreements = [f"{r.title}: {lane.label.text.lower()} {lane.range_text}"
                     for r in rounds for lane in r.lanes if lane.range_text]
    desc = fill(strings["chart_funding_desc"], n=len(rounds), first=formatter.fuzzy(content.events[events[0]].date),
                last=formatter.fuzzy(content.events[events[-1]].date))
    if disagreements:
        desc += " " + fill(strings["chart_funding_disagree"], list="; ".join(disagreements))
    ordered = sorted(figures, key=lambda f: (events.index(f.event), scales.keys.index((f.lane, f.currency)),
                                             f.value, f.outlet.lower(), f.source, f.claim))
    return FundingChart(width=width, height=rounded(y + 8), title=strings["chart_funding_title"],
                        desc=desc, axes=tuple(axes), axes_again=tuple(axes_again), rounds=tuple(rounds),
                        figures=tuple(ordered))
