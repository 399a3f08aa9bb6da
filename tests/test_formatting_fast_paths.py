"""The list pages' cheaper ways of writing money, dates and row links say exactly what the
slower ones they replace said: Babel's ``format_currency``, Django's ``date`` filter and
``{% url %}``."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.numbers import format_currency
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from shared_apps.core.formatting import format_money
from shared_apps.core.regional import SUPPORTED_LOCALES
from tenant_apps.invoices.currencies import currency_choices

AMOUNTS = ["7056.000", "0", "-12.5", "0.125", "1234567.891", "1E+3", "-0.001", "12.30"]
# Ours, and some that write the symbol after the number, group by lakh or use other digits.
LOCALES = [*SUPPORTED_LOCALES, "de-DE", "fr-CH", "hi-IN", "ar-EG", "ja-JP"]
CURRENCIES = sorted({code for code, _ in currency_choices()} | {"JPY", "BHD", "CHF", "INR"})


@pytest.mark.parametrize("tag", LOCALES)
def test_money_is_what_babel_writes_in_every_locale_and_currency(tag):
    locale = Locale.parse(tag, sep="-")
    for currency in CURRENCIES:
        for amount in AMOUNTS:
            babel = format_currency(
                Decimal(amount).normalize(), currency, locale=locale, decimal_quantization=False
            )
            assert format_money(Decimal(amount), currency, locale) == babel, (currency, amount)


def test_money_takes_a_locale_by_name_and_other_numbers_as_before():
    assert format_money(5, "EUR", "en_GB") == "€5.00"
    assert format_money(3.5, "JPY", "en_US") == "¥3.5"
    assert format_money("12.30", "BHD", "en_GB") == "BHD12.300"


def _render(source: str, **context) -> str:
    return Template("{% load formatting %}" + source).render(Context(context))


@pytest.mark.parametrize(
    "value",
    [
        date(2026, 1, 5),
        date(987, 12, 31),
        datetime(2026, 12, 10, 3, 3, tzinfo=UTC),  # the day before in New York
        datetime(2026, 3, 8, 7, 30, 15, 123456, tzinfo=UTC),  # the morning the clocks go forward
        datetime(2026, 6, 1, 12, 0),  # noqa: DTZ001 (naive: left as it is)
    ],
)
def test_iso_and_day_month_year_are_what_the_date_filter_writes(value):
    iso = "c" if isinstance(value, datetime) else "Y-m-d"
    with translation.override("en-GB"), timezone.override(ZoneInfo("America/New_York")):
        assert _render("{{ v|iso }}", v=value) == _render(f'{{{{ v|date:"{iso}" }}}}', v=value)
        assert _render("{{ v|day_month_year }}", v=value) == _render(
            '{{ v|date:"j M Y" }}', v=value
        )


def test_iso_and_day_month_year_write_nothing_for_no_date():
    assert _render("{{ v|iso }}|{{ v|day_month_year }}", v=None) == "|"
    assert _render("{{ v|iso }}|{{ v|day_month_year }}", v="") == "|"


@pytest.mark.parametrize(
    "name", ["invoices:detail", "client_requests:detail", "approvals:detail", "invoices:pdf"]
)
def test_row_url_is_the_url_tag(name):
    template = Template("{% load lists %}{% row_url name pk %}")
    for pk in (1, 42, 10**12):
        assert template.render(Context({"name": name, "pk": pk})) == reverse(name, args=[pk])


@pytest.mark.parametrize("tag", LOCALES)
def test_day_is_what_babel_writes_in_each_locale_and_zone(tag):
    from babel.dates import format_date

    from shared_apps.core.formatting import format_day

    moments = [date(2026, 12, 10), date(987, 1, 5), datetime(2026, 12, 10, 3, 3, tzinfo=UTC)]
    for zone in ("UTC", "America/New_York", "Asia/Tokyo"):
        with translation.override(tag), timezone.override(ZoneInfo(zone)):
            for value in moments:
                local = timezone.localtime(value) if isinstance(value, datetime) else value
                expected = format_date(local, "medium", locale=Locale.parse(tag, sep="-"))
                assert format_day(value) == expected  # twice: the second from the cache
                assert format_day(value) == expected


def test_row_escape_is_conditional_escape():
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    from tenant_apps.kit.templatetags.lists import row_escape

    values = ['<a href="x">&\'</a>', mark_safe("<b>kept</b>"), gettext_lazy("Draft"), 42, None]
    for value in values:
        assert row_escape(value) == str(conditional_escape(value))
