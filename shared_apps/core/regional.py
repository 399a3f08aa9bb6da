"""Where and how a person reads times, dates and money: a time zone and a locale.

Each agency has a default of both (``tenants.Agency``); each person may set their own
(``accounts.User``, blank = the agency's). ``RegionalMiddleware`` activates the viewer's for
a request; ``regional_for`` does the same around an email or a PDF for its recipient. The
locale is activated as Django's language, so ``<html lang>`` follows it and the formatters in
``formatting`` read it. The words stay English: the locales are English as written in a
country, which sets the order of dates, the clock and the digits of money.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

DEFAULT_TIME_ZONE = "UTC"
DEFAULT_LOCALE = "en-GB"
# BCP 47 tags; CLDR has each as "English (<country>)".
SUPPORTED_LOCALES = (
    "en-US",
    "en-GB",
    "en-IE",
    "en-CA",
    "en-AU",
    "en-NZ",
    "en-IN",
    "en-SG",
    "en-ZA",
    "en-DE",
    "en-AT",
    "en-CH",
    "en-FR",
    "en-BE",
    "en-NL",
    "en-ES",
    "en-IT",
    "en-SE",
    "en-DK",
    "en-FI",
)


@cache
def time_zones() -> frozenset[str]:
    """IANA zone names (the system's tz database; reading it is slow, so once)."""
    return frozenset(available_timezones())


def time_zone_choices() -> list[tuple[str, str]]:
    return [(zone, zone.replace("_", " ")) for zone in sorted(time_zones())]


@cache
def locale_choices() -> list[tuple[str, str]]:
    """("en-GB", "English (United Kingdom)"), ... by name."""
    named = [(tag, Locale.parse(tag, sep="-").get_display_name("en")) for tag in SUPPORTED_LOCALES]
    return sorted(named, key=lambda choice: choice[1])


def validate_time_zone(value: str) -> None:
    if value not in time_zones():
        raise ValidationError(
            "Choose a time zone from the list, such as Europe/Paris.", code="time_zone"
        )


def validate_locale(value: str) -> None:
    if value not in SUPPORTED_LOCALES:
        raise ValidationError("Choose a format from the list, such as en-GB.", code="locale")


def locale_supported(tag: str) -> str:
    """A browser's language tag as the nearest supported locale: "en-GB" as is, "de-DE"
    as "en-DE" (English as written in Germany); "" when none is near."""
    language, _, region = tag.strip().replace("_", "-").partition("-")
    for candidate in (f"{language.lower()}-{region.upper()}", f"en-{region.upper()}"):
        if candidate in SUPPORTED_LOCALES:
            return candidate
    return ""


def validate_regional(*, time_zone: str, locale: str, blank: bool = False) -> None:
    """Both at once, errors by field; ``blank`` allows "" (a person following the agency)."""
    errors = {}
    for name, value, validate in (
        ("time_zone", time_zone, validate_time_zone),
        ("locale", locale, validate_locale),
    ):
        try:
            if value or not blank:
                validate(value)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)


def zone_and_locale(user=None, agency=None) -> tuple[str, str]:
    """The person's own settings, else their agency's, else UTC and British English. ``agency``
    defaults to the one whose schema is in use."""
    agency = agency if agency is not None else getattr(connection, "tenant", None)
    zone = getattr(user, "time_zone", "") or getattr(agency, "time_zone", "") or DEFAULT_TIME_ZONE
    locale = getattr(user, "locale", "") or getattr(agency, "locale", "") or DEFAULT_LOCALE
    return zone, locale


@contextmanager
def regional_for(user=None, agency=None) -> Iterator[None]:
    """Times and formats as ``user`` reads them, for what is made for them outside a request
    (emails, PDFs)."""
    zone, locale = zone_and_locale(user, agency)
    with timezone.override(ZoneInfo(zone)), translation.override(locale):
        yield


class RegionalMiddleware:
    """Activates the viewer's time zone and locale (person → agency → default) for the
    request. After authentication: an API client signed in by token gets the agency's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with regional_for(request.user, getattr(request, "tenant", None)):
            return self.get_response(request)


class RegionalForm(forms.Form):
    """A time zone and a locale from the lists. With ``inherited`` (the agency's zone and
    locale), each may be left blank to follow the agency: a person's own settings."""

    time_zone = forms.ChoiceField(label="Time zone")
    locale = forms.ChoiceField(
        label="Dates and money", help_text="How dates, times and amounts are written."
    )

    def __init__(self, *args, inherited: tuple[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        zones, locales = time_zone_choices(), locale_choices()
        if inherited is not None:
            zone, locale = inherited
            zones = [("", f"Your agency's: {zone}"), *zones]
            locales = [("", f"Your agency's: {dict(locales).get(locale, locale)}"), *locales]
            for field in self.fields.values():
                field.required = False
        self.fields["time_zone"].choices = zones
        self.fields["locale"].choices = locales
