"""The charts drawn at build time: every mark's position, label and link, recomputed here from
the YAML and compared with the built SVG; the table beside each chart holds the same data;
each chart is an <svg role="img"> named by its <title> and <desc>."""
from __future__ import annotations

import collections
import math
import re
from pathlib import Path

import pytest
import yaml
from babel.numbers import format_compact_currency, get_currency_symbol
from hypothesis import given, strategies as st

from conftest import ROOT, build, copy_fixture, page
from engine.charts import FONT, place_beside, place_labels, text_width
from engine.dates import parse_fuzzy_date

MONEY = {"amount-raised": "raised", "valuation": "valuation", "valuation-pre-money": "valuation",
         "valuation-post-money": "valuation"}


def load(content: Path, kind: str) -> dict[str, dict]:
    items = {}
    for path in sorted((content / kind).glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        if not data.get("draft") and not data.get("publish_after"):
            items[path.stem] = data
    return items


def floats(tag, *names) -> list[float]:
    return [float(tag[name]) for name in names]


def nice(value: float) -> float:
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power


def money(value: float, currency: str, site: dict) -> str:
    """An amount as site.yaml's `money` asks: the locale's compact form, or (English) a newsroom's
    short one with its symbols, "$3bn", "$410m"."""
    style = site.get("money", {}).get("style", "compact")
    if style == "compact":
        return format_compact_currency(value, currency, locale=site["language"].replace("-", "_"),
                                       fraction_digits=2)
    assert style == "short" and site["language"].startswith("en")
    symbol = site["money"].get("symbols", {}).get(currency) or \
        get_currency_symbol(currency, locale=site["language"].replace("-", "_"))
    size, suffix = (1e9, "bn") if value >= 1e9 else (1e6, "m")
    return f"{symbol}{value / size:.2f}".rstrip("0").rstrip(".") + suffix


def reports(n: int) -> str:
    return "1 report" if n == 1 else f"{n} reports"


def chart(soup, figure_id: str):
    figure = soup.find("figure", id=figure_id)
    assert figure is not None, f"no #{figure_id}"
    drawing = figure.find("svg", attrs={"role": "img"})
    hits = figure.find("svg", class_="chart-hits")
    return figure, drawing, hits


def assert_named(drawing, must_mention: list[str]):
    """role=img, named by its own <title>, described by its own <desc>."""
    title_id, desc_id = drawing["aria-labelledby"].split()
    assert drawing.find("title")["id"] == title_id and drawing.find("title").get_text(strip=True)
    desc = drawing.find("desc")
    assert desc["id"] == desc_id
    for text in must_mention:
        assert text in desc.get_text(), (text, desc.get_text())


def hit_contains(rect, x: float, y: float) -> bool:
    rx, ry, w, h = floats(rect, "x", "y", "width", "height")
    return rx <= x <= rx + w and ry <= y <= ry + h


# --- funding ----------------------------------------------------------------------------------

def expected_funding(content: Path, timeline: str | None, only_claim: str | None = None):
    """(event, lane) -> value -> [(claim, source)], from the YAML alone."""
    events = load(content, "events")
    found = collections.defaultdict(lambda: collections.defaultdict(list))
    for claim_id, claim in load(content, "claims").items():
        if only_claim and claim_id != only_claim:
            continue
        for cited in claim["sources"]:
            figure = cited.get("figure")
            if figure and figure.get("funding_event") in events and figure["measures"] in MONEY \
                    and (timeline is None or timeline in events[figure["funding_event"]]["timelines"]):
                found[(figure["funding_event"], MONEY[figure["measures"]])][float(figure["value"])].append(
                    (claim_id, cited["source"], figure["currency"]))
    return events, found


def check_funding(soup, content: Path, timeline: str | None, only_claim: str | None = None):
    site = yaml.safe_load((content / "site.yaml").read_text("utf-8"))
    events, expected = expected_funding(content, timeline, only_claim)
    figure, drawing, hits = chart(soup, "funding-chart")
    # rounds top to bottom in date order
    rounds = drawing.find_all("g", class_="c-round")
    order = sorted({event for event, _ in expected},
                   key=lambda e: (parse_fuzzy_date(str(events[e]["date"])).sort_key(), e))
    assert [r["data-event"] for r in rounds] == order
    heads = [float(r.find("text", class_="c-head")["y"]) for r in rounds]
    assert heads == sorted(heads)
    # one scale per lane, shared by every round, from 0 at the axis start to a round number
    axes = {g["data-axis"].split("-")[0]: g for g in drawing.find_all("g", class_="c-axis")}
    top = {lane: nice(max(v for (e, l), values in expected.items() if l == lane for v in values))
           for lane in {lane for _, lane in expected}}
    assert set(axes) == set(top)
    # a long chart repeats its scales under the last round
    groups = drawing.find_all("g", class_="c-axis")
    assert len(groups) == len(axes) * (2 if len(rounds) > 4 else 1)
    if len(rounds) > 4:
        last = max(float(t["y"]) for t in rounds[-1].find_all("text"))
        assert [g["data-axis"] for g in groups[len(axes):]] == [g["data-axis"] for g in groups[:len(axes)]]
        assert all(float(g.find("text")["y"]) > last for g in groups[len(axes):])
    marks_seen = []
    for round_tag in rounds:
        event = round_tag["data-event"]
        lanes = round_tag.find_all("g", class_="c-lane")
        assert {lane["data-lane"] for lane in lanes} == {l for e, l in expected if e == event}
        for lane in lanes:
            key = (event, lane["data-lane"])
            axis = lane.find("line", class_="c-rule")
            x0, x1 = floats(axis, "x1", "x2")
            lane_y = float(axis["y1"])
            scale = top[lane["data-lane"]]
            marks = lane.find_all("g", class_="c-mark")
            assert sorted(float(m["data-value"]) for m in marks) == sorted(expected[key])
            for mark in marks:
                value = float(mark["data-value"])
                claims = expected[key][value]
                shape = mark.find(["circle", "rect"])
                x = float(shape["cx"]) if shape.name == "circle" else float(shape["x"]) + 4.5
                assert x == pytest.approx(x0 + (x1 - x0) * value / scale, abs=0.11)
                assert shape.name == ("rect" if lane["data-lane"] == "raised" else "circle")
                label = mark.find("text").get_text()
                assert label == f"{money(value, claims[0][2], site)} ({reports(len(claims))})"
                assert int(mark["data-count"]) == len(claims)
                by_claim = collections.Counter(c for c, _, _ in claims)
                assert by_claim[mark["data-claim"]] == max(by_claim.values())
                marks_seen.append((mark["data-claim"], x, float(shape.get("cy") or float(shape["y"]) + 4.5)))
            # sources that disagree: a bar spans the lowest to the highest figure
            bar = lane.find("line", class_="c-range")
            if len(expected[key]) > 1:
                low, high = min(expected[key]), max(expected[key])
                assert floats(bar, "x1", "x2") == pytest.approx(
                    [x0 + (x1 - x0) * low / scale, x0 + (x1 - x0) * high / scale], abs=0.11)
            else:
                assert bar is None
            # labels of one lane never overlap, and one on the marks' own line crosses no mark
            boxes = []
            xs = [float(shape["cx"]) if shape.name == "circle" else float(shape["x"]) + 4.5
                  for shape in (mark.find(["circle", "rect"]) for mark in marks)]
            for mark in marks:
                text = mark.find("text")
                width = text_width(text.get_text())
                start = float(text["x"]) - (width if text["text-anchor"] == "end" else 0)
                boxes.append((float(text["y"]), start, start + width))
                if float(text["y"]) < lane_y + FONT / 2:   # beside the marks, on their line
                    assert start + width <= min(xs) - 5 or start >= max(xs) + 5, (event, text)
                assert start >= 0 and start + width <= float(drawing["viewbox"].split()[2]) + 0.5
            for a in boxes:
                for b in boxes:
                    if a is not b and a[0] == b[0]:
                        assert a[2] <= b[1] or b[2] <= a[1], (event, a, b)
    # every mark links to its claim page, through the pointer layer, over the mark itself
    claim_links = [a for a in hits.find_all("a") if "/claims/" in a["href"]]
    assert len(claim_links) == len(marks_seen)
    for link, (claim, x, y) in zip(claim_links, marks_seen):
        assert link["href"].endswith(f"/claims/{claim}/")
        assert link["tabindex"] == "-1" and hit_contains(link.find("rect"), x, y)
    assert hits["aria-hidden"] == "true"
    # the table: every source's figure, under its round (a claim page has its own table instead)
    for round_tag in rounds if figure.find("details") else []:
        event = round_tag["data-event"]
        body = figure.find("tbody", attrs={"data-event": event})
        rows = body.find_all("tr", attrs={"data-lane": True})
        got = sorted((r["data-lane"], float(r["data-value"]), r.find_all("a")[1]["href"].split("/")[-2],
                      r.find_all("a")[0]["href"].split("/")[-2]) for r in rows)
        want = sorted((lane, value, source, claim) for (e, lane), values in expected.items() if e == event
                      for value, found in values.items() for claim, source, _ in found)
        assert got == want
    return expected


def test_the_funding_chart_shows_every_round_and_each_sources_figure(real_site):
    soup = page(real_site, "timelines/funding/")
    expected = check_funding(soup, ROOT / "content", "funding")
    assert len({event for event, _ in expected}) >= 5
    _, drawing, _ = chart(soup, "funding-chart")
    assert_named(drawing, ["Series C of $600m", "$3bn to $4.5bn"])


def test_where_sources_disagree_the_chart_shows_the_range_and_each_figure(real_site):
    """The April 2018 valuation: more than $3bn (Bloomberg) or $4.5bn (anonymous sources)."""
    soup = page(real_site, "timelines/funding/")
    _, drawing, _ = chart(soup, "funding-chart")
    lane = drawing.find("g", attrs={"data-event": "series-c-2018"}).find("g", attrs={"data-lane": "valuation"})
    labels = [t.get_text() for t in lane.find_all("text")][1:]
    assert labels[0].startswith("$3bn (") and labels[-1].startswith("$4.5bn (")
    assert lane.find("line", class_="c-range") is not None


def test_a_claim_whose_figures_differ_charts_its_own_figures_beside_its_table(real_site):
    soup = page(real_site, "claims/valuation-april-2018/")
    expected = check_funding(soup, ROOT / "content", None, "valuation-april-2018")
    assert sorted(expected[("series-c-2018", "valuation")]) == [3e9, 4e9, 4.5e9]
    figure, drawing, _ = chart(soup, "funding-chart")
    assert figure.find("details") is None       # the claim's own table of figures is beside it
    table_values = sorted(float(td.get_text().split("$")[1].removesuffix("bn")) * 1e9
                          for td in soup.find("table", class_="figures").select("td.num"))
    assert sorted({v for values in expected.values() for v in values}) == sorted(set(table_values))
    assert_named(drawing, ["$3bn to $4.5bn"])


def test_a_disagreement_added_to_the_fixture_appears_as_a_range(tmp_path):
    content = copy_fixture(tmp_path)
    path = content / "claims/valuation.yaml"
    path.write_text(path.read_text("utf-8").replace("as_of: 2018-04}", "as_of: 2018-04, funding_event: round-a}"))
    assert build(content, tmp_path / "out").ok
    soup = page(tmp_path / "out", "timelines/money/")
    expected = check_funding(soup, content, "money")
    assert sorted(expected[("round-a", "valuation")]) == [30_000_000, 50_000_000]
    assert "$30M to $50M" in soup.find("desc", id="funding-chart-desc").get_text()


def test_a_figure_of_a_round_must_be_money(content):
    from conftest import problems_of
    path = content / "claims/round-size.yaml"
    path.write_text(path.read_text("utf-8").replace("currency: USD, measures: amount-raised",
                                                    "measures: count"))
    assert ('content/claims/round-size.yaml:11:13: sources[1].figure: funding_event is for an amount '
            'raised or a valuation, not a figure that measures "count": change measures, or remove '
            'funding_event') in problems_of(content)
    path.write_text(path.read_text("utf-8").replace("measures: count", "measures: amount-raised"))
    assert ("content/claims/round-size.yaml:11:13: sources[1].figure: a figure with a funding_event "
            "needs its currency, e.g. currency: USD") in problems_of(content)


# --- events per topic and year ----------------------------------------------------------------

def check_strip(soup, events: dict[str, dict], topics: list[str], link_prefix: str):
    figure, drawing, hits = chart(soup, "topic-strip")
    dated = sorted(((parse_fuzzy_date(str(e["date"])), key, e["topic"]) for key, e in events.items()),
                   key=lambda t: (t[0].sort_key(), t[1]))
    counts = collections.Counter((topic, date.year) for date, _, topic in dated)
    years = list(range(min(y for _, y in counts), max(y for _, y in counts) + 1))
    rows = drawing.find_all("g", class_="c-row")
    assert [r["data-topic"] for r in rows] == [t for t in topics if any(k[0] == t for k in counts)]
    tallest = max(counts.values())
    centres = {}
    cells = []
    for row in rows:
        marks = row.find_all("g", class_="c-mark")
        assert {int(m["data-year"]): int(m["data-count"]) for m in marks} == \
            {y: n for (t, y), n in counts.items() if t == row["data-topic"]}
        baseline = float(row.find("line")["y1"])
        for mark in marks:
            rect, label = mark.find("rect"), mark.find("text")
            count, year = int(mark["data-count"]), int(mark["data-year"])
            x, y, w, h = floats(rect, "x", "y", "width", "height")
            assert y + h == pytest.approx(baseline, abs=0.11)
            assert h == pytest.approx(max(2, 22 * count / tallest), abs=0.11)
            assert label.get_text() == str(count) and float(label["x"]) == pytest.approx(x + w / 2, abs=0.11)
            centres.setdefault(year, x + w / 2)
            assert centres[year] == pytest.approx(x + w / 2, abs=0.11)
            first = next(key for date, key, topic in dated if topic == row["data-topic"] and date.year == year)
            cells.append((row["data-topic"], year, first, x + w / 2, y + h / 2))
    # years evenly spaced, in order
    known = sorted(centres)
    step = (centres[known[-1]] - centres[known[0]]) / (known[-1] - known[0])
    for year in known:
        assert centres[year] == pytest.approx(centres[known[0]] + step * (year - known[0]), abs=0.2)
    for label in drawing.find_all("text", class_="c-tick"):
        year = int(label.get_text())
        assert year in years
        centre = centres[known[0]] + step * (year - known[0])
        if label["text-anchor"] == "end":   # the last year, kept inside the chart: ends at its edge
            assert year == years[-1] and float(label["x"]) == float(drawing["viewbox"].split()[2])
            assert centre + text_width(str(year)) / 2 > float(label["x"])
        else:
            assert label["text-anchor"] == "middle"
            assert float(label["x"]) == pytest.approx(centre, abs=0.2)
    # each bar links to the first of its events on the timeline
    links = hits.find_all("a")
    assert len(links) == len(cells)
    for link, (topic, year, first, cx, cy) in zip(links, cells):
        assert link["href"].startswith(link_prefix) and link["href"].endswith(f"#event-{first}")
        assert hit_contains(link.find("rect"), cx, cy)
    # the table holds the same counts
    table = figure.find("table")
    assert [int(th.get_text()) for th in table.thead.find_all("th")[1:]] == years
    for tr in table.tbody.find_all("tr"):
        assert [int(td.get_text()) for td in tr.find_all("td")] == \
            [counts.get((tr["data-topic"], year), 0) for year in years]
    assert_named(drawing, [str(years[0]), str(years[-1])])


def test_the_home_page_shows_events_per_topic_and_year(real_site):
    content = ROOT / "content"
    topics = [t["id"] for t in yaml.safe_load((content / "site.yaml").read_text("utf-8"))["topics"]]
    check_strip(page(real_site, ""), load(content, "events"), topics, "/timeline/")
    check_strip(page(real_site, "timeline/"), load(content, "events"), topics, "/timeline/")


def test_each_timeline_shows_its_own_events_per_topic_and_year(real_site):
    content = ROOT / "content"
    topics = [t["id"] for t in yaml.safe_load((content / "site.yaml").read_text("utf-8"))["topics"]]
    for timeline in load(content, "timelines"):
        events = {k: e for k, e in load(content, "events").items() if timeline in e["timelines"]}
        check_strip(page(real_site, f"timelines/{timeline}/"), events, topics, f"/timelines/{timeline}/")


# --- who is connected to whom -----------------------------------------------------------------

def test_the_network_shows_everyone_related_to_the_central_entity(real_site):
    entities = load(ROOT / "content", "entities")
    degree = collections.Counter()
    for key, entity in entities.items():
        for relation in entity.get("relations", []):
            degree[key] += 1
            degree[relation["to"]] += 1
    centre = min(degree, key=lambda e: (-degree[e], e))
    relations = [(key, r["kind"], r["to"]) for key, e in entities.items() for r in e.get("relations", [])
                 if centre in (key, r["to"]) and key != r["to"]]
    neighbours = {a if b == centre else b for a, _, b in relations}

    figure, drawing, hits = chart(page(real_site, "entities/"), "network")
    assert drawing.find("g", class_="c-centre-group")["data-entity"] == centre
    bar = drawing.find("rect", class_="c-centre")
    bx, by, bw, bh = floats(bar, "x", "y", "width", "height")
    nodes = drawing.find_all("g", class_="c-node")
    assert sorted(n["data-entity"] for n in nodes) == sorted(neighbours)
    shapes = {g["data-kind"]: g.find("path")["d"] for g in drawing.find_all("g", class_="c-legend")}
    assert len(set(map(signature, shapes.values()))) == len(shapes)   # one shape per kind
    sides = {"left": [], "right": []}
    for node in nodes:
        entity = entities[node["data-entity"]]
        assert entity["kind"] == node["data-kind"]
        texts = [t for t in node.find_all("text") if "c-muted" not in (t.get("class") or [])]
        assert " ".join(t.get_text() for t in texts) == entity["name"]
        assert signature(node.find("path")["d"]) == signature(shapes[entity["kind"]])
        line = node.find("line")
        lx1, lx2, ly = floats(line, "x1", "x2", "y1")
        assert by <= ly <= by + bh
        side = "left" if lx2 == pytest.approx(bx) else "right"
        if side == "right":
            assert lx1 == pytest.approx(bx + bw)
        group = node.find_parent("g", class_="c-group")["data-group"]
        kinds = {k for a, k, b in relations if node["data-entity"] in (a, b)}
        assert group.split("-", 1)[1] in kinds
        ys = [float(t["y"]) for t in node.find_all("text")]
        sides[side].append((min(ys) - 11, max(ys) + 3))
    for boxes in sides.values():      # names on one side never overlap
        boxes.sort()
        assert all(a[1] <= b[0] for a, b in zip(boxes, boxes[1:]))
    # every name links to its entity page, through the pointer layer
    links = hits.find_all("a")
    assert [a["href"].split("/")[-2] for a in links] == [centre] + [n["data-entity"] for n in nodes]
    # the table lists every relation with the central entity
    rows = figure.find("table").tbody.find_all("tr")
    got = sorted((r.find_all("a")[0]["href"].split("/")[-2], r.find_all("td")[1].get_text(),
                  r.find_all("a")[1]["href"].split("/")[-2]) for r in rows)
    words = yaml.safe_load((ROOT / "engine/translations/en.yaml").read_text("utf-8"))
    assert got == sorted((a, words[f"relation_{k}"], b) for a, k, b in relations)
    assert_named(drawing, [entities[centre]["name"]] + [entities[n]["name"] for n in sorted(neighbours)])


def signature(path: str) -> tuple:
    """A marker's outline, wherever it is drawn: its corners around their centre, and its arcs."""
    points = [(float(x), float(y)) for x, y in re.findall(r"[ML]([-\d.]+),([-\d.]+)", path)]
    cx, cy = sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points)
    return tuple(sorted((round(x - cx), round(y - cy)) for x, y in points)), path.count("A")


# --- layout helpers ---------------------------------------------------------------------------

@given(st.lists(st.tuples(st.floats(60, 400), st.text("abc$", min_size=1, max_size=20)), min_size=1,
                max_size=12))
def test_labels_beside_marks_never_overlap_and_never_cross_a_mark(items):
    items = sorted(items)
    placed = place_beside(items, left=60, right=400)
    xs = [x for x, _ in items]
    spans = []
    for (x, text), (line, anchor_x, anchor) in zip(items, placed):
        start = anchor_x - (text_width(text) if anchor == "end" else 0)
        spans.append((line, start, start + text_width(text)))
        if line == 0:   # on the marks' own line: outside their span, and within the plot
            assert start + text_width(text) <= min(xs) - 5 or start >= max(xs) + 5
            assert start >= 60 - 0.1 and start + text_width(text) <= 400 + 0.1
    for i, a in enumerate(spans):
        for b in spans[i + 1:]:
            if a[0] == b[0]:
                assert a[2] <= b[1] or b[2] <= a[1]
    # the highest value's label is beside its mark whenever it fits there
    if xs[-1] + 8 + text_width(items[-1][1]) <= 400:
        assert placed[-1] == (0, pytest.approx(xs[-1] + 8, abs=0.06), "start")


@given(st.lists(st.tuples(st.floats(0, 400), st.text("abc$", min_size=1, max_size=20)), max_size=12))
def test_placed_labels_never_overlap(items):
    items = sorted(items)
    placed = place_labels(items, left=0, right=400)
    spans = []
    for (x, text), (line, anchor_x, anchor) in zip(items, placed):
        start = anchor_x - (text_width(text) if anchor == "end" else 0)
        spans.append((line, start, start + text_width(text)))
    for i, a in enumerate(spans):
        for b in spans[i + 1:]:
            if a[0] == b[0]:
                assert a[2] <= b[1] or b[2] <= a[1]
