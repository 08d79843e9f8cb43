"""The kinds of value a content field holds, each with its check and its words for the editor:
text without hidden characters, Markdown, slugs, web addresses, contacts, fuzzy dates, days,
numbers a page can print. engine/schema.py builds the content's models from them."""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
import zoneinfo
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .dates import GRAMMAR_HINT, FuzzyDate, parse_day, parse_fuzzy_date
from .markdown import is_safe_link

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


MAX_TEXT = 20_000


# Characters no text field may hold (SECURITY.md, "Validation"): control characters, which hide
# text from readers and make the feed invalid XML (tab and line breaks are allowed; a carriage
# return only before a line feed, as in a file saved with Windows line endings), the bidi
# embeddings, overrides and isolates that reorder what a reader sees (the "Trojan Source"
# trick), and the code points XML cannot carry. The bidi *marks* (U+200E, U+200F, U+061C) stay
# allowed: Arabic and Hebrew text needs them, and a mark changes the direction of no text
# beyond the neutral characters beside it.
_REFUSED_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e"
                                 "\u2066-\u2069\ud800-\udfff\ufffe\uffff]|\r(?!\n)")


_CONTROL_NAMES = {"\x00": "NULL", "\x07": "BELL", "\x08": "BACKSPACE", "\x0b": "LINE TABULATION",
                  "\x0c": "FORM FEED", "\r": "CARRIAGE RETURN", "\x1b": "ESCAPE", "\x7f": "DELETE",
                  "\x85": "NEXT LINE"}


def character_name(char: str) -> str:
    """U+202E (RIGHT-TO-LEFT OVERRIDE): how a message names a character no one can see."""
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(char, "a control character")
    return f"U+{ord(char):04X} ({name})"


def _visible_text(value: str) -> str:
    match = _REFUSED_CHARACTERS.search(value)
    if match is None:
        return value
    char = match.group()
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        why = ("which changes the order in which the text around it is shown, so readers would "
               "see something other than what is written; the site sets the direction of "
               "Arabic or Hebrew text itself")
    else:
        why = "which readers cannot see and which breaks the feed and the data files"
    raise PydanticCustomError(
        "invisible_character", "{message}",
        {"message": f"contains the invisible character {character_name(char)}, {why}: delete "
                    "it (if your editor does not show it, retype the text around it)",
         "character": char, "offset": match.start()})


Text = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1,
                                        max_length=MAX_TEXT), AfterValidator(_visible_text)]


Markdown = Annotated[str, StringConstraints(strict=True, max_length=200_000),
                     AfterValidator(_visible_text)]


# A word or a short phrase, as house spellings give them: no quotation marks or line breaks.
Word = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1,
                                        max_length=80, pattern=r'^[^"“”\n]+$'),
                 AfterValidator(_visible_text)]


# Numbers a page can print: finite, and below a thousand million million. Up to there every
# whole number is exact in a float (2**53 is about 9e15) and the compact forms the site shows
# ("$600M", "999 trillion") still read as numbers; larger amounts are typing slips.
MAX_MAGNITUDE = 10**15


def _printable_number(value: float) -> float:
    if not math.isfinite(value):
        raise PydanticCustomError("number_not_finite", "{message}", {
            "message": f"{value} is not a number the site can show: write the figure in digits, "
                       "e.g. 600000000"})
    if abs(value) >= MAX_MAGNITUDE:
        raise PydanticCustomError("number_too_large", "{message}", {
            "message": f"{value:g} is too large: figures must be below 1e15 (a thousand "
                       "trillion); check for extra zeros, or give a unit such as million"})
    return value


Number = Annotated[float, AfterValidator(_printable_number)]


Whole = Annotated[int, Field(gt=-MAX_MAGNITUDE, lt=MAX_MAGNITUDE)]


Slug = Annotated[str, StringConstraints(strict=True, pattern=SLUG_PATTERN, max_length=120),
                 Field(description="lower-case letters, digits and single hyphens, e.g. series-c")]


def _web_url(value):
    if not isinstance(value, str):
        raise ValueError("expected a web address as text")
    value = _visible_text(value.strip())
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
        raise ValueError(f'"{value}" is not a web address: it must start with http:// or https://')
    return value


WebURL = Annotated[str, PlainValidator(_web_url),
                   WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://"})]


EMAIL = re.compile(r"^[^@\s:/<>\"']+@[^@\s:/<>\"']+\.[^@\s:/<>\"'.]+$")


def _contact(value: str) -> str:
    """An email address (the footer links it with mailto:) or a web page: the footer of every
    page makes it a link, so it gets the Markdown links' scheme check and more."""
    if EMAIL.match(value):
        return value
    if is_safe_link(value) and re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
        return value
    raise ValueError("is not an email address or a web address: write an address such as "
                     "corrections@example.org, or a web page starting with https://")


Contact = Annotated[Text, AfterValidator(_contact),
                    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_TEXT,
                                    "pattern": "^(https?://|[^@:/]+@[^@:/]+$)"})]


def checked_time_zone(value):
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f'"{value}" is not a time zone: use an IANA name such as '
                         '"Europe/London" or "Asia/Hong_Kong"') from None
    return value


def _fuzzy(value):
    try:
        return parse_fuzzy_date(value)
    except ValueError as error:
        raise ValueError(str(error)) from None


def _day(value):
    try:
        return parse_day(value)
    except ValueError as error:
        raise ValueError(str(error)) from None


DateText = Annotated[FuzzyDate, PlainValidator(_fuzzy), PlainSerializer(str, return_type=str),
                     WithJsonSchema({"type": ["string", "integer"], "description": GRAMMAR_HINT,
                                     "examples": ["2018-04-09", "2018-04", "late 2017-11",
                                                  "around 2015", "2019-10-07/2019-10-09"]})]


Day = Annotated[dt.date, PlainValidator(_day), PlainSerializer(dt.date.isoformat, return_type=str),
                WithJsonSchema({"type": "string", "format": "date",
                                "description": "a calendar day, YYYY-MM-DD"})]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(Strict):
    """What every content item has: an id equal to its file name, and its own dates."""

    id: Slug = Field(description="must equal the file name without .yaml")
    added: Day = Field(description="the day this item was first published")
    updated: Day = Field(description="the day this item last changed in substance")
    draft: bool = Field(False, description="true keeps the item out of the built site")
    publish_after: Day | None = Field(None, description="embargo: published from this day on")
    old_ids: tuple[Slug, ...] = Field((), description="earlier ids; their URLs redirect here")

    @model_validator(mode="after")
    def _updated_not_before_added(self):
        if self.updated < self.added:
            raise ValueError(f"updated ({self.updated}) is before added ({self.added})")
        return self
