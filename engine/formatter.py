"""Dates, numbers and money as text in the site's language (Babel, CLDR): one formatter per
language and interface strings, so its caches serve every page and chart."""
from __future__ import annotations

import datetime as dt
import functools

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton
from babel.numbers import (
    format_compact_currency,
    format_compact_decimal,
    format_decimal,
    get_currency_symbol,
)

from . import schema
from .dates import DAY, MONTH, FuzzyDate
from .strings import fill

# Amounts of money in site.yaml's `money` style: "compact" is the locale's own short form (CLDR:
# "US$3B" in English, "3 Md $US" in French); "short" is a newsroom's ("$3bn", "$410m"), with
# the words of the site's language (money_billion, money_million in engine/translations).
MONEY_STEPS = ((1_000_000_000, "money_billion"), (1_000_000, "money_million"))


class Formatter:
    """Dates and numbers as text in the site's language."""

    def __init__(self, language: str, strings: dict[str, str], money: schema.Money = schema.Money()):
        self.locale = Locale.parse(language.replace("-", "_"))
        self.strings = strings
        self.money = money
        # Babel is slow and a site repeats the same few hundred dates: remember each answer.
        self.day = functools.lru_cache(maxsize=None)(self.day)
        self.fuzzy = functools.lru_cache(maxsize=None)(self.fuzzy)

    def day(self, value: dt.date) -> str:
        return format_date(value, "long", locale=self.locale)

    def _point(self, point) -> str:
        if point.precision == DAY:
            return self.day(point.first_day)
        if point.precision == MONTH:
            return format_skeleton("yMMMM", point.first_day, locale=self.locale)
        return str(point.year)

    def fuzzy(self, value: FuzzyDate) -> str:
        """"April 2018", "around 2015", "late November 2017", "7–9 October 2019"; never padded."""
        if value.end is None:
            text = self._point(value.start)
        elif value.start.precision == value.end.precision == DAY:
            text = self._day_range(value.start.first_day, value.end.first_day)
        else:
            joiner = "–" if value.start.precision == value.end.precision == "year" else " – "
            text = f"{self._point(value.start)}{joiner}{self._point(value.end)}"
        if value.qualifier:
            text = fill(self.strings[value.qualifier], date=text)
        return text

    def _day_range(self, start: dt.date, end: dt.date) -> str:
        """CLDR has no long-month day intervals, so widen the short month names it gives."""
        text = format_interval(start, end, "yMMMd", locale=self.locale)
        for day in (start, end):
            short = format_date(day, "MMM", locale=self.locale)
            text = text.replace(short, format_date(day, "MMMM", locale=self.locale), 1) \
                if format_date(day, "MMMM", locale=self.locale) not in text else text
        return text

    def number(self, value: float, currency: str | None) -> str:
        if currency and self.money.style == "short":
            return self._money_short(value, currency)
        if currency:
            if abs(value) >= 1_000_000:
                return format_compact_currency(value, currency, locale=self.locale, fraction_digits=2)
            return format_decimal(value, locale=self.locale) + f" {currency}"
        if abs(value) >= 1_000_000:
            return format_compact_decimal(value, format_type="long", locale=self.locale,
                                          fraction_digits=2)
        return format_decimal(value, locale=self.locale)

    def _money_short(self, value: float, currency: str) -> str:
        symbol = self.money.symbols.get(currency) or get_currency_symbol(currency, locale=self.locale)
        for size, key in MONEY_STEPS:
            if abs(value) >= size:
                amount = format_decimal(value / size, format="#,##0.##", locale=self.locale)
                return fill(self.strings[key], symbol=symbol, amount=amount)
        return fill(self.strings["money_units"], symbol=symbol, amount=format_decimal(value, locale=self.locale))

    def figure(self, figure: schema.Figure) -> str:
        text = self.number(figure.value, figure.currency)
        if figure.unit:
            text = f"{text} {figure.unit}"
        return fill(self.strings[f"comparator_{figure.comparator}"], value=text)
