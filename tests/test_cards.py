"""Social cards (engine/cards.py): which card each page gets, the PNGs themselves, their cache,
and the dev server keeping them in step with a clean build."""
from __future__ import annotations

import io
import types

import pytest
from PIL import Image

from conftest import NOW, ROOT, build, cli_build, copy_fixture, page, paths_for
from engine import card_drawing, cards
from conftest import DevBuild
from conftest import build_site
from test_incremental import replace, tree

BASE = "https://example.org/"   # the fixture's base_url
CHINESE = "商汤科技估值超过四十五亿美元"


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    """What gets drawn in this process (each build starts with an empty card cache of its own,
    unless a dev server keeps one)."""
    drawn: list[cards.Card] = []
    real = cards.draw_card

    def counting(card, fonts):
        drawn.append(card)
        return real(card, fonts)

    monkeypatch.setattr(cards, "draw_card", counting)
    return drawn


def og_image(out, url_path: str) -> str:
    return page(out, url_path).find("meta", property="og:image")["content"]


def card_file(out, url_path: str):
    url = og_image(out, url_path)
    assert url.startswith(BASE), url
    return out / url[len(BASE):]


def decoded(path) -> Image.Image:
    image = Image.open(io.BytesIO(path.read_bytes()))
    image.load()
    return image


# --- which card for which page ---------------------------------------------------------------------

def test_home_pages_claims_and_events_get_their_own_card_and_other_kinds_share_one(content, tmp_path):
    out = tmp_path / "out"
    assert build(content, out).ok
    assert og_image(out, "") == BASE + "og/home.png"
    assert og_image(out, "about/") == BASE + "og/pages/about.png"
    assert og_image(out, "claims/valuation/") == BASE + "og/claims/valuation.png"
    assert og_image(out, "events/round-a/") == BASE + "og/events/round-a.png"
    assert og_image(out, "sources/") == og_image(out, "sources/wire/") == BASE + "og/kind-sources.png"
    assert og_image(out, "entities/") == og_image(out, "entities/acme/") == BASE + "og/kind-entities.png"
    assert og_image(out, "claims/") == BASE + "og/kind-claims.png"
    assert og_image(out, "corrections/") == BASE + "og/kind-corrections.png"
    assert og_image(out, "404.html") == BASE + "og/home.png"
    for html in out.rglob("*.html"):
        soup = page(out, html.relative_to(out).as_posix())
        if soup.find("meta", attrs={"http-equiv": "refresh"}):
            continue   # a redirect page has no card
        path = card_file(out, html.relative_to(out).as_posix())
        assert path.is_file(), (html, path)
        assert soup.find("meta", property="og:image:width")["content"] == "1200"
        assert soup.find("meta", property="og:image:height")["content"] == "630"
        assert soup.find("meta", property="og:image:alt")["content"].startswith("The Acme Files")
        assert soup.find("meta", attrs={"name": "twitter:card"})["content"] == "summary_large_image"
    used = {card_file(out, h.relative_to(out).as_posix()) for h in out.rglob("*.html")
            if not page(out, h.relative_to(out).as_posix()).find("meta", attrs={"http-equiv": "refresh"})}
    assert set((out / "og").rglob("*.png")) == used   # no card that no page uses


def test_a_claim_card_names_the_kind_and_the_status():
    site = types.SimpleNamespace(title="The Acme Files", description="How Acme raised money.",
                                 base_url="https://example.org/acme/")
    status = types.SimpleNamespace(symbol="?", label="Disputed", tone="disputed")
    claim = types.SimpleNamespace(kind="claim", item="claims/valuation", url="claims/valuation/",
                                  title="The round valued Acme at about $50m.", description="",
                                  context={"status": status})
    home = cards.site_card(site, lambda text, font=None: True)
    card = cards.card_for(claim, home, {"claim": "Claim"}, lambda text, font=None: True)
    assert card == cards.Card("og/claims/valuation.png", "The Acme Files", "Claim",
                              "The round valued Acme at about $50m.", status=("?", "Disputed", "disputed"),
                              footer="example.org/acme",
                              alt="The Acme Files: Claim · Disputed — The round valued Acme at about $50m.")
    redirect = types.SimpleNamespace(kind="redirect", item=None, url="claims/old/", title="x")
    assert cards.card_for(redirect, home, {}, lambda text, font=None: True) is None


# --- the PNG ---------------------------------------------------------------------------------------

def test_cards_are_1200_by_630_palette_pngs_that_decode(site):
    found = sorted((site / "og").rglob("*.png"))
    assert len(found) >= 10
    for path in found:
        image = decoded(path)
        assert image.format == "PNG" and image.size == (1200, 630) and image.mode == "P", path
        assert len(path.read_bytes()) < 40_000, path


def test_two_builds_give_identical_bytes(content, tmp_path):
    assert build(content, tmp_path / "one").ok
    assert build(content, tmp_path / "two").ok   # with a memory of its own: everything drawn again
    first, second = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert {p: d for p, d in first.items() if p.startswith("og/")} == \
        {p: d for p, d in second.items() if p.startswith("og/")}


def test_pillows_bundled_font_stands_in_for_a_missing_dejavu_and_draws_the_same_twice(tmp_path):
    fonts = cards.Fonts(folder=tmp_path / "no-fonts")
    assert not fonts.installed
    card = cards.Card("og/claims/x.png", "The Acme Files", "Claim", "Acme raised $10m in April.",
                      status=("✓", "Confirmed", "confirmed"), footer="example.org")
    first = cards.draw_card(card, fonts)
    assert first == cards.draw_card(card, cards.Fonts(folder=tmp_path / "no-fonts"))
    assert decoded_bytes(first).size == (1200, 630)
    assert fonts.digest() != cards.Fonts().digest()   # a cached DejaVu card is not reused
    assert fonts.covers("Acme") and not fonts.covers(CHINESE)


def decoded_bytes(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- titles the card cannot draw as they are -----------------------------------------------------

def test_a_title_in_a_script_the_font_lacks_gives_the_site_card(content, tmp_path):
    fonts = cards.Fonts()
    assert fonts.covers("The round valued Acme at about $50m.") and not fonts.covers(CHINESE)
    replace(content / "claims/valuation.yaml", "statement: The round valued Acme at about $50m.",
            f"statement: {CHINESE}")
    out = tmp_path / "out"
    assert build(content, out).ok
    assert og_image(out, "claims/valuation/") == BASE + "og/home.png"
    assert not (out / "og/claims/valuation.png").exists()
    assert (out / "og/claims/round-size.png").is_file()


def test_a_hostile_title_is_wrapped_cut_and_drawn_as_plain_text(content, tmp_path):
    hostile = '<script>alert(1)</script> & "quoted" ' * 40 + "W" * 400
    replace(content / "claims/valuation.yaml", "statement: The round valued Acme at about $50m.",
            f"statement: '{hostile}'")
    out = tmp_path / "out"
    assert build(content, out).ok
    soup = page(out, "claims/valuation/")
    assert soup.find("meta", property="og:image:alt")["content"].endswith(hostile.strip())
    assert "<script>alert" not in (out / "claims/valuation/index.html").read_text("utf-8").split("<body")[0]
    assert decoded(out / "og/claims/valuation.png").size == (1200, 630)
    fonts = cards.Fonts()
    lines, size = card_drawing.headline_lines(cards.clean(hostile), fonts, 1040, 216)
    assert size == card_drawing.HEADLINE_SIZES[-1] and lines[-1].endswith("…")
    font = fonts.get("serif_bold", size)
    assert all(font.getlength(line) <= 1040 for line in lines)
    one_word, cut = card_drawing.wrap("W" * 400, font, 1040, 3)
    assert len(one_word) == 3 and cut and all(font.getlength(line) <= 1040 for line in one_word)


def greedy_wrap(text, font, width, lines_allowed):
    """The plain greedy line breaking card_drawing.wrap must match: one measure per word."""
    lines, line, words, index = [], "", text.split(" "), 0
    while index < len(words) and len(lines) < lines_allowed:
        candidate = f"{line} {words[index]}" if line else words[index]
        if font.getlength(candidate) <= width:
            line, index = candidate, index + 1
        elif line:
            lines.append(line)
            line = ""
        else:
            cut = max(1, card_drawing._fitting(words[index], font, width))
            lines.append(words[index][:cut])
            words[index] = words[index][cut:]
    if line and len(lines) < lines_allowed:
        lines.append(line)
        line = ""
    return lines, bool(line) or index < len(words)


def test_wrapping_from_word_widths_breaks_lines_where_measuring_every_word_does():
    import random
    rng = random.Random(6)
    # pairs that kern (AV, To, Wa, "L’") at the ends of words, digits, long words, other scripts
    vocabulary = ["AV", "To", "Wa", "L’", "valuation", "$4.5bn", "SenseTime", "W" * 30, "—",
                  "surveillance", "i", "Ж", "مرحبا", "(2018)", "«quoted»", "ffi", "Tỷ"]
    fonts = cards.Fonts()
    for trial in range(120):
        font = fonts.get(rng.choice(["serif_bold", "sans"]), rng.choice([30, 42, 64]))
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 60)))
        width, allowed = rng.choice([200, 600, 1040]), rng.randint(1, 6)
        assert card_drawing.wrap(text, font, width, allowed) == greedy_wrap(text, font, width, allowed), text
    assert card_drawing.wrap("", font, 1040, 3) == ([], False)
    # DejaVu's widths add up across spaces (Pillow's basic layout reads no GPOS kerning), so a
    # font whose pairs across a space kern both ways checks that the guess is settled by measuring
    for trial in range(200):
        font = KerningFont()
        text = " ".join(rng.choice(["AV", "Wa", "To", "x", "W" * 9, "V", "A"]) for _ in range(rng.randint(1, 40)))
        width, allowed = rng.randint(30, 400), rng.randint(1, 6)
        assert card_drawing.wrap(text, font, width, allowed) == greedy_wrap(text, font, width, allowed), text


class KerningFont:
    """Ten units a character, but "A V" and "o W" pull together and "a T" pushes apart."""

    def getlength(self, text):
        return 10 * len(text) - 7 * text.count("A V") - 5 * text.count("o W") + 6 * text.count("a T")


def test_right_to_left_and_control_characters_do_not_break_a_card():
    fonts = cards.Fonts()
    for title in ("שלום עולם", "مرحبا بالعالم", "a\u202ereversed\u0000\x1b[31m", "\u200b", ""):
        card = cards.Card("og/claims/x.png", "Site", "Claim", cards.clean(title), footer="example.org")
        assert decoded_bytes(cards.draw_card(card, fonts)).size == (1200, 630)
    assert cards.clean("a\u202eb\x00c\n\t d") == "abc d"


# --- the cache --------------------------------------------------------------------------------------

def test_the_command_line_build_reuses_cached_cards_and_forgets_unused_ones(content, tmp_path, fresh_cache,
                                                                           capsys):
    paths, out, cache = paths_for(content), tmp_path / "out", tmp_path / "cache"
    assert cli_build(paths, out, NOW, strict=False, cache=cache) == 0
    first = tree(out)
    drawn = len(fresh_cache)
    assert drawn == len(list((cache / "cards").glob("*.png"))) > 5
    # the next build is a new memory, as a new process is: only the folder remembers
    (out / "index.html").unlink()   # so the build is not skipped as a no-op
    assert cli_build(paths, out, NOW, strict=False, cache=cache) == 0
    assert len(fresh_cache) == drawn and tree(out) == first
    (content / "events/cameras.yaml").unlink()   # nothing refers to it
    assert cli_build(paths, out, NOW, strict=False, cache=cache) == 0
    assert not (out / "og/events/cameras.png").exists()
    assert len(list((cache / "cards").glob("*.png"))) == drawn - 1


def test_a_changed_title_is_redrawn_and_nothing_else_is(tmp_path, fresh_cache):
    copy_fixture(tmp_path)
    dev = DevBuild(paths_for(tmp_path / "content"), tmp_path / "dev", NOW)
    assert dev.update().ok
    before = (tmp_path / "dev/og/events/round-a.png").read_bytes()
    fresh_cache.clear()
    replace(tmp_path / "content/events/round-a.yaml", "title: Acme raises its Series A",
            "title: Acme raises its first round")
    assert dev.update().ok
    assert [card.headline for card in fresh_cache] == ["Acme raises its first round"]
    assert (tmp_path / "dev/og/events/round-a.png").read_bytes() != before
    fresh_cache.clear()
    dev.full()   # a full rebuild in the same server draws nothing it has drawn
    assert fresh_cache == []


def test_a_streaming_build_draws_its_card_batches_in_one_kept_pool(content, tmp_path, monkeypatch):
    import multiprocessing
    from engine import render, workers
    monkeypatch.setattr(render.Renderer, "CARD_BATCH", 4)
    monkeypatch.setattr(cards, "PARALLEL_FROM", 2)
    forks, batches = [], []   # the processes started, and the pool each batch was drawn in
    real_start, real_results = workers.Workers._start, workers.Workers.results
    monkeypatch.setattr(workers.Workers, "_start", lambda self: forks.append(self) or real_start(self))
    monkeypatch.setattr(workers.Workers, "results",
                        lambda self, tasks: batches.append(self) or real_results(self, tasks))
    streamed = build_site(paths_for(content), tmp_path / "streamed", NOW, workers=2, in_memory=False)
    assert streamed.ok
    assert len(forks) == 1 and len(batches) >= 3 and all(pool is forks[0] for pool in batches)
    assert multiprocessing.active_children() == []
    kept = build_site(paths_for(content), tmp_path / "kept", NOW, workers=1)   # drawn again, in this process
    assert kept.ok and tree(tmp_path / "streamed") == tree(tmp_path / "kept")


def test_the_dev_server_keeps_cards_as_a_clean_build_makes_them(tmp_path):
    copy_fixture(tmp_path)
    paths = paths_for(tmp_path / "content")
    dev = DevBuild(paths, tmp_path / "dev", NOW)
    assert dev.update().ok
    statement = "statement: The round valued Acme at about $50m."
    for step, (old, new) in enumerate([(statement, f"statement: {CHINESE}"),
                                       (f"statement: {CHINESE}", statement)]):
        replace(tmp_path / "content/claims/valuation.yaml", old, new)
        assert dev.update().ok
        clean = tmp_path / f"clean-{step}"
        assert build_site(paths, clean, NOW, dev=True, workers=1).ok
        assert tree(tmp_path / "dev") == tree(clean), step
    assert (tmp_path / "dev/og/claims/valuation.png").is_file()


def test_the_real_site_has_a_card_for_every_claim_event_and_page(real_site):
    content = ROOT / "content"
    for kind in ("claims", "events"):
        for item in (content / kind).glob("*.yaml"):
            if (real_site / kind / item.stem / "index.html").is_file():
                assert og_image(real_site, f"{kind}/{item.stem}/") == \
                    f"https://sensetime-files.netlify.app/og/{kind}/{item.stem}.png"
                assert (real_site / f"og/{kind}/{item.stem}.png").is_file()
    assert (real_site / "og/home.png").is_file()


def test_a_card_that_cannot_be_drawn_in_a_worker_stops_the_drawing_with_its_reason(monkeypatch):
    """The failure comes back from the worker as a value and is raised once every share is
    back (engine/workers.py), with what was being done."""
    def failing(card, fonts):
        raise ValueError("no glyph")
    monkeypatch.setattr(cards, "draw_card", failing)
    monkeypatch.setattr(cards, "PARALLEL_FROM", 4)
    many = [card_drawing.Card(path=f"og/{index}.png", site_title="S") for index in range(8)]
    with pytest.raises(RuntimeError, match="a social card could not be drawn: ValueError: no glyph"):
        cards.draw_all(many, card_drawing.Fonts(), 2)
