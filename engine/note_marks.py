"""Note marks as a reader meets them: bound to the word before them, and adjacent marks merged
into one ("[1–3]", "[1, 6]").

A mark is a superscript link to its note. Editors write `start-up [@a] [@b].`; printed as is, a
line could break before a mark (a mark or a lone full stop then opens the next line) and the
marks would stand in a bracketed cluster. Here the space before a run of marks becomes a word
joiner (no line break on either side), the marks of a run become one, and a range of three or
more consecutive notes shows its first and last numbers: the notes between keep their
reference ids (the notes list links back to them) on empty elements beside the dash.
"""
from __future__ import annotations

import re

from markupsafe import Markup, escape

WORD_JOINER = "\u2060"
DASH = "\u2013"
_TRAILING_SPACE = re.compile(r"[ \t\r\n]+$")


def runs(numbers: list[int]) -> list[list[int]]:
    """Ascending numbers, duplicates dropped, cut into runs of consecutive numbers."""
    out: list[list[int]] = []
    for number in sorted(set(numbers)):
        if out and number == out[-1][-1] + 1:
            out[-1].append(number)
        else:
            out.append([number])
    return out


def _link(note, backlink: str) -> str:
    return f'<a href="#{escape(note.id)}" id="{escape(backlink)}" role="doc-noteref">{note.number}</a>'


def _joined(pieces: list[str]) -> str:
    """Pieces in brackets, joined by ", ". Each piece, with its comma or bracket, is kept on one
    line (a link here is an inline box, and a line may otherwise break on either side of one);
    a long run may wrap at the space after a comma. The brackets are real text, so a copied
    passage keeps them, and hidden from screen readers, which read the links."""
    opening, closing = '<span class="note-bracket" aria-hidden="true">[</span>', '<span class="note-bracket" aria-hidden="true">]</span>'
    last = len(pieces) - 1
    return " ".join(f'<span class="note-sep">{opening if i == 0 else ""}{piece}{closing if i == last else ","}</span>'
                    for i, piece in enumerate(pieces))


def sidenotes(refs: list[tuple], text_of) -> str:
    """The notes of a run of marks, each as a sidenote beside the line that first cites it: a
    copy of the note in plain text, for wide screens (static/style.css hides it elsewhere).
    Hidden from screen readers and the search index, which have the numbered notes; no links,
    so it holds nothing to tab to."""
    firsts = sorted({note.number: note for note, backlink in refs
                     if note.backlinks and note.backlinks[0] == backlink}.items())
    return "".join(f'<span class="sidenote" aria-hidden="true" data-pagefind-ignore>'
                   f'<span class="sidenote-number">{number}</span> {escape(text_of(note))}</span>'
                   for number, note in firsts)


def merged_mark(refs: list[tuple], text_of=None) -> Markup:
    """One superscript for the (note, backlink id) pairs of a run of marks, in the reader's order
    of numbers. Each note of the run keeps an element with its backlink id. With `text_of` (a
    note's text), the notes cited here for the first time follow as sidenotes."""
    by_number: dict[int, list[tuple]] = {}
    for note, backlink in refs:
        by_number.setdefault(note.number, []).append((note, backlink))
    pieces = []
    for run in runs(list(by_number)):
        # a note cited twice in one run: its later backlink ids on empty elements (the notes
        # inside a range have all of theirs there already)
        shown = run if len(run) <= 2 else (run[0], run[-1])
        extra = "".join(f'<span id="{escape(b)}"></span>' for n in shown for _, b in by_number[n][1:])
        if len(run) > 2:
            middle = "".join(f'<span id="{escape(b)}"></span>' for n in run[1:-1] for _, b in by_number[n])
            pieces.append(f'{_link(*by_number[run[0]][0])}{middle}{DASH}{_link(*by_number[run[-1]][0])}{extra}')
        else:
            pieces.extend(_link(*by_number[n][0]) for n in run)
            pieces[-1] += extra
    # kept out of the search index: a number is not a word a reader searches for
    return Markup(WORD_JOINER + '<sup class="note-ref" data-pagefind-ignore>' + _joined(pieces) + "</sup>"
                  + (sidenotes(refs, text_of) if text_of else ""))


# What a footnote's HTML holds that its sidenote leaves out: the marks inside it and their sidenotes.
_MARKS_AND_SIDENOTES = re.compile(WORD_JOINER + r'?<sup class="note-ref"[^>]*>.*?</sup>'
                                  r'|<span class="sidenote"[^>]*><span class="sidenote-number">\d+</span>[^<]*</span>',
                                  re.DOTALL)


def footnote_text(html: str) -> str:
    """A footnote's own words, as plain text for its sidenote."""
    return Markup(_MARKS_AND_SIDENOTES.sub("", str(html))).striptags()


def bind_to_previous(text: str) -> str:
    """The text before a run of marks without its trailing space (the mark brings a word
    joiner: no line break between the word and its mark)."""
    return _TRAILING_SPACE.sub("", text)
