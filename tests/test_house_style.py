"""House spellings (engine/house_style.py): site.yaml's `spellings:` checked in the newsroom's own
words, as warnings at the word's file:line:column, never in what others wrote."""
from __future__ import annotations

from pathlib import Path

from conftest import NOW, paths_for, problems_of

from conftest import DevBuild
from engine.problems import Problems
from engine.validate import _Loaded
from engine import house_style, schema

SPELLINGS = "\nspellings:\n  Uighur: Uyghur\n  Big Fund: BigFund\n"
MESSAGE = ('warning: "{word}" is not the house spelling: write "{preferred}" (site.yaml spellings), '
           'or put the words in quotation marks if they are quoted')


def warned(path: str, line: int, column: int, word: str, preferred: str) -> str:
    return f"{path}:{line}:{column}: " + MESSAGE.format(word=word, preferred=preferred)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_avoided_spellings_are_warned_at_their_place_in_the_newsrooms_own_words(content):
    (content / "site.yaml").write_text((content / "site.yaml").read_text("utf-8") + SPELLINGS, "utf-8")
    event = content / "events" / "round-a.yaml"
    edit(event, "title: Acme raises its Series A", "title: Acme raises its Series A from Uighur investors")
    edit(event, "  according to the wire [@wire, para. 3].",
         '  according to the wire [@wire, para. 3], which called them "Uighur funds"; Uighurs\n  said so.')
    edit(event, "says: The round closed a day later.", "says: The Uighur round closed a day later.")
    claim = content / "claims" / "round-size.yaml"
    edit(claim, "quote: raised $10m", "quote: raised $10m from Uighur backers")   # their words
    edit(claim, "statement: Acme raised $10m in April 2018.", "statement: Acme raised $10m from Big Fund in April 2018.")
    source = content / "sources" / "daily-report.yaml"
    edit(source, "title: Acme raises $10m", "title: Acme raises $10m from Uighur fund")   # as published
    page = content / "pages" / "about.md"
    edit(page, "We track Acme [@daily-report].", "> A Uighur saying, quoted.\n\nWe track Acme [@daily-report]; see [Uighur](https://example.org/Uighur).")
    edit(content / "entities" / "big-fund.yaml", "name: Big Fund", "name: Big Fund\naliases: [Big Fund Uighur]")
    warnings = [line for line in problems_of(content) if "house spelling" in line]
    assert warnings == [
        warned("content/claims/round-size.yaml", 1, 34, "Big Fund", "BigFund"),
        warned("content/events/round-a.yaml", 1, 38, "Uighur", "Uyghur"),
        warned("content/events/round-a.yaml", 6, 24, "Big Fund", "BigFund"),
        warned("content/events/round-a.yaml", 7, 77, "Uighur", "Uyghur"),   # "Uighurs", not the quoted one
        warned("content/events/round-a.yaml", 22, 17, "Uighur", "Uyghur"),   # an account's words are ours
        warned("content/entities/big-fund.yaml", 1, 7, "Big Fund", "BigFund"),   # the name, not the alias
        warned("content/pages/about.md", 12, 37, "Uighur", "Uyghur"),   # link text; not its address
    ]


def test_without_spellings_nothing_is_checked(content):
    edit(content / "events" / "round-a.yaml", "title: Acme raises its Series A", "title: Uighur")
    assert not [line for line in problems_of(content) if "house spelling" in line]


def test_strict_fails_on_a_house_spelling_and_the_dev_server_says_the_same(content, tmp_path):
    site = content / "site.yaml"
    site.write_text(site.read_text("utf-8") + "\nspellings:\n  Uighur: Uyghur\n", "utf-8")
    dev = DevBuild(paths_for(content), tmp_path / "dev", NOW, strict=True)
    assert dev.full().ok
    edit(content / "events" / "round-a.yaml", "title: Acme raises its Series A", "title: Uighur rounds")
    failures = [str(p) for p in dev.update().failures]
    assert failures == [warned("content/events/round-a.yaml", 1, 8, "Uighur", "Uyghur")]
    assert failures == [line for line in problems_of(content) if "house spelling" in line]


def test_the_longer_of_two_overlapping_spellings_is_the_one_reported(tmp_path):
    path = tmp_path / "claims" / "x.yaml"
    path.parent.mkdir()
    path.write_text("statement: the Big Fund Group and Big Fund\n", "utf-8")
    item = schema.Claim.model_construct(statement="the Big Fund Group and Big Fund")
    problems = Problems(tmp_path)
    house_style.check("claims", _Loaded(item, path, "claims"), {"Big Fund": "BigFund",
                                                               "Big Fund Group": "BFG"}, problems)
    assert [(p.column, p.message.split('"')[3]) for p in problems.items] == [(16, "BFG"), (35, "BigFund")]


def test_at_most_two_hundred_spellings_so_a_hostile_list_cannot_stall_the_build(content):
    many = "".join(f"  word{n}: w{n}\n" for n in range(201))
    (content / "site.yaml").write_text((content / "site.yaml").read_text("utf-8") + "\nspellings:\n" + many, "utf-8")
    assert [line for line in problems_of(content) if "spellings" in line] == [
        "content/site.yaml:41:3: spellings: has 201 entries; at most 200 are allowed: keep the "
        "ones that matter"]


def test_a_quotation_wrapped_onto_the_next_line_stays_quoted_but_not_past_a_paragraph(tmp_path):
    """A note is a literal block: a quotation broken over two lines is still someone's words. A
    lone quotation mark does not hide the next paragraph."""
    text = ('He said the "Uighur\n  camps were closed" that day.\n\nA stray " mark, then\n\n'
            'Uighur "a quote" Uighur.')
    pattern = house_style._pattern(("Uighur",))
    assert [match.start() for match in house_style.unquoted(text, pattern)] == [
        text.index("Uighur \"a"), text.rindex("Uighur")]
