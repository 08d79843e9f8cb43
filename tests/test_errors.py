"""One broken file per kind of error, each with the exact position and message an editor sees."""
from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from conftest import NOW, ROOT, build, problems_of

CLAIM = "claims/round-size.yaml"
EVENT = "events/founding.yaml"


def at(problem: str) -> str:
    """A problem as printed: paths start at the project root, where content/ is."""
    return "content/" + problem


def edit(content, relative: str, old: str | None, new: str):
    """Replaces `old` (which must be there) in a fixture file, or writes `new` as the whole file."""
    path = content / relative
    if old is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new, encoding="utf-8")
        return
    text = path.read_text("utf-8")
    assert old in text, f"fixture changed: {old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CASES = {
    "malformed YAML": (
        CLAIM, "claimant: Acme", "claimant: Acme: the company",
        'claims/round-size.yaml:4:15: a colon followed by a space (": ") inside a value makes YAML '
        'read a new name: put the whole value in quotes, "Acme: the company"'),
    "front matter missing": (
        "pages/about.md", "---\ntitle: About", "title: About",
        "pages/about.md:1:1: no front matter found: start the file with a line `---`, then title, "
        "slug, summary, added and updated, then another `---` line"),
    "front matter malformed": (
        "pages/about.md", "slug: about", "slug: [about",
        'pages/about.md:3:7: this "[" is never closed: end the list on the same line with "]", '
        "entries separated by commas"),
    "unknown key": (
        CLAIM, "claimant: Acme", "claimant: Acme\nclaimaint: Acme",
        'claims/round-size.yaml:5:1: unknown key "claimaint" (did you mean "claimant"?)'),
    "unknown nested key": (
        CLAIM, "    stance: supports", "    stance: supports\n    stanse: supports",
        'claims/round-size.yaml:9:5: unknown key "stanse" in sources[1] (did you mean "stance"?)'),
    "missing field": (
        CLAIM, "claimant: Acme\n", "",
        'claims/round-size.yaml:1:1: missing required field "claimant" (who asserts it)'),
    "wrong type": (
        CLAIM, "statement: Acme raised $10m in April 2018.", "statement: [Acme]",
        'claims/round-size.yaml:1:12: statement: must be text, not a list: write the text after '
        'the colon, in quotes if it starts with "[", "{" or "-"'),
    "YAML 1.1 yes/no": (
        "site.yaml", "language: en", "language: no",
        'site.yaml:5:11: language: YAML reads no as the yes/no value false, not as text: put it in '
        'quotes, "no"'),
    "YAML 1.1 octal": (
        "sources/wire.yaml", "title: Acme valued", "id: 010\ntitle: Acme valued",
        'sources/wire.yaml:1:5: id: YAML reads 010 as the number 8, not as text: put it in quotes, '
        '"010"'),
    "impossible date": (
        EVENT, "date: around 2014", "date: 2014-02-29",
        'events/founding.yaml:2:7: date: "2014-02-29" is impossible: February 2014 has 28 days'),
    "updated before added": (
        EVENT, "updated: 2026-11-01", "updated: 2026-10-01",
        "events/founding.yaml:1:1: updated (2026-10-01) is before added (2026-11-01)"),
    "unknown status value": (
        CLAIM, "    stance: supports", "    stance: support",
        'claims/round-size.yaml:8:13: sources[1].stance: "support" is not allowed (did you mean '
        '"supports"?); use one of: supports, contradicts, reports, silent'),
    "id differs from file name": (
        "sources/wire.yaml", "title: Acme valued", "id: wires\ntitle: Acme valued",
        'sources/wire.yaml:1:5: id "wires" does not match the file name "wire.yaml": the id is the '
        "file name; rename the file or fix the id"),
    "duplicate old id": (
        "claims/valuation.yaml", "statement:", "old_ids: [round-size-2018]\nstatement:",
        'claims/valuation.yaml:1:11: old id "round-size-2018" is already used by '
        "claims/round-size: an old id can only redirect to one item"),
    "old id equal to a live id": (
        "claims/valuation.yaml", "statement:", "old_ids: [round-size]\nstatement:",
        'claims/valuation.yaml:1:11: old id "round-size" is already used by claims/round-size: an '
        "old id can only redirect to one item"),
    "duplicate page slug": (
        "pages/second.md", None,
        "---\ntitle: Second\nslug: about\nsummary: x\nadded: 2026-11-01\nupdated: 2026-11-01\n---\nx\n",
        'pages/second.md:3:7: slug "about" is already used by content/pages/about.md: two pages cannot '
        "share an address"),
    "dangling source": (
        CLAIM, "  - source: weekly-copy", "  - source: weekly-cpy",
        'claims/round-size.yaml:12:13: unknown source "weekly-cpy" (did you mean "weekly-copy"?): '
        "no file content/sources/weekly-cpy.yaml"),
    "dangling claim": (
        "events/round-a.yaml", "claims: [round-size, valuation]", "claims: [round-size, valuations]",
        'events/round-a.yaml:12:22: unknown claim "valuations" (did you mean "valuation"?): no file '
        "content/claims/valuations.yaml"),
    "dangling entity": (
        "entities/big-fund.yaml", "    to: acme", "    to: acne",
        'entities/big-fund.yaml:5:9: unknown entity "acne" (did you mean "acme"?): no file '
        "content/entities/acne.yaml"),
    "dangling topic": (
        CLAIM, "topic: funding", "topic: fundng",
        'claims/round-size.yaml:2:8: unknown topic "fundng" (did you mean "funding"?); use one of: '
        "funding, surveillance (the topics defined in site.yaml)"),
    "dangling status": (
        CLAIM, "status: confirmed", "status: confirmd",
        'claims/round-size.yaml:3:9: unknown status "confirmd" (did you mean "confirmed"?); use '
        "one of: confirmed, disputed, company-claim (the statuses defined in site.yaml)"),
    "citation in a literal block": (
        CLAIM, "[@daily-report, para. 2]", "[@daily-reprt, para. 2]",
        'claims/round-size.yaml:15:42: unknown source "daily-reprt" (did you mean "daily-report"?): '
        "no file content/sources/daily-reprt.yaml"),
    "citation in a folded block": (
        "events/round-a.yaml", "body: |\n  The round was led by Big Fund [@daily-report]",
        "body: >\n  The round was led by Big Fund [@daily-report]\n  and [@wyre]",
        'events/round-a.yaml:7:7: unknown source "wyre" (did you mean "wire"?): no file '
        "content/sources/wyre.yaml"),
    "citation in a page body": (
        "pages/about.md", "We track Acme [@daily-report].", "We track Acme [@dayly-report].",
        'pages/about.md:10:15: unknown source "dayly-report" (did you mean "daily-report"?): no file '
        "content/sources/dayly-report.yaml"),
    "claim citing no source": (
        "claims/valuation.yaml", "sources:\n", "sources: []\nformer_sources:\n",
        None),  # replaced below: the schema rejects the unknown key first; see the dedicated test
    "event citing no source": (
        EVENT, "sources:\n  - source: wire", "sources: []",
        "events/founding.yaml:6:10: this event cites no source: every fact needs at least one"),
    "unsafe file name": (
        "sources/Bad Name.yaml", None, "title: x\n",
        'sources/Bad Name.yaml:1:1: the file name "Bad Name.yaml" is not a valid id: use lower-case '
        "letters, digits and single hyphens, e.g. series-c-2018.yaml (the file name is the item's id)"),
    "unsafe slug": (
        "pages/about.md", "slug: about", "slug: ../about",
        'pages/about.md:3:7: slug: "../about" is not a valid id: use lower-case letters, digits and '
        "single hyphens, e.g. series-c-2018"),
    "reserved slug": (
        "pages/about.md", "slug: about", "slug: claims",
        "pages/about.md:3:7: slug \"claims\" is taken by the site's own pages and files; choose "
        "another (taken: 404, admin, assets, claims, corrections, data, entities, events, feed, index, "
        "og, pagefind, robots, search, sitemap, sources, static, timeline, timelines)"),
    "reference to a draft": (
        EVENT, "timelines: [money]", "timelines: [money]\nclaims: [draft-claim]",
        'events/founding.yaml:4:10: claim "draft-claim" is a draft or embargoed, so it will not be '
        "published: publish it first or remove the reference"),
    "unknown folder": (
        "claim/x.yaml", None, "title: x\n",
        'claim:1:1: unknown folder "claim" (did you mean "claims"?)'),
    "wrong extension": (
        "sources/extra.yml", None, "title: x\n",
        'sources/extra.yml:1:1: files in content/sources/ end in ".yaml" (rename ".yml" to ".yaml")'),
    "bad time zone": (
        "site.yaml", "time_zone: Europe/London", "time_zone: Europe/Londres",
        'site.yaml:6:12: time_zone: "Europe/Londres" is not a time zone: use an IANA name such as '
        '"Europe/London" or "Asia/Hong_Kong"'),
    "web address": (
        "sources/wire.yaml", "url: https://wire.example.com/acme", "url: wire.example.com/acme",
        'sources/wire.yaml:4:6: url: "wire.example.com/acme" is not a web address: it must start '
        "with http:// or https://"),
}
CASES = {name: case for name, case in CASES.items() if case[3] is not None}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_error_names_file_line_column_and_the_fix(content, name):
    relative, old, new, expected = CASES[name]
    edit(content, relative, old, new)
    found = problems_of(content)
    assert at(expected) in found, "\n".join(found)


def test_claim_citing_no_source(content):
    edit(content, "claims/valuation.yaml", re.search(
        r"sources:\n(?:  .*\n)+", (content / "claims/valuation.yaml").read_text()).group(0),
        "sources: []\n")
    edit(content, "events/round-a.yaml", "claims: [round-size, valuation]", "claims: [round-size]")
    assert (at("claims/valuation.yaml:5:10: this claim cites no source: every fact needs at least one")
            in problems_of(content))


def test_all_errors_are_reported_together_sorted_and_nothing_is_written(content, tmp_path):
    edit(content, CLAIM, "  - source: weekly-copy", "  - source: weekly-cpy")
    edit(content, EVENT, "date: around 2014", "date: 2014-02-30")
    edit(content, "site.yaml", "language: en", "language: no")
    out = tmp_path / "_site"
    result = build(content, out)
    shown = [str(p) for p in result.failures]
    assert len(shown) == 3 and shown == sorted(shown)
    assert [s.split(":")[0] for s in shown] == [at("claims/round-size.yaml"),
                                                 at("events/founding.yaml"), at("site.yaml")]
    assert not out.exists()


def test_an_unused_source_is_a_warning_and_strict_makes_it_fail(content, tmp_path):
    edit(content, "sources/unused.yaml", None,
         "title: Nobody cites this\noutlet: Nowhere\nkind: blog\nadded: 2026-11-01\nupdated: 2026-11-01\n")
    warning = at("sources/unused.yaml:1:1: warning: nothing cites this source: cite it from a claim, "
               "an event or a page, or remove it")
    assert warning in problems_of(content)
    assert build(content, tmp_path / "lenient").ok
    strict = build(content, tmp_path / "strict", strict=True)
    assert not strict.ok and warning in [str(p) for p in strict.failures]
    assert not (tmp_path / "strict").exists()


def test_a_disputed_account_whose_source_the_event_does_not_cite_is_a_warning(content):
    edit(content, "events/round-a.yaml", "  - source: wire\nclaims:", "claims:")
    assert at("events/round-a.yaml:19:15: warning: \"wire\" gives an account but is not among this "
              "event's sources: add `- source: wire` under sources:") in problems_of(content)


def test_a_missing_archived_copy_is_a_notice_never_a_failure(content, tmp_path):
    notice = at("sources/wire.yaml:1:1: notice: no archived copy: `.venv/bin/python build.py archive` lists how to make one")
    assert notice in problems_of(content)
    assert build(content, tmp_path / "out", strict=True).ok


def test_invalid_file_does_not_cascade_into_dangling_reference_errors(content):
    edit(content, "sources/wire.yaml", "kind: wire-copy", "kind: [wire")
    found = problems_of(content)
    assert [p for p in found if not p.startswith(at("sources/wire.yaml")) and "notice" not in p] == []


def test_yaml_tags_that_could_run_code_are_refused(content):
    edit(content, "sources/evil.yaml", None, "title: !!python/object/apply:os.system [echo hi]\n")
    assert at('sources/evil.yaml:1:8: the tag "tag:yaml.org,2002:python/object/apply:os.system" '
              "is not allowed: content files hold plain text, numbers, lists and mappings only; "
              "remove the tag") in problems_of(content)


def test_an_alias_bomb_fails_fast_with_a_clear_error(content):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9))
    assert len(bomb) < 1000          # expands to 9**10 strings if anything follows the aliases
    edit(content, "sources/bomb.yaml", None, bomb)
    # in a separate process, so that a regression fails this test instead of hanging the suite
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--content", str(content),
                             "--now", NOW], capture_output=True, text=True, timeout=20)
    assert time.perf_counter() - started < 10
    assert at('sources/bomb.yaml:1:4: the anchor "&a" is not allowed: YAML anchors and aliases are '
              "switched off for safety; write the value out in full") in result.stderr.splitlines()


def test_files_above_the_size_limit_are_refused(content):
    edit(content, "sources/huge.yaml", None, "title: x\nnotes: |\n" + "  padding\n" * 40_000)
    assert any(p.startswith(at("sources/huge.yaml:1:1: this file is ")) and "above the limit" in p
               for p in problems_of(content))


def test_duplicate_keys_are_refused(content):
    edit(content, CLAIM, "claimant: Acme", "claimant: Acme\nclaimant: Someone")
    assert at('claims/round-size.yaml:5:1: duplicate key "claimant": YAML would silently keep only '
            "the last one; remove or rename one of them") in problems_of(content, NOW)
