"""Drawing a social card: what a card shows (Card), the fonts, the wrapping of a headline, an
indexed-colour canvas and the PNG it becomes. Deterministic: the same card gives the same bytes."""
from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

WIDTH, HEIGHT = 1200, 630
FONT_FOLDER = Path("/usr/share/fonts/truetype/dejavu")   # Debian's fonts-dejavu-core
FONT_FILES = {"sans": "DejaVuSans.ttf", "sans_bold": "DejaVuSans-Bold.ttf",
              "serif_bold": "DejaVuSerif-Bold.ttf"}

# The site's light palette (static/style.css), as RGB.
PAPER, INK, MUTED, RULE, ACCENT = "#fdfcf9", "#1b1b1b", "#555555", "#d9d6cf", "#0b5394"
TONES = {"confirmed": "#1b6b2f", "false": "#a4161a", "disputed": "#8a4b00",
         "unverified": "#5b4a8a", "neutral": "#4a4a4a"}

MARGIN = 80
HEADLINE_SIZES = (64, 56, 48, 42)   # the largest at which the headline fits is used
HEADLINE_BOTTOM = 530              # above the footer rule
MAX_TITLE = 600   # characters of a headline looked at: more than fit at the smallest size


@dataclass(frozen=True)
class Card:
    """What one card shows, and where it is written. Everything but `path` and `alt` is drawn."""

    path: str                    # in the output folder: "og/claims/valuation.png"
    site_title: str
    kicker: str = ""             # the kind of page: "Claim", "Event"; empty on the site card
    headline: str = ""
    deck: str = ""               # a description, under the headline
    status: tuple[str, str, str] | None = None   # (symbol, label, tone) of a claim
    footer: str = ""             # the site's address, without https://
    alt: str = ""

    def drawn(self) -> tuple:
        """Everything that decides the pixels (the site card has its own layout)."""
        return (self.path == SITE_CARD, self.site_title, self.kicker, self.headline, self.deck,
                self.status, self.footer)

    width, height = property(lambda self: WIDTH), property(lambda self: HEIGHT)


SITE_CARD = "og/home.png"


class Fonts:
    """DejaVu at the sizes a card uses, or Pillow's bundled font where DejaVu is not installed.
    The basic layout engine (no raqm, no shaping) keeps the pixels the same on every machine
    with the same Pillow."""

    def __init__(self, folder: Path = FONT_FOLDER):
        self.files = {name: folder / file for name, file in FONT_FILES.items()}
        self.installed = all(path.is_file() for path in self.files.values())
        self._fonts: dict[tuple[str, int], object] = {}
        self._covered: dict[tuple[str, str], bool] = {}
        self._everywhere: set[str] = set()   # characters every font has
        self.frames: dict[tuple, object] = {}   # see frame()

    def get(self, name: str, size: int):
        from PIL import ImageFont
        if (name, size) not in self._fonts:
            if self.installed:
                self._fonts[name, size] = ImageFont.truetype(
                    str(self.files[name]), size, layout_engine=ImageFont.Layout.BASIC)
            else:
                self._fonts[name, size] = ImageFont.load_default(size=size)   # basic layout too
        return self._fonts[name, size]

    def digest(self) -> str:
        """Names what the fonts would draw: their bytes, or Pillow's bundled font."""
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(self.files[name].read_bytes() if self.installed else b"pillow-default")
        return h.hexdigest()

    def covers(self, text: str, font: str | None = None) -> bool:
        """True when the font (by default every font of the card) has a glyph for every
        character. Pillow does not expose the character map, so a character counts as missing
        when it draws exactly like a code point no font maps (U+10FFFD, private use): the
        .notdef box."""
        if font is None and self._everywhere.issuperset(text):
            return True
        names = [font] if font else sorted(self.files)
        missing = [ch for ch in set(text) - self._everywhere if not ch.isspace()
                   and not all(self._has_glyph(name, ch) for name in names)]
        if not missing and font is None:
            self._everywhere.update(text)
        return not missing

    def _has_glyph(self, name: str, ch: str) -> bool:
        if (name, ch) not in self._covered:
            self._covered[name, ch] = self._mask(name, ch) != self._mask(name, "\U0010fffd")
        return self._covered[name, ch]

    def _mask(self, name: str, ch: str) -> bytes:
        mask = self.get(name, 32).getmask(ch)
        return bytes(mask.size[0].to_bytes(2, "big") + mask.size[1].to_bytes(2, "big")) + bytes(mask)


def wrap(text: str, font, width: int, lines_allowed: int) -> tuple[list[str], bool]:
    """Greedy line breaking at spaces (inside a word too long for a line); the lines, and
    whether text was left over."""
    if not text:
        return [], False
    lines: list[str] = []
    words = text.split(" ")
    index = 0
    while index < len(words) and len(lines) < lines_allowed:
        count = _words_fitting(words, index, font, width)
        if count:
            lines.append(" ".join(words[index:index + count]))
            index += count
        else:   # a single word wider than the line: cut it
            cut = max(1, _fitting(words[index], font, width))
            lines.append(words[index][:cut])
            words[index] = words[index][cut:]
    return lines, index < len(words)


def _words_fitting(words: list[str], start: int, font, width: int) -> int:
    """How many words from `start` fit on one line: the most whose line is no wider than
    `width`, as greedy breaking finds it. Guessed from the words' own widths (kept between
    cards), then settled by measuring the whole line, which kerning can make a little narrower
    or wider: two measures a line instead of one a word."""
    space = _width(font, " ")
    total, count = -space, 0
    for word in words[start:]:
        total += space + _width(font, word)
        if total > width:
            break
        count += 1

    def fits(n: int) -> bool:
        return font.getlength(" ".join(words[start:start + n])) <= width

    while count and not fits(count):
        count -= 1
    while start + count < len(words) and fits(count + 1):
        count += 1
    return count


@functools.lru_cache(maxsize=1 << 16)
def _width(font, word: str) -> float:
    return font.getlength(word)


def _fitting(word: str, font, width: int) -> int:
    low, high = 0, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(word[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def ellipsis(line: str, font, width: int) -> str:
    """The last line of a cut title, shortened until "…" fits after it."""
    line = line.rstrip()
    while line and font.getlength(line + "…") > width:
        line = line[:-1].rstrip()
    return line.rstrip(" ,;:.-–—") + "…"


def headline_lines(text: str, fonts: Fonts, width: int, top: int) -> tuple[list[str], int]:
    """The largest size at which the headline fits between `top` and HEADLINE_BOTTOM; at the
    smallest, an ellipsis ends it."""
    text = text[:MAX_TITLE]
    for size in HEADLINE_SIZES:
        font = fonts.get("serif_bold", size)
        ascent, descent = font.getmetrics()
        allowed = max(1, (HEADLINE_BOTTOM - top - ascent - descent) // leading(size) + 1)
        lines, cut = wrap(text, font, width, allowed)
        if not cut:
            return lines, size
    if lines:
        lines[-1] = ellipsis(lines[-1], font, width)
    return lines, size


def leading(size: int) -> int:
    return round(size * 1.2)


FAMILIES = (INK, MUTED, RULE, ACCENT, *TONES.values())   # the palette: 16 steps each


@functools.cache
def palette() -> tuple[int, ...]:
    """16 steps from paper to each colour a card uses (index 0 is paper): anti-aliased text on
    paper needs no other colour."""
    from PIL import ImageColor
    paper = ImageColor.getrgb(PAPER)
    entries: list[int] = []
    for colour in FAMILIES:
        rgb = ImageColor.getrgb(colour)
        for step in range(16):
            entries += [round(p + (c - p) * step / 15) for p, c in zip(paper, rgb)]
    return tuple(entries)


def ink(colour: str) -> int:
    """The palette index of a colour at full strength."""
    return FAMILIES.index(colour) * 16 + 15


# Byte tables for bytes.translate, which maps a text layer's coverage (0-255) in C: to a step
# of a colour family, and to a mask of the pixels the text touches.
COVERED = bytes([0] + [255] * 255)


@functools.cache
def steps_of(colour: str) -> bytes:
    base = FAMILIES.index(colour) * 16
    return bytes(base + (coverage * 15 + 127) // 255 for coverage in range(256))


class Canvas:
    """A card drawn straight in palette indices: each text is drawn anti-aliased on its own
    small layer, whose coverage becomes a step of its colour. No full-size colour image and no
    quantising, which halves the time a card takes."""

    def __init__(self, base=None):
        from PIL import Image, ImageDraw
        self.image = base.copy() if base is not None else Image.new("L", (WIDTH, HEIGHT), 0)
        self.draw = ImageDraw.Draw(self.image)

    def text(self, xy: tuple[int, int], text: str, font, colour: str) -> None:
        from PIL import Image
        # getmask2 is what ImageDraw.text calls: used directly, the text is laid out once
        # (no getbbox first) and drawn without a layer image of its own
        mask, (left, top) = font.getmask2(text, "L")
        size = mask.size
        if not size[0] or not size[1]:
            return
        coverage = Image.Image()._new(mask).tobytes()
        # bytes.translate rather than Image.point, which rounds its 256-entry table in Python
        # on every call (a tenth of a card's time)
        steps = Image.frombytes("L", size, coverage.translate(steps_of(colour)))
        self.image.paste(steps, (xy[0] + left, xy[1] + top),
                         Image.frombytes("L", size, coverage.translate(COVERED)))

    def png(self) -> bytes:
        """The PNG; the canvas is used up (its image becomes the palette image)."""
        self.image.putpalette(palette())   # the indices become a palette image as they are
        out = io.BytesIO()
        # zlib level 3: half the time of the default 6 for about a quarter more bytes
        # (bench/cards.py); most of what is left is zlib's own pass over the 756,000 pixels
        self.image.save(out, "PNG", compress_level=3)
        return out.getvalue()


def frame(card: Card, fonts: Fonts) -> Canvas:
    """What every card of a site shares: the bar, the site's name, the rules and the address."""
    canvas = Canvas()
    canvas.draw.rectangle((0, 0, WIDTH, 11), fill=ink(INK))
    if card.path != SITE_CARD:
        canvas.text((MARGIN, 56), card.site_title, fonts.get("sans_bold", 30), INK)
        canvas.draw.line((MARGIN, 114, WIDTH - MARGIN, 114), fill=ink(RULE), width=2)
    canvas.draw.line((MARGIN, 550, WIDTH - MARGIN, 550), fill=ink(RULE), width=2)
    canvas.text((MARGIN, 568), card.footer, fonts.get("sans", 24), MUTED)
    return canvas


def draw_card(card: Card, fonts: Fonts) -> bytes:
    """The card as a palette PNG. Every position is computed from the text, so two machines
    with the same Pillow and fonts draw the same bytes."""
    key = (card.site_title, card.footer, card.path == SITE_CARD)
    if key not in fonts.frames:
        fonts.frames[key] = frame(card, fonts).image
    canvas = Canvas(fonts.frames[key])
    inner = WIDTH - 2 * MARGIN
    top, x = 150, MARGIN
    if card.kicker:
        kicker_font = fonts.get("sans_bold", 26)
        canvas.text((x, top), card.kicker.upper(), kicker_font, ACCENT)
        x += int(kicker_font.getlength(card.kicker.upper())) + 28
    if card.status:
        symbol, label, tone = card.status
        status_font = fonts.get("sans_bold", 26)
        text = f"{symbol} {label}".strip()
        colour = TONES.get(tone, INK)
        # a heavier border for "false", as the stylesheet's double one: colour is never alone
        canvas.draw.rectangle((x, top - 8, x + int(status_font.getlength(text)) + 28, top + 38),
                              outline=ink(colour), width=5 if tone == "false" else 3)
        canvas.text((x + 14, top), text, status_font, colour)
    if card.kicker or card.status:
        top += 66
    if card.path == SITE_CARD:
        top = 190
    lines, size = headline_lines(card.headline, fonts, inner, top)
    font = fonts.get("serif_bold", size)
    for line in lines:
        canvas.text((MARGIN, top), line, font, INK)
        top += leading(size)
    if card.deck:
        deck_font = fonts.get("sans", 30)
        deck, cut = wrap(card.deck, deck_font, inner, max(0, (540 - top - 30) // 42))
        if cut and deck:
            deck[-1] = ellipsis(deck[-1], deck_font, inner)
        top += 30
        for line in deck:
            canvas.text((MARGIN, top), line, deck_font, MUTED)
            top += 42
    return canvas.png()
