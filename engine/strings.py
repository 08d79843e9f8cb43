"""The interface string table: one YAML file per language in engine/translations/, with the
site's own overrides from site.yaml on top. Used for page titles (model) and templates (render).

A string is filled in by `fill`, never by str.format: an override comes from site.yaml, which a
contributor can change, and str.format would evaluate `{x.__class__}` or pad a value to
`{n:>30000000}` characters. `fill` only puts a value in place of `{name}`; anything else stays
as typed. `check_overrides` tells the editor which names each string may use (SECURITY.md, "Validation")."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from .problems import did_you_mean

TRANSLATIONS = Path(__file__).parent / "translations"
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BRACES = re.compile(r"\{[^{}\n]{0,40}\}|[{}]")   # a placeholder, or what was meant as one


@functools.cache
def _table(language: str) -> dict[str, str]:
    table: dict[str, str] = yaml.safe_load((TRANSLATIONS / "en.yaml").read_text("utf-8"))
    for candidate in (language.split("-")[0], language):
        path = TRANSLATIONS / f"{candidate}.yaml"
        if path.is_file() and candidate != "en":
            table.update(yaml.safe_load(path.read_text("utf-8")))
    return table


def strings_for(site) -> dict[str, str]:
    """Every interface string for a site: its language's table, then its own overrides."""
    return {**_table(site.language), **site.strings}


def fill(template: str, **values) -> str:
    """The template with each `{name}` given in values replaced by that value as text."""
    if not values:
        return template
    return PLACEHOLDER.sub(lambda m: str(values[m[1]]) if m[1] in values else m[0], template)


def placeholders(key: str) -> list[str]:
    """The names a string is filled in with: those of its English text, in order."""
    return list(dict.fromkeys(PLACEHOLDER.findall(_table("en")[key])))


def check_overrides(overrides: dict) -> list[tuple[str, tuple[str, int] | None, str]]:
    """Problems in site.yaml's `strings:` as (key, the text to point at and which occurrence of
    it, or None for the key, message)."""
    problems = []
    known = _table("en")
    for key, text in overrides.items():
        if not isinstance(key, str) or not isinstance(text, str):
            continue   # the schema reports it
        if key not in known:
            problems.append((key, None, f'strings: "{key}" is not an interface string'
                             f"{did_you_mean(key, known)}: the names are those of "
                             "engine/translations/en.yaml"))
            continue
        allowed = placeholders(key)
        for match in _BRACES.finditer(text):
            name = PLACEHOLDER.fullmatch(match.group())
            if name and name[1] in allowed:
                continue
            if allowed:
                use = (f"this string can contain {', '.join(f'{{{n}}}' for n in allowed)}, "
                       "each written just so, with nothing else inside the braces")
            else:
                use = "this string has no values to fill in, so it cannot contain braces"
            where = (match.group(), text.count(match.group(), 0, match.start()))
            problems.append((key, where, f'strings.{key}: "{match.group()}" is not a '
                             f"placeholder of this string: {use}"))
            break
    return problems
