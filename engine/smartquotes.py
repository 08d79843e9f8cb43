"""Typographic quotes, as markdown-it's `smartquotes` rule makes them, in time linear in the
text's length (SECURITY.md, "Exports": no text step worse than linear).

markdown-it-py's rule (markdown_it/rules_core/smartquotes.py, a port of markdown-it's) searches
a copy of the rest of the text for every quote, rebuilds the whole text for every quote it
replaces, copies its stack of open quotes at every token and walks it for every closing quote:
one 180 KB field of `"` took 15 s. This is the same algorithm, decision for decision, with
constant-time steps: a search from a position, replacements into a list of characters joined
once per token, the stack cut in place, and the open quotes of each kind indexed.

It keeps the rule's result exactly for quote strings of one punctuation character each, which
markdown-it's default quotes (“”‘’) are; tests/test_attack_properties.py compares the two on
generated text.
"""
from __future__ import annotations

import re

from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

QUOTE_RE = re.compile(r"['\"]")
APOSTROPHE = "\u2019"  # ’


def _punct(code: int) -> bool:
    return isMdAsciiPunct(code) or isPunctChar(chr(code))


def process_inlines(tokens: list[Token], state: StateCore) -> None:
    stack: list[tuple[int, int, bool, int]] = []   # open quotes: (token, position, single, level)
    of_kind: dict[bool, list[int]] = {True: [], False: []}   # their places in stack, by kind
    edited: dict[int, list[str]] = {}   # a token's characters, once one of them is replaced
    quotes = state.md.options.quotes

    def cut(size: int) -> None:
        while len(stack) > size:
            of_kind[stack.pop()[2]].pop()   # the last of its kind is the top of the stack

    def replace(token_index: int, position: int, text: str) -> None:
        if token_index not in edited:
            edited[token_index] = list(tokens[token_index].content)
        edited[token_index][position] = text

    def last_char(token_index: int) -> int:
        chars = edited.get(token_index)
        return ord(chars[-1][-1]) if chars else ord(tokens[token_index].content[-1])

    for i, token in enumerate(tokens):
        level = token.level
        while stack and stack[-1][3] > level:   # levels never decrease up the stack
            cut(len(stack) - 1)
        if token.type != "text":
            continue
        text = token.content
        pos = 0
        while (found := QUOTE_RE.search(text, pos)) is not None:
            at = found.start()
            pos = at + 1
            single = found.group() == "'"
            can_open = can_close = True

            # the character before, else the last one of an earlier token on the same line
            last: int | None = 0x20
            if at > 0:
                chars = edited.get(i)
                last = ord(chars[at - 1][-1]) if chars else ord(text[at - 1])
            else:
                for j in range(i - 1, -1, -1):
                    if tokens[j].type in ("softbreak", "hardbreak"):
                        break
                    if tokens[j].content:
                        last = last_char(j)
                        break
            # the character after, else the first one of a later token on the same line
            next_: int | None = 0x20
            if pos < len(text):
                next_ = ord(text[pos])
            else:
                for j in range(i + 1, len(tokens)):
                    if tokens[j].type in ("softbreak", "hardbreak"):
                        break
                    if tokens[j].content:
                        next_ = ord(tokens[j].content[0])
                        break

            last_punct, next_punct = _punct(last), _punct(next_)
            last_space, next_space = isWhiteSpace(last), isWhiteSpace(next_)
            if next_space or (next_punct and not (last_space or last_punct)):
                can_open = False
            if last_space or (last_punct and not (next_space or next_punct)):
                can_close = False
            if next_ == 0x22 and not single and 0x30 <= last <= 0x39:
                can_close = can_open = False   # 1"" : the first quote is an inch
            if can_open and can_close:   # only between punctuation: foo-"-bar-"-baz
                can_open, can_close = last_punct, next_punct

            if not can_open and not can_close:   # inside a word
                if single:
                    replace(i, at, APOSTROPHE)
                continue

            if can_close:
                # the innermost open quote of this kind, if it is at this token's level
                openers = of_kind[single]
                if openers and stack[openers[-1]][3] == level:
                    index = openers[-1]
                    opener_token, opener_at = stack[index][0], stack[index][1]
                    replace(i, at, quotes[3] if single else quotes[1])
                    replace(opener_token, opener_at, quotes[2] if single else quotes[0])
                    cut(index)
                    continue

            if can_open:
                stack.append((i, at, single, level))
                of_kind[single].append(len(stack) - 1)
            elif can_close and single:
                replace(i, at, APOSTROPHE)

    for index, chars in edited.items():
        tokens[index].content = "".join(chars)


def smartquotes(state: StateCore) -> None:
    if not state.md.options.typographer:
        return
    for token in state.tokens:
        if token.type != "inline" or not QUOTE_RE.search(token.content):
            continue
        if token.children is not None:
            process_inlines(token.children, state)
