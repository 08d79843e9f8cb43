"""A template that fails, reported like a content error: the override or default template's file,
line and column, what is wrong in plain words and what to type, with Jinja's own message after
it for whoever knows Jinja. The same problem in build, check, serve and bundle.

Pages are rendered in worker processes, where the traceback that locates a runtime error would
be lost on the way back; `render.render_page` turns the error into a `TemplateFailure` (plain
values, so it pickles) where it happens."""
from __future__ import annotations

import re
import traceback
from pathlib import Path

from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError

from .problems import Problem, Problems


class TemplateFailure(Exception):
    """A template error with its position: path (absolute), line, column and message."""

    def __init__(self, path: str, line: int, column: int, message: str):
        super().__init__(path, line, column, message)
        self.path, self.line, self.column, self.message = path, line, column, message

    def problem(self, problems: Problems) -> Problem:
        return Problem(problems.display_path(self.path), self.line, self.column, self.message)


# Jinja's messages, each with the words an editor needs: (pattern, explanation, what to look for
# on the line to give the column). {0}, {1} are the pattern's groups.
PLAIN_WORDS = (
    (r"^'(.+?)' has no attribute '(.+?)'$",
     "`{1}` is not a field of this value ({0}): check the name, or test it first with "
     "`{{% if … is defined %}}`", r"\b{1}\b"),
    (r"^'(.+?)' is undefined$",
     "`{0}` is not defined here: check its spelling, or pass it to the template from the page "
     "model (engine/model.py)", r"\b{0}\b"),
    (r"^No filter named '(.+?)'",
     "there is no filter called `{0}`: check its spelling, or add it in engine/render.py",
     r"\|\s*{0}\b"),
    (r"^No test named '(.+?)'",
     "there is no test called `{0}`: check its spelling", r"\bis\s+(?:not\s+)?{0}\b"),
    (r"^Encountered unknown tag '(.+?)'",
     "`{{% {0} %}}` is not a Jinja tag here: check its spelling, or whether it closes a block "
     "that was never opened", r"{{%-?\s*{0}\b"),
    (r"^Unexpected end of template\. Jinja was looking for the following tags: .*The innermost "
     r"block that needs to be closed is '(.+?)'",
     "the `{{% {0} %}}` block is never closed: add `{{% end{0} %}}` where it should end",
     r"{{%-?\s*{0}\b"),
    (r"^unexpected '(.+?)'$",
     "Jinja could not read this line (an unexpected `{0}`): check that every `{{{{` has its "
     "`}}}}` and every `{{%` its `%}}`", r"{0}"),
    (r"^expected token '(.+?)', got '(.+?)'$",
     "Jinja expected `{0}` but found `{1}`: check the brackets and quotes on this line", r"{1}"),
)


def plain_words(message: str) -> tuple[str, str | None]:
    """What Jinja's message means for whoever edits the template, and a pattern that finds the
    place on the line."""
    for pattern, words, place in PLAIN_WORDS:
        found = re.match(pattern, message, re.S)
        if found:
            groups = found.groups()
            return words.format(*groups), place.format(*(re.escape(g) for g in groups))
    return "the template cannot be used", None


def _column(path: str, line: int, place: str | None) -> int:
    if place is None:
        return 1
    try:
        text = Path(path).read_text("utf-8").splitlines()[line - 1]
    except (OSError, UnicodeDecodeError, IndexError):
        return 1
    found = re.search(place, text)
    return found.start() + 1 if found else len(text) - len(text.lstrip()) + 1


def _template_frame(error: BaseException, folders: list[Path]) -> tuple[str, int] | None:
    """The innermost frame of the traceback in a template file: Jinja maps its compiled code back
    to the template's file name and line."""
    roots = [str(folder.resolve()) for folder in folders]
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if any(frame.filename.startswith(root + "/") for root in roots) and frame.lineno:
            found = (frame.filename, frame.lineno)
    return found


def _not_found_message(name: str, folders: list[Path]) -> str:
    where = "the overrides' templates nor the default ones" if len(folders) > 1 else "the templates"
    return (f"template error: there is no template `{name}` (neither in {where}): check the "
            f"name in `{{% extends %}}`, `{{% include %}}` or `{{% import %}}`")


def missing_template(referrer: str, source: str, name: str, folders: list[Path]) -> TemplateFailure:
    """A template (file `referrer`, text `source`) names one that does not exist: the failure at
    the place it names it."""
    for number, line in enumerate(source.splitlines(), 1):
        for quote in ('"', "'"):
            column = line.find(f"{quote}{name}{quote}")
            if column >= 0:
                return TemplateFailure(referrer, number, column + 2, _not_found_message(name, folders))
    return TemplateFailure(referrer, 1, 1, _not_found_message(name, folders))


def failure_of(error: TemplateError, folders: list[Path], template: str | None = None) -> TemplateFailure:
    """The positioned failure for a Jinja error raised while loading or rendering a template from
    `folders` (overrides first); `template` is the name being rendered, for errors that carry no
    position of their own."""
    if isinstance(error, TemplateNotFound):
        name = error.name or "?"
        message = _not_found_message(name, folders)
        where = _template_frame(error, folders) or (_file_of(template, folders), 1)
        return TemplateFailure(where[0], where[1], _column(where[0], where[1], re.escape(name)), message)
    jinja = error.message if isinstance(error, TemplateSyntaxError) else str(error)
    words, place = plain_words(jinja or "")
    if isinstance(error, TemplateSyntaxError) and error.filename:
        path, line = error.filename, error.lineno or 1
    else:
        path, line = _template_frame(error, folders) or (_file_of(template, folders), 1)
    if place is not None or not jinja:
        message = f"template error: {words} (Jinja: {jinja})" if jinja else f"template error: {words}"
    else:
        message = f"template error: {words}: {jinja}"
    return TemplateFailure(str(path), line, _column(str(path), line, place), message)


def _file_of(template: str | None, folders: list[Path]) -> str:
    """The file a template name is read from: the override when there is one."""
    for folder in folders:
        if template and (folder / template).is_file():
            return str(folder / template)
    return str(folders[-1] / (template or ""))


def template_problem(error: BaseException, folders: list[Path], problems: Problems) -> Problem | None:
    """The problem to report for a failure in any stage that renders, or None when the error is
    not a template's."""
    if isinstance(error, TemplateFailure):
        return error.problem(problems)
    if isinstance(error, TemplateError):
        return failure_of(error, folders).problem(problems)
    return None

