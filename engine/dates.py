"""Dates as precise as the sources allow: "2018", "2018-04", "2018-04-09", "late 2017-11",
"around 2015", or a range "2019-10-07/2019-10-09". Never padded: a month stays a month."""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass

YEAR, MONTH, DAY = "year", "month", "day"
QUALIFIERS = ("around", "early", "mid", "late")

_POINT = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$")
GRAMMAR_HINT = ('write YYYY, YYYY-MM or YYYY-MM-DD, optionally after "around", "early", "mid" '
                'or "late", or a range START/END such as 2019-10-07/2019-10-09')


class DateSyntaxError(ValueError):
    pass


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


@dataclass(frozen=True, order=True)
class DatePoint:
    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        return DAY if self.day else MONTH if self.month else YEAR

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def last_day(self) -> dt.date:
        if self.day:
            return self.first_day
        month = self.month or 12
        return dt.date(self.year, month, days_in_month(self.year, month))

    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)


@dataclass(frozen=True)
class FuzzyDate:
    """A date with its precision, an optional qualifier and an optional end."""

    start: DatePoint
    end: DatePoint | None = None
    qualifier: str | None = None

    @property
    def precision(self) -> str:
        return self.start.precision

    @property
    def year(self) -> int:
        return self.start.year

    def sort_key(self) -> tuple:
        """Orders by the earliest day the date can mean, then the more precise first."""
        offset = {"early": 0, "mid": 10, "late": 20}.get(self.qualifier or "", 0)
        first = self.start.first_day
        if self.qualifier in ("early", "mid", "late") and self.start.precision == YEAR:
            first = dt.date(self.start.year, 1 + offset * 4 // 10, 1)
        elif offset:
            first = first + dt.timedelta(days=offset)
        rank = {DAY: 0, MONTH: 1, YEAR: 2}[self.start.precision]
        return (first.isoformat(), rank, self.end.iso() if self.end else "")

    def iso(self) -> str:
        """The value for <time datetime>: exactly the known precision of the start."""
        return self.start.iso()

    def __str__(self) -> str:
        text = self.start.iso() if not self.end else f"{self.start.iso()}/{self.end.iso()}"
        return f"{self.qualifier} {text}" if self.qualifier else text


def _point(text: str, whole: str) -> DatePoint:
    match = _POINT.match(text)
    if not match:
        raise DateSyntaxError(f'"{whole}" is not a date: {GRAMMAR_HINT}')
    year = int(match["year"])
    month = int(match["month"]) if match["month"] else None
    day = int(match["day"]) if match["day"] else None
    if month is not None and not 1 <= month <= 12:
        raise DateSyntaxError(f'"{whole}" has no month {month}: months run from 01 to 12')
    if day is not None:
        last = days_in_month(year, month)
        if not 1 <= day <= last:
            raise DateSyntaxError(f'"{whole}" is impossible: {calendar.month_name[month]} {year} '
                                  f"has {last} days")
    return DatePoint(year, month, day)


def parse_fuzzy_date(value) -> FuzzyDate:
    if isinstance(value, FuzzyDate):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise DateSyntaxError(f"expected a date as text: {GRAMMAR_HINT}")
    return _parse_fuzzy_text(value)


@functools.lru_cache(maxsize=65536)
def _parse_fuzzy_text(value: str) -> FuzzyDate:  # the same dates recur across thousands of files
    text = " ".join(value.split())
    qualifier = None
    first, _, rest = text.partition(" ")
    if first in QUALIFIERS:
        qualifier, text = first, rest
    if "/" in text:
        left, right = (part.strip() for part in text.split("/", 1))
        start, end = _point(left, value), _point(right, value)
        if qualifier in ("early", "mid", "late"):
            raise DateSyntaxError(f'"{value}": "{qualifier}" cannot qualify a range')
        if end.first_day < start.first_day:
            raise DateSyntaxError(f'"{value}": the range ends before it starts')
        return FuzzyDate(start, end, qualifier)
    point = _point(text, value)
    if qualifier in ("early", "mid", "late") and point.precision == DAY:
        raise DateSyntaxError(f'"{value}": "{qualifier}" only qualifies a year or a month')
    return FuzzyDate(point, None, qualifier)


def parse_day(value) -> dt.date:
    """A calendar day, YYYY-MM-DD, for dates the newsroom itself sets (added, updated)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        raise DateSyntaxError("expected a day as YYYY-MM-DD")
    return _parse_day_text(value)


@functools.lru_cache(maxsize=65536)
def _parse_day_text(value: str) -> dt.date:
    point = _point(value.strip(), value)
    if point.precision != DAY:
        raise DateSyntaxError(f'"{value}" must be a whole day, YYYY-MM-DD')
    return point.first_day
