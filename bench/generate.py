"""Synthetic content for the benchmark: a complete, valid content/ folder of any size.

    python bench/generate.py /tmp/bench-1000 --claims 1000

writes /tmp/bench-1000/content/ with, for N claims:

- site.yaml with 3 topics and 5 statuses, and 3 timelines (one per topic);
- N/2 sources (most with an archived copy, a few reposts of another source); every source is
  cited, and citations follow a Zipf law, so a few sources are cited by hundreds of claims
  (`HUB_SOURCE` is the most cited one);
- N claims, each with 2-4 `sources` entries (some with figures), a ~150-word Markdown `note` with
  2 `[@source-id]` citations (one with a locator), emphasis and a link to another claim, a
  status history, and links to events and entities; 1 % have an old id (a redirect page);
- N/2 events on the 3 timelines, with fuzzy dates, a body citing sources and linking a claim,
  related claims and entities; 5 % disputed;
- N/20 entities with 1-3 relations to other entities, each relation sourced;
- N/500 corrections (at least 1) and 3 Markdown pages (story, methodology, about) with citations,
  footnotes and a table.

Everything comes from one seeded random.Random, so the same (claims, seed) always gives the same
bytes. Ids are zero-padded (claim-00042), so sorted order is numeric order.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
from itertools import accumulate
from pathlib import Path

import yaml

HUB_SOURCE = "source-00001"   # the most cited source (rank 1 of the Zipf law)

TOPICS = [("funding", "Funding", "Funding rounds, valuations and investors."),
          ("surveillance", "Surveillance", "Where the technology is deployed and by whom."),
          ("privacy", "Privacy", "The debate over facial recognition and personal data.")]
STATUSES = [("confirmed", "Confirmed", "Established on the record.", "✓", "confirmed"),
            ("company-claim", "Company claim", "Only the company says so.", "◇", "unverified"),
            ("reported", "Reported", "Reported on anonymous sources.", "~", "unverified"),
            ("disputed", "Disputed", "Credible sources disagree.", "≠", "disputed"),
            ("incorrect", "Incorrect", "Contradicted by the record.", "✗", "false")]
OUTLETS = ["Reuters", "Bloomberg", "Financial Times", "The Wall Street Journal", "CNBC", "Nikkei Asia",
           "South China Morning Post", "Caixin", "The Information", "TechCrunch", "Wired",
           "The New York Times", "The Guardian", "BBC News", "Associated Press", "Agence France-Presse",
           "Xinhua", "China Daily", "The Straits Times", "Forbes", "Fortune", "The Economist",
           "Axios", "Quartz", "Rest of World", "MIT Technology Review", "Sixth Tone", "Yicai",
           "Hong Kong Stock Exchange", "US Department of Commerce", "Company press office"]
SOURCE_KINDS = ["news-report"] * 8 + ["wire-copy", "company-statement", "government-record",
                                      "court-filing", "academic-paper", "newsletter", "blog", "video"]
FIRST = ["Wei", "Li", "Anna", "James", "Mei", "Chen", "Sarah", "David", "Yuki", "Omar", "Elena",
         "Tom", "Grace", "Ravi", "Lena", "Hao", "Maria", "Paul", "Ines", "Kenji"]
LAST = ["Zhang", "Wang", "Smith", "Liu", "Nguyen", "Brown", "Tanaka", "Garcia", "Okafor", "Müller",
        "Rossi", "Kim", "Chan", "Dubois", "Novak", "Silva", "Haddad", "Ivanova", "Patel", "Cohen"]
ORG_A = ["Vision", "Deep", "Sense", "Cloud", "Bright", "Harbour", "Summit", "Jade", "Pearl", "River",
         "Lotus", "North", "Silver", "Red", "Golden", "Blue", "Crystal", "Iron", "Eastern", "Open"]
ORG_B = ["Capital", "Technologies", "Ventures", "Partners", "Labs", "Holdings", "Systems", "Group",
         "Fund", "Networks", "Analytics", "Robotics", "Institute", "Bureau", "Securities"]
ENTITY_KINDS = ["company"] * 4 + ["investor"] * 3 + ["person"] * 2 + [
    "government-body", "police", "university", "outlet", "organisation"]
RELATIONS = ["investor-in", "customer-of", "partner-of", "subsidiary-of", "founder-of",
             "executive-of", "competitor-of", "supplier-to", "part-of"]
MEASURES = ["amount-raised", "valuation", "valuation-post-money", "revenue", "loss"]
COMPARATORS = ["exactly", "about", "more-than", "at-least", "up-to"]
WORDS = """the company said its funding round was led by investors from several countries while
reports put the valuation higher than any figure disclosed before a filing showed revenue grew
after contracts with city police bureaus and universities but critics questioned whether cameras
installed across districts were used to track residents without consent documents reviewed by
reporters describe a system that matched faces against watch lists an executive told analysts
the deal closed in April although a spokesperson declined to comment on the size of the stake
regulators later added the firm to a trade list citing human rights concerns and the company
denied wrongdoing saying the technology served public safety and retail customers data published
by the exchange confirmed the offering raised less than planned after the listing was postponed
several outlets repeated the figure without attribution and later corrected their articles when
the original source could not be found an archived copy of the page survives though the original
address now returns an error message researchers at a university lab published a paper on
recognition accuracy under poor lighting which the firm cited in marketing material""".split()
LINK_WORDS = ["the related claim", "an earlier report", "a similar figure", "the follow-up"]


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """YAML as an editor writes it: block scalars for multi-line text, days unquoted, keys in
    our order."""


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _str(dumper, value: str):
    if _DAY.fullmatch(value):  # 2026-11-23, not '2026-11-23': the loader keeps it as text
        return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value)
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)


class Generator:
    def __init__(self, claims: int, seed: int):
        if claims < 20:
            raise ValueError("at least 20 claims (there must be one entity per 20 claims)")
        self.random = random.Random(seed)
        self.n_claims = claims
        self.n_sources = claims // 2
        self.n_events = claims // 2
        self.n_entities = claims // 20
        self.n_corrections = max(1, claims // 500)
        self.claims = [f"claim-{i:05d}" for i in range(1, self.n_claims + 1)]
        self.sources = [f"source-{i:05d}" for i in range(1, self.n_sources + 1)]
        self.events = [f"event-{i:05d}" for i in range(1, self.n_events + 1)]
        self.entities = [f"entity-{i:04d}" for i in range(1, self.n_entities + 1)]
        # Zipf law over sources: source-00001 is cited most, then source-00002, …
        self._source_weights = list(accumulate(1 / rank for rank in range(1, self.n_sources + 1)))
        self.cited: set[str] = set()

    # --- small pieces -------------------------------------------------------------------------

    def words(self, count: int) -> str:
        r = self.random
        out, sentence = [], []
        for _ in range(count):
            sentence.append(r.choice(WORDS))
            if len(sentence) >= r.randint(9, 18):
                out.append(" ".join(sentence).capitalize() + ".")
                sentence = []
        if sentence and len(sentence) < 4 and out:
            out[-1] = out[-1][:-1] + " " + " ".join(sentence) + "."
        elif sentence:
            out.append(" ".join(sentence).capitalize() + ".")
        return " ".join(out)

    def title(self) -> str:
        return " ".join(self.random.choice(WORDS) for _ in range(self.random.randint(5, 10))).capitalize()

    def day(self, start: int = 2014, end: int = 2023) -> str:
        r = self.random
        return dt.date(r.randint(start, end), r.randint(1, 12), r.randint(1, 28)).isoformat()

    def fuzzy(self) -> str:
        r = self.random
        year, month, day = r.randint(2014, 2023), r.randint(1, 12), r.randint(1, 25)
        choice = r.random()
        if choice < 0.55:
            return f"{year}-{month:02d}-{day:02d}"
        if choice < 0.75:
            return f"{year}-{month:02d}"
        if choice < 0.85:
            return f"{r.choice(['around', 'early', 'mid', 'late'])} {year}"
        if choice < 0.92:
            return f"late {year}-{month:02d}"
        return f"{year}-{month:02d}-{day:02d}/{year}-{month:02d}-{day + r.randint(1, 3):02d}"

    def edit_dates(self) -> tuple[str, str]:
        r = self.random
        added = dt.date(2026, 1, 1) + dt.timedelta(days=r.randint(0, 300))
        updated = added + dt.timedelta(days=r.randint(0, 20))
        return added.isoformat(), updated.isoformat()

    def person(self) -> str:
        return f"{self.random.choice(FIRST)} {self.random.choice(LAST)}"

    def org(self) -> str:
        return f"{self.random.choice(ORG_A)} {self.random.choice(ORG_B)}"

    def popular_sources(self, count: int) -> list[str]:
        return self.random.choices(self.sources, cum_weights=self._source_weights, k=count)

    def cite(self, source: str, locator: str | None = None) -> str:
        self.cited.add(source)
        return f"[@{source}, {locator}]" if locator else f"[@{source}]"

    # --- items ----------------------------------------------------------------------------------

    def site(self) -> dict:
        return {
            "title": "The Benchmark Files",
            "description": "Synthetic content for measuring the build: claims, sources, events "
                           "and entities at scale.",
            "intro": f"A synthetic investigation {self.cite(HUB_SOURCE)} used to measure the build.\n",
            "base_url": "https://bench.example.org/",
            "language": "en-GB",
            "time_zone": "Asia/Hong_Kong",
            "publisher": {"name": "Benchmark Newsroom", "url": "https://bench.example.org/about/"},
            "authors": [{"name": "Benchmark newsroom"}],
            "licence": {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "corrections_contact": "corrections@bench.example.org",
            "topics": [{"id": i, "label": label, "description": d} for i, label, d in TOPICS],
            "statuses": [{"id": i, "label": label, "description": d, "symbol": s, "tone": t}
                         for i, label, d, s, t in STATUSES],
        }

    def timeline(self, index: int) -> dict:
        topic, label, description = TOPICS[index]
        added, updated = self.edit_dates()
        return {"title": label, "description": description, "topic": topic, "order": index,
                "added": added, "updated": updated}

    def source(self, index: int) -> dict:
        r = self.random
        added, updated = self.edit_dates()
        data: dict = {"title": self.title(), "outlet": r.choice(OUTLETS),
                      "authors": [self.person() for _ in range(r.randint(0, 2))],
                      "published": self.fuzzy()}
        if r.random() < 0.9:
            data["url"] = f"https://news{index % 37}.example.com/{index}/{r.randint(1000, 9999)}"
        data["kind"] = r.choice(SOURCE_KINDS)
        if index > 10 and r.random() < 0.03:
            data["kind"] = "repost"
            data["repost_of"] = self.sources[r.randrange(0, index - 1)]
            data["unverified"] = ["authors", "published"]
        if r.random() < 0.85:
            data["archived"] = {"url": f"https://web.archive.org/web/2024/https://news.example.com/{index}",
                                "captured": self.day(2019, 2025)}
        elif r.random() < 0.5:
            data["archived"] = {"unavailable": "The site blocks archiving."}
        if r.random() < 0.2:
            data["notes"] = self.words(r.randint(10, 30))
        data.update(added=added, updated=updated)
        return data

    def claim(self, index: int) -> dict:
        r = self.random
        added, updated = self.edit_dates()
        # The first entry covers every source once (claim i and claim i + N/2 share it); the
        # others follow the Zipf law, so a few sources are cited very often.
        own = [self.sources[index % self.n_sources]]
        for source in self.popular_sources(r.randint(1, 3)):
            if source not in own:
                own.append(source)
        if len(own) < 2:
            own.append(self.sources[(index + 1) % self.n_sources])
        entries = []
        for position, source in enumerate(own):
            entry: dict = {"source": source, "stance": r.choice(["supports", "supports", "reports",
                                                                 "contradicts"])}
            if r.random() < 0.3:
                entry["locator"] = f"paragraph {r.randint(1, 12)}"
            if r.random() < 0.2:
                entry["quote"] = self.words(r.randint(4, 9)).rstrip(".")
            if r.random() < 0.25:
                figure = {"value": r.choice([5, 10, 30, 50, 60, 120, 410, 600, 1200]) * 1_000_000,
                          "comparator": r.choice(COMPARATORS), "currency": "USD",
                          "measures": r.choice(MEASURES), "as_of": f"{r.randint(2014, 2023)}-0{r.randint(1, 9)}"}
                if r.random() < 0.3 and figure["measures"] in ("amount-raised", "valuation", "valuation-post-money"):
                    figure["funding_event"] = r.choice(self.events)
                entry["figure"] = figure
            entries.append(entry)
            self.cited.add(source)
        other = self.claims[(index + r.randint(1, self.n_claims - 1)) % self.n_claims]
        first, second = self.words(r.randint(70, 80)), self.words(r.randint(60, 70))
        note = (f"{first} {self.cite(own[0])} It was *widely repeated* after that, see "
                f"[{r.choice(LINK_WORDS)}](/claims/{other}/).\n\n"
                f"{second} {self.cite(own[1], f'p. {r.randint(1, 40)}')}\n")
        statuses = [s[0] for s in STATUSES]
        status = r.choice(statuses)
        history = [{"date": added, "status": r.choice(statuses), "reason": "First published."}]
        if r.random() < 0.3 or history[0]["status"] != status:
            history.append({"date": updated, "status": status, "reason": self.words(8)})
        data: dict = {"statement": self.title() + ".", "topic": r.choice(TOPICS)[0],
                      "status": status, "claimant": r.choice([self.person(), self.org()])}
        if r.random() < 0.6:
            data["date"] = self.fuzzy()
        data["sources"] = entries
        if sum(1 for e in entries if "figure" in e) > 1:
            data["figures_differ_because"] = "Each outlet relied on its own sources."
        data.update(note=note, history=history,
                    events=sorted(set(r.sample(self.events, r.randint(0, 2)))),
                    entities=sorted(set(r.sample(self.entities, r.randint(0, 2)))))
        if r.random() < 0.01:
            data["old_ids"] = [f"old-{self.claims[index]}"]
        data.update(added=added, updated=updated)
        return data

    def event(self, index: int) -> dict:
        r = self.random
        added, updated = self.edit_dates()
        timeline = index % 3
        timelines = [TOPICS[timeline][0]]
        if r.random() < 0.1:
            timelines.append(TOPICS[(timeline + 1) % 3][0])
        sources = [self.sources[(index * 7) % self.n_sources]] + self.popular_sources(1)
        sources = list(dict.fromkeys(sources))
        claims = sorted(set(r.sample(self.claims, r.randint(1, 3))))
        body = (f"{self.words(r.randint(35, 50))} {self.cite(sources[0])} "
                f"See [the claim](/claims/{claims[0]}/). {self.words(r.randint(10, 20))} "
                f"{self.cite(sources[-1], f'para. {r.randint(1, 9)}')}\n")
        data: dict = {"title": self.title(), "date": self.fuzzy(), "timelines": timelines,
                      "topic": TOPICS[timeline][0]}
        if r.random() < 0.1:
            data["status"] = "reported"
        data["body"] = body
        data["sources"] = [{"source": s} for s in sources]
        self.cited.update(sources)
        if r.random() < 0.05:
            accounts = self.popular_sources(2)
            if accounts[0] == accounts[1]:
                accounts[1] = self.sources[(index + 3) % self.n_sources]
            data["disputed"] = {"note": "The sources differ on the day.",
                                "accounts": [{"source": s, "says": self.words(8), "date": self.day()}
                                             for s in accounts]}
            # every account's source is among the event's sources, as validation requires
            data["sources"] += [{"source": s} for s in accounts if s not in sources]
            self.cited.update(accounts)
        data["claims"] = claims
        data["entities"] = sorted(set(r.sample(self.entities, r.randint(0, 2))))
        data.update(added=added, updated=updated)
        return data

    def entity(self, index: int) -> dict:
        r = self.random
        added, updated = self.edit_dates()
        kind = r.choice(ENTITY_KINDS)
        name = self.person() if kind == "person" else self.org()
        data: dict = {"name": f"{name} {index}", "kind": kind}
        if r.random() < 0.3:
            data["aliases"] = [f"{name.split()[0]} {index}"]
        data["description"] = f"{self.words(r.randint(20, 40))} {self.cite(self.popular_sources(1)[0])}\n"
        relations = []
        for target in sorted(set(r.sample(self.entities, r.randint(1, 3))) - {self.entities[index]}):
            relation: dict = {"kind": r.choice(RELATIONS), "to": target}
            if r.random() < 0.5:
                relation["since"] = self.fuzzy().split("/")[0]
            if r.random() < 0.2:
                relation["event"] = r.choice(self.events)
            source = self.popular_sources(1)[0]
            relation["sources"] = [{"source": source}]
            self.cited.add(source)
            relations.append(relation)
        data["relations"] = relations
        data.update(added=added, updated=updated)
        return data

    def correction(self, index: int) -> dict:
        added, updated = self.edit_dates()
        return {"date": updated, "item": f"claims/{self.claims[(index * 97) % self.n_claims]}",
                "wrong": self.words(10), "right": f"{self.words(12)} {self.cite(self.popular_sources(1)[0])}\n",
                "added": added, "updated": updated}

    def page(self, slug: str, title: str, order: int) -> str:
        r = self.random
        added, updated = self.edit_dates()
        front = dump({"title": title, "slug": slug, "summary": self.words(12), "order": order,
                      "added": added, "updated": updated})
        paragraphs = []
        for _ in range(6):
            paragraphs.append(f"{self.words(r.randint(60, 90))} {self.cite(self.popular_sources(1)[0])} "
                              f"See [a claim](/claims/{r.choice(self.claims)}/).")
        table = "| Year | Amount |\n|:-----|-------:|\n" + "".join(
            f"| {2014 + i} | ${r.randint(1, 900)}m |\n" for i in range(5))
        body = "\n\n".join(paragraphs[:3]) + f"\n\n{table}\nA footnote[^1].\n\n" + "\n\n".join(
            paragraphs[3:]) + f"\n\n[^1]: {self.words(15)}\n"
        return f"---\n{front}---\n# {title}\n\n{body}"


def generate(folder: Path, claims: int, seed: int = 1) -> Path:
    """Writes folder/content/ (which must not exist yet) and returns its path."""
    content = Path(folder) / "content"
    content.mkdir(parents=True, exist_ok=False)
    g = Generator(claims, seed)
    files: dict[str, str] = {}
    for index, timeline in enumerate(TOPICS):
        files[f"timelines/{timeline[0]}.yaml"] = dump(g.timeline(index))
    for index, key in enumerate(g.claims):
        files[f"claims/{key}.yaml"] = dump(g.claim(index))
    for index, key in enumerate(g.events):
        files[f"events/{key}.yaml"] = dump(g.event(index))
    for index, key in enumerate(g.entities):
        files[f"entities/{key}.yaml"] = dump(g.entity(index))
    for index in range(g.n_corrections):
        files[f"corrections/correction-{index + 1:04d}.yaml"] = dump(g.correction(index))
    for order, (slug, title) in enumerate((("story", "The story so far"),
                                           ("methodology", "How we work"),
                                           ("about", "About this site"))):
        files[f"pages/{slug}.md"] = g.page(slug, title, order)
    site = g.site()
    # Sources last: a source nothing else cited is cited from the about page's notes instead
    # (never happens with the coverage rule above, but the build must never warn).
    for index, key in enumerate(g.sources):
        files[f"sources/{key}.yaml"] = dump(g.source(index))
    uncited = [s for s in g.sources if s not in g.cited]
    if uncited:
        files["pages/about.md"] += "\n" + " ".join(f"[@{s}]" for s in uncited) + "\n"
    files["site.yaml"] = dump(site)
    for relative, text in files.items():
        path = content / relative
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content


ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-23"


def check_strict(content: Path, python: str = sys.executable, root: Path = ROOT) -> tuple[bool, str]:
    """`build.py check --strict` on the content: (passed, its output)."""
    import subprocess
    done = subprocess.run([python, str(root / "build.py"), "check", "--strict", "--content",
                           str(content), "--now", NOW], capture_output=True, text=True, cwd=root)
    return done.returncode == 0, (done.stdout + done.stderr).strip()


def broken_links(out: Path) -> tuple[int, list[str]]:
    """Every internal href in the built HTML that names no built file: (links seen, broken)."""
    import posixpath
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    seen, broken = 0, []
    for page in sorted(out.rglob("*.html")):
        here = page.relative_to(out).as_posix()
        for href in re.findall(r'href="([^"#?]*)', page.read_text("utf-8")):
            if not href or re.match(r"^[a-z]+:", href):
                continue
            seen += 1
            target = href.lstrip("/") if href.startswith("/") else posixpath.normpath(
                posixpath.join(posixpath.dirname(here), href))
            target = "" if target == "." else target
            if target == "" or href.endswith("/"):
                target = (target.rstrip("/") + "/index.html").lstrip("/")
            if target not in files and f"{target}/index.html" not in files:
                broken.append(f"{here}: {href}")
    return seen, broken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where to write content/ (must not hold one yet)")
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verify", action="store_true",
                        help="then run `build.py check --strict`, build into folder/out and "
                             "check that every internal link resolves")
    args = parser.parse_args(argv)
    content = generate(args.folder, args.claims, args.seed)
    print(content)
    if not args.verify:
        return 0
    passed, output = check_strict(content)
    print(next((line for line in output.splitlines() if line.startswith("OK")), output))
    if not passed:
        print(output, file=sys.stderr)
        return 1
    import subprocess
    out = args.folder / "out"
    subprocess.run([sys.executable, str(ROOT / "build.py"), "--strict", "--content", str(content),
                    "--out", str(out), "--now", NOW], check=True, capture_output=True)
    seen, broken = broken_links(out)
    print(f"{seen} internal links, {len(broken)} broken")
    for line in broken[:20]:
        print(f"  {line}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
