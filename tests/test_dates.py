import datetime as dt

import pytest

from engine.dates import DateSyntaxError, parse_day, parse_fuzzy_date
from engine.formatter import Formatter
from engine.strings import _table


@pytest.mark.parametrize("text, iso, precision", [
    ("2018", "2018", "year"), ("2018-04", "2018-04", "month"), ("2018-04-09", "2018-04-09", "day"),
    ("around 2015", "2015", "year"), ("late 2017-11", "2017-11", "month"),
    ("2019-10-07/2019-10-09", "2019-10-07", "day"), (2014, "2014", "year"),
])
def test_dates_keep_their_precision(text, iso, precision):
    date = parse_fuzzy_date(text)
    assert (date.iso(), date.precision) == (iso, precision)


@pytest.mark.parametrize("text, message", [
    ("2018-02-30", '"2018-02-30" is impossible: February 2018 has 28 days'),
    ("2018-13", '"2018-13" has no month 13: months run from 01 to 12'),
    ("April 2018", '"April 2018" is not a date'),
    ("2019-10-09/2019-10-07", "the range ends before it starts"),
    ("late 2018-04-09", '"late" only qualifies a year or a month'),
])
def test_impossible_dates_are_refused(text, message):
    with pytest.raises(DateSyntaxError, match=message.replace("(", r"\(")):
        parse_fuzzy_date(text)


@pytest.mark.parametrize("text, shown", [
    ("2018", "2018"), ("2018-04", "April 2018"), ("2018-04-09", "9 April 2018"),
    ("around 2015", "around 2015"), ("late 2017-11", "late November 2017"),
    ("mid 2019", "mid-2019"),
    ("2019-10-07/2019-10-09", "7–9 October 2019"),
    ("2019-10-30/2019-11-02", "30 October\u2009–\u20092 November 2019"), ("2018/2019", "2018–2019"),
])
def test_dates_display_as_precise_as_known_never_padded(text, shown):
    assert Formatter("en-GB", _table("en-GB")).fuzzy(parse_fuzzy_date(text)) == shown


def test_sort_order_puts_vaguer_dates_after_precise_ones_of_the_same_start():
    dates = [parse_fuzzy_date(t) for t in ("2018", "2018-04", "2018-01-01", "late 2017-11", "2017")]
    ordered = [str(d) for d in sorted(dates, key=lambda d: d.sort_key())]
    assert ordered == ["2017", "late 2017-11", "2018-01-01", "2018", "2018-04"]


def test_days_must_be_whole_days():
    assert parse_day("2026-11-01") == dt.date(2026, 11, 1)
    with pytest.raises(DateSyntaxError, match="must be a whole day"):
        parse_day("2026-11")


@pytest.mark.parametrize("language, style, symbols, value, currency, shown", [
    ("en-GB", "compact", {}, 3e9, "USD", "US$3B"),                 # the locale's own (CLDR)
    ("en-GB", "short", {}, 3e9, "USD", "US$3bn"),
    ("en-GB", "short", {"USD": "$"}, 3e9, "USD", "$3bn"),          # a newsroom's own symbol
    ("en-GB", "short", {"USD": "$"}, 4.5e9, "USD", "$4.5bn"),
    ("en-GB", "short", {"USD": "$"}, 410e6, "USD", "$410m"),
    ("en-GB", "short", {"USD": "$"}, 5.55e9, "HKD", "HK$5.55bn"),  # other dollars keep their prefix
    ("en-GB", "short", {"USD": "$"}, 2_500_000_000_000, "USD", "$2,500bn"),
    ("en-GB", "short", {"USD": "$"}, 250_000, "USD", "$250,000"),
    ("fr", "short", {}, 4.5e9, "USD", "4,5\u00a0Md\u00a0$US"),
    ("ar", "short", {}, 410e6, "USD", "410 مليون US$"),
])
def test_money_is_written_in_the_style_site_yaml_chooses(language, style, symbols, value, currency, shown):
    from engine.schema import Money
    formatter = Formatter(language, _table(language), Money(style=style, symbols=symbols))
    assert formatter.number(value, currency) == shown


def test_a_money_symbol_must_be_a_short_plain_word():
    from pydantic import ValidationError

    from engine.schema import Money
    for bad in ({"usd": "$"}, {"USD": ""}, {"USD": "<b>$</b>"}, {"USD": "US dollars"}, {"USD": "x" * 9}):
        with pytest.raises(ValidationError):
            Money(style="short", symbols=bad)
