"""The interface string table: one YAML file per language in engine/translations/, with the
site's own overrides from site.yaml on top. Used for page titles (model) and templates (render).

A string is filled in by `fill`, never by str.format: an override comes from site.yaml, which a
contributor can change, and str.format would evaluate `{x.__class__}` or pad a value to
`{n:>30000000}` characters. `fill` only puts a value in place of `{name}`; anything else stays
as typed. `check_overrides` tells the editor which names each string may use (SECURITY.md, "Validation").

A string that carries a count is written as its plural forms, keyed by CLDR category (zero, one,
two, few, many, other: English uses one and other, French one, many and other, Arabic all six),
and `fill` picks the form for the value of `{n}` by the language's CLDR rule, through Babel. An
override may give one text for every count, or its own forms."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal

from .problems import did_you_mean

TRANSLATIONS = Path(__file__).parent / "translations"
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BRACES = re.compile(r"\{[^{}\n]{0,40}\}|[{}]")   # a placeholder, or what was meant as one


CATEGORIES = ("zero", "one", "two", "few", "many", "other")   # CLDR's plural categories


@functools.cache
def plural_rule(language: str):
    """The CLDR plural rule of a language (English's for one Babel does not know): a callable
    from a number to its category."""
    return _locale(language).plural_form


@dataclass(frozen=True)
class Plural:
    """A string with a form per plural category, in a language; "other" is always there."""

    forms: tuple[tuple[str, str], ...]
    language: str

    def form(self, count) -> str:
        forms = dict(self.forms)
        try:
            category = plural_rule(self.language)(count)
        except (TypeError, ValueError):   # not a number: the general form
            category = "other"
        return forms.get(category, forms["other"])

    def __str__(self) -> str:
        return dict(self.forms)["other"]


def plural(forms, language: str) -> str | Plural:
    """A table's value as a string, or a Plural when it is given as forms."""
    if isinstance(forms, dict):
        return Plural(tuple((category, forms[category]) for category in CATEGORIES
                            if category in forms), language)
    return forms


@functools.cache
def _table(language: str) -> dict[str, str | Plural]:
    english = yaml.safe_load((TRANSLATIONS / "en.yaml").read_text("utf-8"))
    table = {key: plural(value, "en") for key, value in english.items()}
    for candidate in (language.split("-")[0], language):
        path = TRANSLATIONS / f"{candidate}.yaml"
        if path.is_file() and candidate != "en":
            own = yaml.safe_load(path.read_text("utf-8"))
            table.update({key: plural(value, language) for key, value in own.items()})
    return table


def strings_for(site) -> dict[str, str | Plural]:
    """Every interface string for a site: its language's table, then its own overrides."""
    own = {key: plural(value, site.language) for key, value in site.strings.items()}
    return {**_table(site.language), **own}


@functools.cache
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return Locale("en")


def number_text(n: int, language: str) -> str:
    """A whole number as the language writes it: 12,345 in English, 12 345 in French."""
    return format_decimal(n, locale=_locale(language))


def fill(template: str | Plural, **values) -> str:
    """The template with each `{name}` given in values replaced by that value as text; for a
    string with plural forms, the form for the count `n`, and `n` written the way that
    language writes numbers (other values, such as a year, stay as they are)."""
    if isinstance(template, Plural):
        count = values.get("n")
        if type(count) is int:
            values["n"] = number_text(count, template.language)
        template = template.form(count) if "n" in values else str(template)
    if not values:
        return template
    return PLACEHOLDER.sub(lambda m: str(values[m[1]]) if m[1] in values else m[0], template)


def counted(n: int, one: str, other: str) -> str:
    """An English count for the command line ("1 problem", "2 problems"), by the CLDR rule:
    `one` and `other` hold {n}."""
    return fill(Plural((("one", one), ("other", other)), "en").form(n), n=f"{n:,}")


def _texts(value) -> list[str]:
    return [text for _, text in value.forms] if isinstance(value, Plural) else [value]


def placeholders(key: str) -> list[str]:
    """The names a string is filled in with: those of its English text, in order."""
    return list(dict.fromkeys(PLACEHOLDER.findall(str(_table("en")[key]))))


def check_overrides(overrides: dict) -> list[tuple[tuple, tuple[str, int] | None, str]]:
    """Problems in site.yaml's `strings:` as (where under `strings`: the key, or the key and a
    plural category; the text to point at and which occurrence of it, or None for the key;
    message)."""
    problems = []
    known = _table("en")
    for key, text in overrides.items():
        if not isinstance(key, str):
            continue   # the schema reports it
        if key not in known:
            problems.append(((key,), None, f'strings: "{key}" is not an interface string'
                             f"{did_you_mean(key, known)}: the names are those of "
                             "engine/translations/en.yaml"))
            continue
        if isinstance(text, dict):
            problem = _forms_problem(key, text, known[key])
            if problem:
                problems.append(problem)
                continue
            forms = [((key, category), value) for category, value in text.items()]
        elif isinstance(text, str):
            forms = [((key,), text)]
        else:
            continue   # the schema reports it
        for where, value in forms:
            problem = _braces_problem(key, where, value)
            if problem:
                problems.append(problem)
                break
    return problems


def _forms_problem(key: str, forms: dict, english) -> tuple | None:
    """What is wrong with plural forms given for a string, if anything."""
    if not isinstance(english, Plural):
        return ((key,), None, f"strings.{key}: this string carries no count, so it has no plural "
                "forms: give one text")
    for category in forms:
        if category not in CATEGORIES:
            return ((key, category), None, f'strings.{key}: "{category}" is not a plural form'
                    f"{did_you_mean(category, CATEGORIES)}; the forms are named "
                    f"{', '.join(CATEGORIES)} (CLDR), and \"other\" is required")
    if "other" not in forms:
        return ((key,), None, f'strings.{key}: the form "other" is missing: it is used for every '
                "count no other form is given for")
    return None


def _braces_problem(key: str, where: tuple, text) -> tuple | None:
    if not isinstance(text, str):
        return None   # the schema reports it
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
        token = (match.group(), text.count(match.group(), 0, match.start()))
        label = ".".join(("strings",) + where)
        return (where, token, f'{label}: "{match.group()}" is not a placeholder of this string: '
                f"{use}")
    return None
