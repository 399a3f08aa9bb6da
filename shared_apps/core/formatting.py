"""Money, dates and times as the reader writes them, through Babel.

The locale is Django's active language (see ``regional``), the zone Django's current time
zone. The one place money becomes text: pages, emails, PDFs and both hosts use
``format_money`` (or the ``money`` filter in ``formatting`` template tags).
"""

import copy
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import (
    NumberPattern,
    format_currency,
    get_currency_precision,
    get_currency_symbol,
)
from django.utils import timezone, translation
from django.utils.dates import MONTHS_3

from shared_apps.core.regional import DEFAULT_LOCALE


@cache
def _locale(tag: str) -> Locale:
    return Locale.parse(tag, sep="-")


def current_locale() -> Locale:
    # Parsed once per language per process: a list page formats dozens of cells.
    return _locale(translation.get_language() or DEFAULT_LOCALE)


def format_money(amount, currency: str, locale: Locale | str | None = None) -> str:
    """1234.5 EUR → "€1,234.50" (en-GB), "1.234,50 €" (en-DE); JPY with no decimals, BHD
    with three. Never rounds: an amount finer than its currency (a unit price of 0.125)
    shows its digits. Rounding to the minor unit belongs to whoever computes the amount."""
    # normalize(): amounts are stored with three places whatever the currency; without it
    # EUR 7056.000 would keep the third.
    number = Decimal(amount).normalize()
    if isinstance(locale, str):
        locale = Locale.parse(locale)
    locale = locale or current_locale()
    money = _money_pattern(locale, currency)
    if money is None:
        return format_currency(number, currency, locale=locale, decimal_quantization=False)
    pattern, symbol = money
    return pattern.apply(number, locale, decimal_quantization=False).replace("¤", symbol)


@cache
def _money_pattern(locale: Locale, currency: str) -> tuple[NumberPattern, str] | None:
    """What ``format_currency`` looks up on every call, once per locale and currency: the
    locale's currency pattern set to the currency's digits, and its symbol. Applied without a
    currency, the pattern leaves "¤" for the symbol; the same text as ``format_currency``
    (a list page formats dozens of amounts). None where only Babel's own path is sure to
    be the same: a pattern naming the currency ("¤¤"), a symbol with a quote."""
    pattern = locale.currency_formats["standard"]
    symbol = get_currency_symbol(currency, locale)
    if "¤¤" in pattern.pattern or "'" in symbol:
        return None
    digits = get_currency_precision(currency)
    pattern = copy.copy(pattern)
    pattern.frac_prec = (digits, digits)
    return pattern, symbol


def _local(value: date | datetime) -> date | datetime:
    """A datetime in the current zone; a date as it is."""
    return timezone.localtime(value) if isinstance(value, datetime) else value


def _aware_local(value: date | datetime) -> date | datetime:
    """An aware datetime in the current zone; a naive one or a date as it is (as Django's
    templates do before the ``date`` filter)."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def format_iso(value: date | datetime) -> str:
    """For ``<time datetime>``: "2026-12-10", or "2026-12-10T17:00:00+01:00" in the current
    zone; what Django's ``date`` filter writes with "Y-m-d" (a date) or "c"."""
    return _aware_local(value).isoformat()


def format_day_month_year(value: date | datetime) -> str:
    """ "10 Dec 2026" whatever the locale: what Django's ``date`` filter writes with
    "j M Y", without parsing the format on every call."""
    value = _aware_local(value)
    return f"{value.day} {MONTHS_3[value.month].title()} {value.year:04d}"


def format_day(value: date | datetime) -> str:
    """Compact, for tables: "10 Dec 2026" (en-GB), "Dec 10, 2026" (en-US)."""
    value = _local(value)
    if isinstance(value, datetime):
        value = value.date()  # all format_date reads of a datetime
    return _day(value, current_locale())


@lru_cache(maxsize=4096)
def _day(value: date, locale: Locale) -> str:
    # A list page writes dozens, mostly the same few days; Babel parses the pattern each time.
    return format_date(value, "medium", locale=locale)


def format_day_long(value: date | datetime) -> str:
    """In words, near the top of a page: "Thursday 10 December" (en-GB)."""
    return format_skeleton("MMMMEEEEd", _local(value), locale=current_locale())


def format_clock(value: datetime) -> str:
    """The time of day: "17:00" (en-GB), "5:00 PM" (en-US)."""
    return format_time(timezone.localtime(value), "short", locale=current_locale())


def _date_and_time(locale: Locale, length: str, day: str, clock: str) -> str:
    # The locale's way of joining them: "{1}, {0}", "{1} 'at' {0}"...
    return locale.datetime_formats[length].replace("'", "").format(clock, day)


def format_moment(value: datetime) -> str:
    """Day and time, compact: "10 Dec 2026, 17:00" (en-GB), "Dec 10, 2026, 5:00 PM"."""
    local, locale = timezone.localtime(value), current_locale()
    day = format_date(local, "medium", locale=locale)
    return _date_and_time(locale, "medium", day, format_time(local, "short", locale=locale))


def format_deadline(value: datetime) -> str:
    """A promise or a due time, saying the zone: "Thursday 10 December at 17:00 CET"."""
    local, locale = timezone.localtime(value), current_locale()
    day = format_skeleton("MMMMEEEEd", local, locale=locale)
    clock = format_time(local, "short", locale=locale)
    return f"{_date_and_time(locale, 'long', day, clock)} {local.tzname()}"
