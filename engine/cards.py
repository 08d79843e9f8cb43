"""Social cards: the 1200×630 Open Graph image a link preview shows, drawn at build time.

The home page, every Markdown page, claim and event get a card of their own (title, site name,
kind of page, and a claim's status); every other page shares one card per kind. `card_for`
decides which card a page gets (pure); `card_drawing.draw_card` draws one; `CardCache.pngs` draws
only the cards found neither in memory nor in .cache/cards/, where each is named by a hash of
everything drawn on it and of the code of this module and card_drawing.py, Pillow's version and the font files, and sealed with the
machine's cache key: a card planted or edited there is drawn again (SECURITY.md, "Caches").
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path

from . import ENGINE_VERSION, card_drawing
from .cache import CacheKey, read_regular, write_atomic
from .card_drawing import SITE_CARD, Card, Fonts, draw_card
from .workers import Workers

# Pages of these kinds share one card per kind (the key names the card, the value the label).
SHARED = {"sources": "sources", "source": "sources", "entities": "entities", "entity": "entities",
          "claims": "claims", "timeline": "timeline", "corrections": "corrections"}
OWN_CARD = {"claim": "claims", "event": "events", "page": "pages"}


def clean(text: str) -> str:
    """One line of printable text: whitespace collapsed, control and format characters gone."""
    if text.isprintable() and "  " not in text and text == text.strip():
        return text   # the usual case, checked in C
    kept = "".join(" " if ch.isspace() else ch for ch in text
                   if ch.isspace() or unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())


def site_card(site, drawable) -> Card:
    """The card of the home page, and of any page whose own card could not be drawn."""
    title, deck = clean(site.title), clean(site.description)
    footer = clean(site.base_url.split("://", 1)[-1].rstrip("/"))
    return Card(SITE_CARD, site_title=title if drawable(title) else "",
                headline=title if drawable(title) else "", deck=deck if drawable(deck) else "",
                footer=footer if drawable(footer) else "", alt=title)


def card_for(page, home: Card, strings: dict[str, str], drawable) -> Card | None:
    """Which card a page gets (None: a page with no card, such as a redirect), given the site
    card `home`. `drawable(text, font=None)` says whether the fonts have a glyph for every
    character; when they have not, the page gets the site card rather than boxes."""
    if page.kind == "redirect":
        return None
    if page.kind in OWN_CARD and page.item:
        item_id = page.item.split("/", 1)[1]
        status = page.context.get("status") if page.kind == "claim" else None
        kicker = "" if page.kind == "page" else strings[page.kind]
        card = Card(f"og/{OWN_CARD[page.kind]}/{item_id}.png", site_title=home.site_title,
                    kicker=clean(kicker), headline=clean(page.title), footer=home.footer,
                    deck=clean(page.description) if page.kind == "page" else "",
                    status=(status.symbol, clean(status.label), status.tone) if status else None)
    else:
        shared = SHARED.get(page.kind) or SHARED.get(page.url.split("/", 1)[0])
        if shared is None:
            return home
        card = Card(f"og/kind-{shared}.png", site_title=home.site_title,
                    headline=clean(strings[shared]), deck=home.deck, footer=home.footer)
    texts = [card.site_title, card.kicker, card.headline, card.deck,
             *(card.status[1:2] if card.status else ())]
    if not home.site_title or not all(drawable(text) for text in texts):
        return home
    if card.status and not drawable(card.status[0], "sans_bold"):
        card = Card(**{**card.__dict__, "status": ("", *card.status[1:])})
    described = " · ".join(part for part in (card.kicker, card.status and card.status[1]) if part)
    alt = f"{card.site_title}: {described + ' — ' if described else ''}{card.headline}"
    return Card(**{**card.__dict__, "alt": alt})




# --- cache ----------------------------------------------------------------------------------------

class CardCache:
    """Drawn cards by key, in memory and, when given a folder, on disk between builds."""

    def __init__(self):
        self.memory: dict[str, bytes] = {}
        self.folder: Path | None = None
        self.seals: CacheKey | None = None   # the cache folder's key (engine/cache.py)
        self.used: set[str] = set()
        self._fonts: Fonts | None = None
        self._versions: str | None = None

    @property
    def fonts(self) -> Fonts:
        if self._fonts is None:
            self._fonts = Fonts()
        return self._fonts

    def key(self, card: Card) -> str:
        if self._versions is None:
            import PIL
            # the code that decides and draws the pixels: a change there draws every card again
            code = hashlib.sha256(Path(__file__).read_bytes() + Path(card_drawing.__file__).read_bytes()).hexdigest()
            self._versions = json.dumps([ENGINE_VERSION, code, PIL.__version__, self.fonts.digest()])
        data = json.dumps([self._versions, card.drawn()], ensure_ascii=False)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()

    def _stored(self, key: str) -> bytes | None:
        if key in self.memory:
            return self.memory[key]
        if self.folder is not None and self.seals is not None:
            data = read_regular(self.folder / f"{self.seals.name('card', key)}.png")
            png, seal = (data[:-32], data[-32:]) if data else (b"", b"")
            if png and self.seals.verify(seal, "card", key.encode(), png):
                return png
        return None   # absent, or not sealed by this machine for this card: drawn again

    def _store(self, key: str, data: bytes) -> None:
        """The PNG, then its seal (32 bytes after the PNG's end, which viewers ignore)."""
        if self.folder is not None and self.seals is not None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                write_atomic(self.folder, f"{self.seals.name('card', key)}.png",
                             data + self.seals.seal("card", key.encode(), data))
            except OSError:
                pass   # not kept: drawn again next time

    def use_folder(self, folder: Path, seals: CacheKey) -> None:
        """Keep drawn cards in `folder` (the command line and dev server use .cache/cards), each
        sealed with the cache folder's key and read back only when its seal matches."""
        self.folder, self.seals = folder, seals

    def pngs(self, cards: list[Card], workers: int = 1, keep: bool = True,
             processes: Workers | None = None) -> list[bytes]:
        """Each card's PNG; only the ones neither in memory nor on disk are drawn (in
        `processes`, when given). With keep=False, none is kept in memory (they are in the folder)."""
        keys = [self.key(card) for card in cards]
        self.used.update(keys)
        found: dict[str, bytes] = {}
        missing = {}
        for key, card in zip(keys, cards):
            if key not in found and key not in missing:
                data = self._stored(key)
                if data is None:
                    missing[key] = card
                else:
                    found[key] = data
        for key, data in zip(missing, draw_all(list(missing.values()), self.fonts, workers, processes)):
            self._store(key, data)
            found[key] = data
        if keep:
            self.memory.update(found)
        return [found[key] for key in keys]

    def start_build(self) -> None:
        self.used = set()

    def keep_only_used(self) -> None:
        """After a whole build: forget the cards it did not use (a deleted page's, an old
        title's), so memory holds one site's cards."""
        for key in [key for key in self.memory if key not in self.used]:
            del self.memory[key]

    def prune_folder(self) -> None:
        """After a command-line build: the same on disk."""
        if self.folder is not None and self.seals is not None and self.folder.is_dir():
            names = {self.seals.name("card", key) for key in self.used}
            for path in self.folder.glob("*.png"):
                if path.stem not in names:
                    path.unlink(missing_ok=True)


# Drawing is the costly part of a cold build: spread it over processes, like rendering.
PARALLEL_FROM = 64


def _draw_share(fonts: Fonts, cards: list[Card]) -> list[bytes]:
    """One worker's share (engine/workers.py); the fonts were loaded before the fork."""
    try:
        return [draw_card(card, fonts) for card in cards]
    except Exception as error:  # noqa: BLE001 - raised again in the parent, with what was being done
        raise RuntimeError(f"a social card could not be drawn: {type(error).__name__}: {error}") from None


def drawing_processes(workers: int, fonts: Fonts) -> Workers:
    """Processes for every draw_all given them: a build that draws its cards in many small
    batches (to hold few at a time) forks once, not once a batch, and not at all when every
    card is in the cache (they start with the first cards to draw)."""
    return Workers(_draw_share, fonts, workers, prepare=lambda: fonts.get("sans", 24))


def draw_all(cards: list[Card], fonts: Fonts, workers: int, processes: Workers | None = None) -> list[bytes]:
    """Each card drawn: in `processes` when given, else in processes of their own when there
    are enough cards to share, else here."""
    if processes is None:
        workers = max(1, min(workers, len(cards) // (PARALLEL_FROM // 2) or 1))
        if workers > 1 and len(cards) >= PARALLEL_FROM:
            with drawing_processes(workers, fonts) as processes:
                return draw_all(cards, fonts, workers, processes)
    if processes is None or len(cards) < PARALLEL_FROM:
        return [draw_card(card, fonts) for card in cards]
    shares = processes.count
    drawn: list[bytes] = [b""] * len(cards)
    for index, share in enumerate(processes.map([cards[index::shares] for index in range(shares)])):
        drawn[index::shares] = share
    return drawn
