"""Text that is valid for the format it is written in, and inert for whoever reads it, whatever
the content holds (SECURITY.md, "Exports").

Validation refuses control characters and non-finite numbers at the source; these functions are
the second layer, at the output, so that a value that slips past it (or a field added later)
still cannot make a file invalid or run in a reader:

- XML 1.0 forbids most C0 controls even as character references: `xml_text` replaces them, and
  every .xml file the build writes passes through it whole (render.Renderer.site_files);
- JSON has no NaN or Infinity: `json_text` refuses them (an error, never an invalid file);
- a CSV text cell that a spreadsheet would read as a formula gets a leading `'` (`csv_text`).
"""
from __future__ import annotations

import json
import re

from .problems import ContentError, Problem

REPLACEMENT = "\ufffd"
# C0 controls but tab, newline and carriage return (XML 1.0 forbids them, even as &#1;), DEL
# and the C1 controls (allowed but "discouraged" by XML 1.0, invisible, NEL a line break in
# XML 1.1), and the two non-characters U+FFFE and U+FFFF (forbidden too). Lone surrogates, also
# forbidden, cannot come from a YAML or UTF-8 file.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def without_controls(text: str) -> str:
    """The text with every control character but tab and line ends replaced by U+FFFD: the
    loss stays visible."""
    return _CONTROL.sub(REPLACEMENT, text)


def xml_text(text: str) -> str:
    """Text that XML 1.0 accepts: for a whole rendered document (escaping is Jinja's)."""
    return without_controls(text)


class NotFinite(ContentError):
    """A NaN or infinite number on its way into a JSON file."""

    def __init__(self, where: str = "content", what: str = "a number"):
        super().__init__([Problem(where, 1, 1, f"{what} is not a finite number (NaN or infinite), "
                                               "which JSON cannot hold: write the number itself")])


def json_text(data, where: str = "content", **options) -> str:
    """json.dumps, UTF-8 kept, that refuses NaN and infinities instead of writing them (Python
    would write NaN, which no strict JSON parser reads)."""
    try:
        return json.dumps(data, ensure_ascii=False, allow_nan=False, **options)
    except ValueError:
        raise NotFinite(where) from None


# A cell a spreadsheet reads as a formula: = + - @ first (their full-width forms too, which
# some locales' spreadsheets accept), or after leading whitespace, or a tab or line end first
# (OWASP, "CSV Injection"; ASVS 5.0 1.2.10).
_FORMULA = re.compile(r"[\t\r\n]|\s*[=+\-@\uff1d\uff0b\uff0d\uff20]")


def csv_text(text: str) -> str:
    """A text cell made inert: control characters replaced, and a formula-looking cell prefixed
    with a single quote, which spreadsheets show as text and hide. Numbers are not text cells:
    -3 in a number column stays -3."""
    text = without_controls(text)
    return "'" + text if _FORMULA.match(text) else text
