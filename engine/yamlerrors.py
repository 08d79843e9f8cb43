"""YAML syntax errors in an editor's words (used by stage 1, load).

PyYAML (and libyaml, which the loader uses when it is installed) reports what its scanner or
parser expected, at the place it gave up: "did not find expected key" at line 78 for a quote
left open on line 14. `explain` turns each (problem, context) pair either can raise into where
the mistake really is, what is wrong in plain words and what to type instead. Rules are tried
in order; the last one keeps PyYAML's own words, still positioned.
"""
from __future__ import annotations

import re

import yaml

from .problems import shown
from .strings import counted
from .yaml_where import (
    QUOTE_WORD,
    Where,
    quote_closes,
    quote_fix,
    quote_message,
    unclosed_quote,
    value_start,
)

CLOSER = {"[": "]", "{": "}"}
FLOW_WORD = {"[": "list", "{": "mapping"}


def _tab(where: Where):
    """A tab in the indentation of the error's line or the line above."""
    for number in (where.line, where.line - 1):
        if 0 <= number < len(where.lines):
            line = where.lines[number]
            indent = len(line) - len(line.lstrip(" \t"))
            if "\t" in line[:indent]:
                return (number, line.index("\t"), "a tab is used for indentation here; use "
                        "spaces: YAML counts only spaces (2 per level, as in the lines around it)")
    return None


def _mapping_value(where: Where):
    """libyaml: mapping values are not allowed in this context; Python: ... here."""
    line = where.lines[where.line] if where.line < len(where.lines) else ""
    start = value_start(line)
    if start is not None and start <= where.column:
        value = line[start:].split(" #")[0]
        if value[:1] in "\"'" and quote_closes(value, 0) is not None:
            return (where.line, where.column, "text follows the closing quote of this value: "
                    "put the whole value in one pair of quotes")
        return (where.line, where.column, 'a colon followed by a space (": ") inside a value '
                "makes YAML read a new name: put the whole value in quotes, "
                f"{quote_fix(value)}")
    above = where.previous_line(where.line)
    glued = above is not None and re.match(r"(\s*(?:-\s+)?)([^\s:#'\"]+):(\S.*)", where.lines[above])
    if glued and ": " not in where.lines[above]:
        return (above, len(glued[1]) + len(glued[2]), "a colon must be followed by a space: "
                f"write {shown(glued[2] + ': ' + glued[3])}")
    if above is not None and where.indent(where.line) > where.indent(above):
        return (where.line, where.indent(where.line), "this line is indented more than the line "
                "above, which already has its value: line it up with the name above it, or, if "
                "it belongs inside that name, move the value to a line of its own")
    if above is not None and ":" not in where.lines[above]:
        return (above, where.indent(above), "this line has no colon, so YAML reads it and the "
                "next line as one name: write the name, a colon and a space, then the value")
    start = where.indent(above) if above is not None else 0
    if above is not None and where.char(above, start) in ("!", "&", "*"):
        return (above, start, f"a line cannot start with {shown(where.char(above, start))}: "
                "remove it, or put the text in quotes")
    return (where.line, where.column, "YAML reads this line as part of the value above, so "
            'this ": " is out of place: check that the line above is a name, a colon and a '
            'space, then the value, and put a value containing ": " in quotes')


def _simple_key(where: Where):
    """could not find expected ':' — a line with a name and no colon (or no space after it)."""
    number = where.context_line if where.context_line is not None else where.line
    line = where.lines[number] if number < len(where.lines) else ""
    glued = re.match(r"(\s*(?:-\s+)?)([^\s:#]+):(\S.*)", line)
    if glued:
        return (number, len(glued[1]) + len(glued[2]), "a colon must be followed by a space: "
                f"write {shown(glued[2] + ': ' + glued[3])}")
    return (number, where.indent(number), "this line has no colon: write the name, a colon and "
            'a space, then the value ("name: value"); to continue the text above, indent this '
            "line under it")


def _expected_key(where: Where):
    """libyaml: did not find expected key; Python: expected <block end>, but found …"""
    char = where.char()
    line = where.lines[where.line] if where.line < len(where.lines) else ""
    first = where.indent(where.line)
    if char == "-" and where.column == first:
        return (where.line, where.column, 'a list entry ("- ") where a name was expected: '
                "indent it under the name it belongs to, whose colon then ends its line")
    if char == ":" and where.column == first:
        return (where.line, where.column, "a line cannot start with a colon: write the name "
                "before it")
    if char and char in "]}":
        return _closes_nothing(where)
    if where.column > first:
        start = value_start(line)
        if start is not None and line[start] in "\"'":
            quote = line[start]
            return (where.line, where.column, f"the {QUOTE_WORD[quote]} that opens this value "
                    f"closes before the end of it, so this text is left over: "
                    + ("write '' (two single quotes) for an apostrophe inside single quotes, or "
                       "put the value in double quotes" if quote == "'" else
                       "write \\\" for a double quote inside double quotes, or put the value in "
                       "single quotes"))
        return (where.line, where.column, "unexpected text here: put the whole value in quotes")
    block = _block_scalar_above(where)
    if block is not None and block[0] == where.line:
        return (where.line, where.column, "this line is not indented as the | or > block "
                "above asks (a digit after | or > sets the indentation): remove the digit, or "
                "indent the text by that many spaces more than the name")
    if block is not None:
        return (where.line, where.column, f"this line is indented less than the text block "
                f"above (which starts on line {block[0] + 1}, indented by {_spaces(block[1])}): indent "
                "every line of a | or > block at least as much as its first line")
    expected = where.context_column if where.context_line is not None else 0
    for number in range(where.line - 1, -1, -1):   # the indentation of this mapping's names
        text = where.lines[number]
        if text.strip() and not text.lstrip().startswith("#") and where.indent(number) < first:
            expected = where.indent(number) + (2 if text.rstrip().endswith(":") else 0)
            break
    return (where.line, where.column, f"this line is indented by {_spaces(first)}, which "
            f"matches no name above it: line it up with the names of the same level "
            f"({_spaces(expected)}), with spaces only")


def _spaces(count: int) -> str:
    return counted(count, "{n} space", "{n} spaces")


def _block_scalar_above(where: Where) -> tuple[int, int] | None:
    """(first line, its indentation) of a | or > block just above the error line, if any."""
    for number in range(where.line - 1, -1, -1):
        text = where.lines[number]
        if not text.strip():
            continue
        if re.search(r"(?::|^\s*-)\s+[|>][-+0-9]*\s*(?:#.*)?$", text):
            return number + 1, where.indent(number + 1 if number + 1 < where.line else number)
        if where.indent(number) <= where.indent(where.line):
            return None
    return None


def _closes_nothing(where: Where):
    char = where.char()
    opener = "[" if char == "]" else "{"
    return (where.line, where.column, f'this "{char}" closes nothing: remove it, or add the '
            f'"{opener}" it closes')


def _flow(where: Where):
    """did not find expected ',' or ']' (or '}'): an unclosed [ or {, or a missing comma."""
    if where.context_line is None:
        return None
    line = where.lines[where.context_line]
    opener = where.char(where.context_line, where.context_column)
    closer = CLOSER.get(opener, "]")
    if closer not in line[where.context_column:] or where.line != where.context_line:
        return (where.context_line, where.context_column, f'this "{opener}" is never closed: '
                f'end the {FLOW_WORD[opener]} on the same line with "{closer}", entries separated '
                "by commas")
    return (where.line, where.column, f'inside "{opener} {closer}" entries are separated by '
            'commas: add a comma, and put an entry containing ": " or a comma in quotes')


def _cannot_start(where: Where):
    """found character that cannot start any token: @, `, %, a tab, and others."""
    char = where.char()
    if char == "\t":
        return _tab(where) or (where.line, where.column, "a tab is used here; use a space: YAML "
                               'allows only spaces after "-" and ":"')
    line = where.lines[where.line]
    value = line[where.column:].split(" #")[0]
    return (where.line, where.column, f"a value cannot start with {shown(char)}: put the whole "
            f"value in quotes, {quote_fix(value)}")


def _escape(where: Where):
    column = where.column
    line = where.lines[where.line]
    while column > 0 and line[column - 1:column] != "\\" and line[column:column + 1] != "\\":
        column -= 1
    if line[column:column + 1] != "\\" and line[column - 1:column] == "\\":
        column -= 1
    sequence = line[column:column + 2]
    return (where.line, column, f"\"{sequence}\" is not an escape YAML knows inside double "
            "quotes: write \\\\ for a backslash, or put the value in single quotes")


def _hex(where: Where):
    line = where.lines[where.line]
    column = line.rfind("\\", 0, where.column + 1)
    column = where.column if column < 0 else column
    return (where.line, column, "after \\x, \\u or \\U inside double quotes come 2, 4 or 8 "
            "hexadecimal digits: write \\\\ for a backslash, or put the value in single quotes")


def _node_content(where: Where):
    char = where.char()
    if char and char in "]}":
        return _closes_nothing(where)
    if char == ":":
        return (where.line, where.column, 'this colon has no name before it: write the name, or '
                'put text containing ":" in quotes')
    if where.context_line is not None and "flow" in where.context:
        return _flow_unclosed_above(where) or (where.line, where.column, "a value is missing "
                                               "here: write it, or remove the comma before it")
    return (where.line, where.column, "a value is missing here: write it, or remove the line")


def _flow_unclosed_above(where: Where):
    for number in range(min(where.line, len(where.lines) - 1), -1, -1):
        line = where.lines[number]
        for column in range(len(line) - 1, -1, -1):
            if line[column] in CLOSER and CLOSER[line[column]] not in line[column:]:
                return (number, column, f'this "{line[column]}" is never closed: end the '
                        f'{FLOW_WORD[line[column]]} on the same line with '
                        f'"{CLOSER[line[column]]}", entries separated by commas')
    return None


RULES = [
    # (problem, context, rule): regular expressions matching libyaml's or PyYAML's words
    (r"found unexpected end of stream", r"quoted scalar", lambda w: (
        w.context_line, w.context_column, quote_message(w.char(w.context_line, w.context_column)))),
    (r"tab character|found character '\\t'", r"", _tab),
    (r"cannot start any token", r"", _cannot_start),
    (r"mapping values are not allowed", r"", _mapping_value),
    (r"(block )?sequence entries are not allowed", r"", lambda w: (
        w.line, w.column, 'a list cannot start on the same line as its name: put each entry on '
        'a line of its own below it, indented, starting with "- "')),
    (r"could not find expected ':'", r"simple key", _simple_key),
    (r"did not find expected key|expected <block end>", r"block mapping", _expected_key),
    (r"did not find expected '-' indicator|expected <block end>", r"block collection", lambda w: (
        w.line, w.column, 'this line is lined up with the list above but does not start with '
        '"- ": start it with "- " to add an entry, or indent it less to start a new name')),
    (r"did not find expected ',' or|expected ',' or", r"flow", _flow),
    (r"found unexpected ':'", r"plain scalar", lambda w: (
        w.line, w.column, 'inside "[ ]" or "{ }", text containing a colon must be in quotes: '
        "put this entry in quotes")),
    (r"mapping keys are not allowed", r"", lambda w: (
        w.line, w.column, '"?" followed by a space starts a complex key, which content files do '
        "not use: put the whole value in quotes")),
    (r"expected node content|expected the node content", r"", _node_content),
    (r"unknown escape character", r"", _escape),
    (r"hexdecimal|hexadecimal", r"quoted scalar", _hex),
    (r"comment or line break|chomping or indentation|indentation indicator", r"block scalar", lambda w: (
        w.line, w.column, "after | or > only - or + and an indentation digit (1 to 9) may follow "
        "on the same line: move the text to the next line, indented")),
    (r"alphabetic or numeric", r"anchor|alias", lambda w: (
        w.context_line, w.context_column, f"{shown(w.char(w.context_line, w.context_column))} "
        "starts an anchor or alias, which content files do not use: put the whole value in "
        "quotes")),
    (r"", r"tag", lambda w: (
        w.context_line, w.context_column, '"!" starts a tag, which content files do not use: '
        "put the whole value in quotes")),
    (r"directive", r"", lambda w: (
        *((w.context_line, w.context_column) if w.context_line is not None else (w.line, 0)),
        'a line cannot start with "%" (YAML reads it as a directive, which content files do '
        'not use): remove the "%", or put the value in quotes')),
    (r"", r"directive", lambda w: (
        *((w.context_line, w.context_column) if w.context_line is not None else (w.line, 0)),
        'a line cannot start with "%" (YAML reads it as a directive, which content files do '
        'not use): remove the "%", or put the value in quotes')),
    (r"document start", r"", lambda w: (
        w.line, w.column, 'text after a "..." line (the end of the document): remove the "..." '
        "line, or this text")),
    (r"but found another document", r"", lambda w: (
        w.line, w.column, 'a second "---" line starts another document, and a content file '
        "holds one: remove this line")),
]


def explain(text: str, error: yaml.MarkedYAMLError, loader) -> tuple[int, int, str]:
    """(0-based line, 0-based column, message) for a YAML syntax error in text."""
    problem_mark, context_mark = error.problem_mark, error.context_mark
    mark = problem_mark or context_mark
    where = Where(text, text.replace("\r\n", "\n").split("\n"), error.problem or "",
                  error.context or "", mark.line if mark else 0, mark.column if mark else 0,
                  context_mark.line if context_mark else None,
                  context_mark.column if context_mark else None)
    quote = unclosed_quote(where, loader)
    if quote:
        return quote[0], quote[1], quote_message(quote[2])
    for problem, context, rule in RULES:
        if re.search(problem, where.problem) and re.search(context, where.context):
            found = rule(where)
            if found:
                return found
    what = " ".join(part for part in (error.context, error.problem) if part)
    return (where.line, where.column, f"YAML cannot read this: {what}; check the indentation "
            "(spaces only), and put text containing \": \" or starting with a special character "
            "in quotes")


def explain_reader(text: str, error: yaml.reader.ReaderError) -> tuple[int, int, str]:
    """A character YAML refuses anywhere in a file (a control character, U+FFFE)."""
    position = max(0, min(error.position, len(text)))
    line = text.count("\n", 0, position)
    column = position - (text.rfind("\n", 0, position) + 1)
    code = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "\0")
    return (line, column, f"this file holds the invisible character U+{code:04X}, which YAML "
            "does not allow: delete it (retype the text around it if your editor does not show it)")
