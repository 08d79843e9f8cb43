"""A site's theme variables (site.yaml `theme:`): link colours for the light and dark themes and
an optional logo. The colours are checked for WCAG AA contrast against the backgrounds links sit on,
and reach the pages as a small generated stylesheet (theme.css, fingerprinted like style.css) that
sets the custom properties static/style.css uses: no inline style, nothing the CSP would block."""
from __future__ import annotations

import re

HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
MINIMUM_CONTRAST = 4.5   # WCAG 2.2 AA for body text (1.4.3)
# The backgrounds links are shown on (--paper and --tint in static/style.css, which a test
# compares with these): a link colour must read on each.
BACKGROUNDS = {
    "light": {"paper": "#fdfcf9", "tint": "#f2efe8"},
    "dark": {"paper": "#151515", "tint": "#222120"},
}
STYLESHEET = "theme.css"


def _channels(colour: str) -> tuple[float, float, float]:
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return tuple(int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4))


def relative_luminance(colour: str) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _channels(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def checked_colour(value, mode: str) -> str:
    """The colour, lower-cased, if it is hex and readable on every background of `mode`;
    else a ValueError saying what to change (shown as file:line:column by validation)."""
    if not isinstance(value, str) or not HEX_COLOUR.match(value):
        raise ValueError(f'"{value}" is not a colour: write it as hex in quotes, e.g. "#0b5394"')
    for name, background in BACKGROUNDS[mode].items():
        ratio = contrast(value, background)
        if ratio < MINIMUM_CONTRAST:
            lighter_or_darker = "darker" if mode == "light" else "lighter"
            raise ValueError(
                f"{value} on the {mode} theme's {name} colour {background} has a contrast of "
                f"{ratio:.2f}:1, below the {MINIMUM_CONTRAST}:1 WCAG AA needs for text: "
                f"choose a {lighter_or_darker} colour")
    return value.lower()


def stylesheet(theme) -> bytes | None:
    """theme.css for a site's theme, or None when it sets nothing (style.css's own apply)."""
    if theme is None or not (theme.accent or theme.accent_dark or theme.logo):
        return None
    rules = []
    if theme.logo:   # the title's text stays beside the logo, for sighted readers too
        rules.append(".site-logo { height: 2rem; width: auto; vertical-align: middle; "
                     "margin-inline-end: 0.5rem; }")
    if theme.accent:
        rules.append(f":root {{ --accent: {theme.accent}; }}")
    if theme.accent_dark:
        rules.append(f"@media (prefers-color-scheme: dark) {{ :root {{ --accent: {theme.accent_dark}; }} }}")
    if theme.accent or theme.accent_dark:   # print stays black on white (as in style.css)
        rules.append("@media print { :root { --accent: #000; } }")
    return ("/* Generated from site.yaml's theme by engine/theme.py. */\n" + "\n".join(rules) + "\n").encode()
